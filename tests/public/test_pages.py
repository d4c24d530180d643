"""The residents' pages: what they read, in French, without JavaScript, light and accessible."""

import json
import re

import pytest
from django.urls import reverse

from allervers.core.revision import planning_revision_bump
from allervers.planning.enums import CancelReason, StopStatus
from tests.html import text_of
from tests.planning.factories import StopFactory

from .conftest import in_days

MAX_PAGE_BYTES = 100 * 1024


def public_urls(planning) -> list[str]:
    slug = planning["operator"].slug
    return [
        reverse("public:operator", args=[slug]),
        reverse("public:site", args=[slug, "place-du-regain"]),
        reverse("public:site", args=[slug, "ecole-jules-ferry"]),
        reverse("public:widget", args=[slug]),
        reverse("public:operator_accessibility", args=[slug]),
        reverse("public:accessibility"),
    ]


def test_the_page_says_where_the_bus_is_next_then_the_coming_weeks(client, planning):
    response = client.get("/ccas-test/")
    assert response.status_code == 200
    text = text_of(response)
    next_section = text.split('id="prochain"')[1].split("</section>")[0]
    assert "Place du Regain" in next_section
    assert "de 9 h à 12 h" in next_section
    assert "Mission locale" in next_section
    assert "openstreetmap.org/?mlat=50.458900&mlon=2.613500" in next_section
    weeks = text.split('id="semaines"')[1].split("</section>")[0]
    assert weeks.count("<article") == 4  # the old stop is not shown, the cancelled one is
    assert "Soirée : permanence de 17 h à 20 h" in weeks
    assert 'href="tel:0321000000"' in text
    assert "03 21 00 00 00" in text


def test_a_cancelled_stop_is_shown_plainly_with_its_reason(client, planning):
    text = text_of(client.get("/ccas-test/"))
    cancelled = text.split('class="stop cancelled"')[1].split("</article>")[0]
    assert "Annulée" in cancelled
    assert "Le bus ne viendra pas. Raison : panne du bus." in cancelled
    assert "Batterie du bus à remplacer." in cancelled


def test_the_next_stop_skips_a_cancelled_one(client, planning):
    stop = planning["stops"]["next"]
    stop.status, stop.cancel_reason = StopStatus.CANCELLED, CancelReason.WEATHER
    stop.save()
    planning_revision_bump(planning["operator"].pk)
    next_section = text_of(client.get("/ccas-test/")).split('id="prochain"')[1]
    next_section = next_section.split("</section>")[0]
    assert "École Jules Ferry" in next_section  # the stop in 8 days; the one in 3 is cancelled


def test_a_site_page_tells_how_to_come_and_its_stops(client, planning):
    response = client.get("/ccas-test/lieux/place-du-regain/")
    text = text_of(response)
    assert "Le bus à Place du Regain" in text
    assert "Trottoir abaissé devant le bus." in text
    assert text.count("<article") == 2
    assert "/ccas-test/lieux/place-du-regain/agenda.ics" in text


def test_footer_has_the_accessibility_mention_and_a_way_to_report(client, planning):
    for url in public_urls(planning)[:3] + public_urls(planning)[4:]:
        text = text_of(client.get(url))
        assert "Accessibilité : partiellement conforme" in text, url
        assert "Signaler un problème d'accessibilité" in text, url
    declaration = text_of(client.get("/ccas-test/accessibilite/"))
    assert 'id="signaler"' in declaration
    assert "mailto:bus@ccas-test.example" in declaration
    assert "Défenseur des droits" in declaration


@pytest.mark.parametrize(
    "url, message",
    [
        ("/ccas-inconnu/", "Nous ne connaissons pas cette adresse."),
        ("/ccas-inconnu/lieux/place-du-regain/", "Nous ne connaissons pas cette adresse."),
        ("/ccas-test/lieux/nulle-part/", "Ce lieu n'existe pas"),
        ("/ccas-test/nimporte/quoi/", "Cette page n'existe pas."),
        ("/ccas-inconnu/widget/", "Nous ne connaissons pas cette adresse."),
    ],
)
def test_unknown_addresses_answer_a_french_404_with_a_way_back(client, planning, url, message):
    response = client.get(url)
    assert response.status_code == 404
    text = text_of(response)
    assert "Page introuvable" in text
    assert message in text
    assert 'lang="fr"' in text
    if url.startswith("/ccas-test/"):
        assert '<a class="button" href="/ccas-test/">Voir où est le bus</a>' in text
    else:
        assert "Retour à l'accueil" in text


