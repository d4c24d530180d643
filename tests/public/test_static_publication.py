"""The static publication: files identical to what Django serves, refreshed after each planning
change when `ALLERVERS_STATIC_PUBLICATION_DIR` is set."""

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from allervers.planning import services
from allervers.planning.enums import CancelReason
from allervers.public.static_publication import file_of, publication_paths, static_body
from allervers.public.tasks import _pending_key


@pytest.fixture
def site_url(settings):
    settings.ALLERVERS_SITE_URL = "http://testserver"


def published(directory) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in directory.rglob("*")
        if path.is_file()
    }


def test_the_files_are_what_django_serves_byte_for_byte(client, planning, tmp_path, site_url):
    call_command("publish_static", "ccas-test", str(tmp_path))
    files = published(tmp_path)
    paths = publication_paths(planning["operator"])
    extra = {
        "api/v1/openapi.json",
        ".nginx/ccas-test.conf",
        f".nginx/operator-{planning['operator'].pk}.slug",
    }
    assert {file_of(path) for path in paths} | extra == set(files)
    assert {
        "ccas-test/index.html",
        "ccas-test/widget/index.html",
        "ccas-test/agenda.ics",
        "ccas-test/lieux/place-du-regain/index.html",
        "ccas-test/lieux/place-du-regain/agenda.ics",
        "ccas-test/partenaires/mission-locale/agenda.ics",
        "ccas-test/donnees/data-inclusion.json",
        "ccas-test/donnees/lieux-mediation-numerique.csv",
        "api/v1/operators/ccas-test/index.json",
        "api/v1/operators/ccas-test/stops/index.json",
    } <= set(files)
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200
        served = static_body(response.content, response["Content-Type"])
        assert files[file_of(path)] == served, path
    assert b"Place du Regain" in files["ccas-test/index.html"]
    # What is left out: the per-answer nonce of the JSON-LD script, only.
    assert b' nonce="' in client.get("/ccas-test/").content
    assert b"nonce" not in files["ccas-test/index.html"]
    assert b'<script type="application/ld+json">' in files["ccas-test/index.html"]
    # The widget's server configuration: its CSP as Django's, frame-ancestors included.
    widget_csp = client.get("/ccas-test/widget/")["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in widget_csp
    assert "frame-ancestors 'self'" in files[".nginx/ccas-test.conf"].decode()
    assert "location = /ccas-test/widget/ {" in files[".nginx/ccas-test.conf"].decode()


def test_an_unknown_operator_is_refused_in_french(tmp_path, planning):
    with pytest.raises(CommandError, match="Aucune structure n'a l'identifiant « personne »"):
        call_command("publish_static", "personne", str(tmp_path))


def test_a_planning_change_republishes_the_files(
    planning, coordinator, tmp_path, settings, site_url, django_capture_on_commit_callbacks
):
    settings.ALLERVERS_STATIC_PUBLICATION_DIR = str(tmp_path)
    stop = planning["stops"]["later"]
    with django_capture_on_commit_callbacks(execute=True):
        services.stop_cancel(stop=stop, reason=CancelReason.WEATHER, by=coordinator)
    page = (tmp_path / "ccas-test/lieux/ecole-jules-ferry/index.html").read_text()
    assert page.count("Annulée") == 2  # the stop cancelled now, and the one before
    assert "Raison : météo" in page
    # A site archived: its files go.
    with django_capture_on_commit_callbacks(execute=True):
        services.site_archive(site=planning["sites"]["ecole"])
    assert not (tmp_path / "ccas-test/lieux/ecole-jules-ferry/index.html").exists()
    assert (tmp_path / "ccas-test/lieux/place-du-regain/index.html").exists()


def test_changes_while_a_publication_is_pending_wait_for_it(
    planning, coordinator, tmp_path, settings, site_url, django_capture_on_commit_callbacks
):
    settings.ALLERVERS_STATIC_PUBLICATION_DIR = str(tmp_path)
    cache.set(_pending_key(planning["operator"].pk), True)
    with django_capture_on_commit_callbacks(execute=True):
        services.stop_cancel(
            stop=planning["stops"]["later"], reason=CancelReason.WEATHER, by=coordinator
        )
    assert published(tmp_path) == {}  # the pending run publishes it


def test_nothing_is_published_when_the_setting_is_empty(
    planning, coordinator, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.ALLERVERS_STATIC_PUBLICATION_DIR = ""
    with django_capture_on_commit_callbacks(execute=True):
        services.stop_cancel(
            stop=planning["stops"]["later"], reason=CancelReason.WEATHER, by=coordinator
        )
    assert published(tmp_path) == {}


def test_a_new_address_removes_the_old_folder_and_leaves_a_redirect(
    client, planning, tmp_path, site_url
):
    """Issue 27: after the structure's address changes, the old schedule is no longer served;
    the old address sends readers to the new one."""
    operator = planning["operator"]
    call_command("publish_static", "ccas-test", str(tmp_path))
    assert (tmp_path / "ccas-test" / "agenda.ics").exists()
    operator.slug = "ccas-nouveau"
    operator.save()
    call_command("publish_static", "ccas-nouveau", str(tmp_path))
    files = published(tmp_path)
    assert "ccas-nouveau/index.html" in files
    old = {name for name in files if name.startswith(("ccas-test/", "api/v1/operators/ccas-test"))}
    assert old == {"ccas-test/index.html"}
    page = files["ccas-test/index.html"].decode()
    assert 'content="0; url=/ccas-nouveau/"' in page and 'href="/ccas-nouveau/"' in page
    assert (
        "rewrite ^/ccas-test/(.*)$ /ccas-nouveau/$1 permanent;"
        in files[".nginx/ccas-test.conf"].decode()
    )
    # Published again: nothing more to remove, the redirect stays.
    call_command("publish_static", "ccas-nouveau", str(tmp_path))
    assert published(tmp_path)["ccas-test/index.html"] == files["ccas-test/index.html"]


@pytest.mark.parametrize("proxy_header", [None, ("HTTP_X_FORWARDED_PROTO", "https")])
def test_an_https_site_publishes_with_or_without_a_tls_proxy(
    settings, planning, tmp_path, proxy_header
):
    """Production redirects plain HTTP (SECURE_SSL_REDIRECT) and reads the proxy's header only
    behind a configured proxy: the publication's requests are HTTPS either way, never a 301."""
    settings.ALLERVERS_SITE_URL = "https://testserver"
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = proxy_header
    call_command("publish_static", "ccas-test", str(tmp_path))
    assert b"Place du Regain" in (tmp_path / "ccas-test" / "index.html").read_bytes()