def test_pages_are_light_and_need_no_javascript(client, planning):
    css = client.get("/static/public/public.css")
    css_size = len(b"".join(css.streaming_content)) if css.streaming else len(css.content)
    for url in public_urls(planning):
        response = client.get(url)
        assert response.status_code == 200, url
        assert len(response.content) + css_size < MAX_PAGE_BYTES, url
        scripts = re.findall(r"<script[^>]*>", response.content.decode())
        assert all('type="application/ld+json"' in tag for tag in scripts), url


def test_pages_are_public_even_when_the_site_requires_login(client, planning):
    response = client.get("/ccas-test/")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_json_ld_describes_the_stops_as_schema_org_events(client, planning):
    response = client.get("/ccas-test/")
    html = response.content.decode()
    match = re.search(r'<script type="application/ld\+json" nonce="([^"]+)">(.*?)</script>', html)
    assert match, "no JSON-LD script"
    nonce, data = match.groups()
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
    events = json.loads(data)
    assert len(events) == 4
    for event in events:
        assert event["@context"] == "https://schema.org"
        assert event["@type"] == "Event"
        assert event["location"]["@type"] == "Place"
        assert event["location"]["address"]["@type"] == "PostalAddress"
        assert event["startDate"].endswith(("+01:00", "+02:00"))
    statuses = [event["eventStatus"] for event in events]
    assert statuses.count("https://schema.org/EventCancelled") == 1
    assert statuses.count("https://schema.org/EventScheduled") == 3
    regain = next(e for e in events if e["location"]["name"] == "Place du Regain")
    assert regain["location"]["geo"] == {
        "@type": "GeoCoordinates",
        "latitude": 50.4589,
        "longitude": 2.6135,
    }


def test_json_ld_cannot_be_broken_out_of(client, planning):
    planning["stops"]["next"].title = "</script><script>alert(1)</script>"
    planning["stops"]["next"].save()
    html = client.get("/ccas-test/").content.decode()
    assert "<script>alert(1)" not in html
    assert "\\u003c/script\\u003e" in html


def test_each_answer_gets_its_own_nonce_even_from_the_cache(client, planning):
    first = client.get("/ccas-test/")
    second = client.get("/ccas-test/")
    nonces = [re.search(r'nonce="([^"]+)"', r.content.decode()).group(1) for r in (first, second)]
    assert nonces[0] != nonces[1]
    assert f"'nonce-{nonces[1]}'" in second["Content-Security-Policy"]


def test_the_widget_may_be_framed_only_by_the_listed_sites(client, planning):
    operator = planning["operator"]
    operator.widget_allowed_origins = (
        "https://www.ville-barlin.fr/\n  https://*.barlin.fr \nnot a site; script-src *\n"
    )
    operator.save()
    response = client.get("/ccas-test/widget/")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://www.ville-barlin.fr https://*.barlin.fr;" in policy
    assert "script-src *" not in policy
    text = text_of(response)
    assert "Place du Regain" in text and "Annulée" in text
    assert 'target="_top"' in text
    # Every other public page keeps refusing to be framed.
    page = client.get("/ccas-test/")
    assert page["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]


def test_the_page_of_a_logged_in_coordinator_is_the_residents_page(client, planning, coordinator):
    client.force_login(coordinator)
    text = text_of(client.get("/ccas-test/"))
    assert coordinator.email not in text
    assert "Se déconnecter" not in text


def test_a_cancellation_shows_at_once_despite_the_cache(
    client, planning, django_capture_on_commit_callbacks
):
    stop = planning["stops"]["later"]
    assert "Raison : météo" not in text_of(client.get("/ccas-test/"))
    assert "Raison : météo" not in text_of(client.get("/ccas-test/"))  # now from the cache
    stop.status, stop.cancel_reason = StopStatus.CANCELLED, CancelReason.WEATHER
    stop.save()
    assert "Raison : météo" not in text_of(client.get("/ccas-test/")), "served from the cache"
    with django_capture_on_commit_callbacks(execute=True):
        planning_revision_bump(planning["operator"].pk)  # what every planning service does
    assert "Raison : météo" in text_of(client.get("/ccas-test/"))


def test_pages_are_served_from_the_cache(client, planning, django_assert_max_num_queries):
    client.get("/ccas-test/")
    with django_assert_max_num_queries(0):  # the operator and the page come from the cache
        assert client.get("/ccas-test/").status_code == 200


def test_another_operators_stops_never_show(client, planning, other_operator):
    StopFactory(operator=other_operator, date=in_days(2), site__name="Ailleurs")
    assert "Ailleurs" not in text_of(client.get("/ccas-test/"))
    assert client.get(f"/ccas-test/lieux/{other_operator.sites.get().slug}/").status_code == 404


def test_only_reading_is_allowed(client, planning):
    assert client.post("/ccas-test/").status_code == 405
    assert client.head("/ccas-test/").status_code == 200


def test_fixed_prefixes_win_over_operator_slugs(planning):
    from django.urls import resolve

    assert resolve("/gestion/publication/").namespace == "publication"
    assert resolve("/api/v1/openapi.json").namespace == "public:api"
    assert resolve("/accessibilite/").url_name == "accessibility"


def test_operator_settings_show_at_once_despite_the_cache(
    client, planning, django_capture_on_commit_callbacks
):
    operator = planning["operator"]
    urls = ["/ccas-test/widget/", "/ccas-test/agenda.ics", "/api/v1/operators/ccas-test"]
    for url in [*urls, "/api/v1/operators"]:
        client.get(url)  # cached
    assert "03 21 00 00 00" in text_of(client.get("/ccas-test/"))
    assert "03 21 00 00 00" in text_of(client.get("/ccas-test/"))  # now from the cache
    with django_capture_on_commit_callbacks(execute=True):
        operator.phone = "03 21 99 99 99"
        operator.name = "CCAS de Barlin-les-Bains"
        operator.widget_allowed_origins = "https://www.barlin-les-bains.fr"
        operator.save()
    text = text_of(client.get("/ccas-test/"))
    assert "03 21 99 99 99" in text and "03 21 00 00 00" not in text
    assert "CCAS de Barlin-les-Bains" in text
    widget = client.get("/ccas-test/widget/")
    assert "https://www.barlin-les-bains.fr" in widget["Content-Security-Policy"]
    feed = client.get("/ccas-test/agenda.ics").content.decode()
    assert "CCAS de Barlin-les-Bains" in feed
    api = client.get("/api/v1/operators/ccas-test").json()
    assert api["phone"] == "03 21 99 99 99"
    listed = client.get("/api/v1/operators").json()["results"]
    assert "03 21 99 99 99" in {item["phone"] for item in listed}


def test_operator_settings_show_at_once_even_before_the_commit(client, planning):
    """The saving request's own reads (and tests' transactions) already see the new stamp."""
    client.get("/ccas-test/")
    planning["operator"].phone = "03 21 11 11 11"
    planning["operator"].save()
    assert "03 21 11 11 11" in text_of(client.get("/ccas-test/"))


def test_a_deleted_operator_is_gone_at_once(client, other_operator):
    url = f"/{other_operator.slug}/"
    assert client.get(url).status_code == 200
    other_operator.delete()
    assert client.get(url).status_code == 404


def test_every_page_names_its_icon_and_the_icon_is_served(client, operator):
    """No 404 for /favicon.ico on a first visit: every page links its icon (issue 27)."""
    from django.contrib.staticfiles import finders

    for url in ("/", f"/{operator.slug}/", reverse("accounts:login")):
        page = client.get(url, follow=True).content.decode()
        found = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
        assert found, url
    assert finders.find("favicon.svg")
