"""The second factor: who must give it, enrolment, the code step and its throttle, backup codes,
the « Sécurité » page and the coordinator's reset. Time is controlled (`clock`)."""

import base64
import datetime
import re

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from allervers.accesslog.enums import Action
from allervers.accesslog.models import AccessLogEntry
from allervers.accounts.models import AuthenticatorDevice
from allervers.accounts.second_factor import BACKUP_CODE_COUNT, backup_code_digest
from allervers.core.roles import Role
from tests.accounts.second_factor import (
    KEY,
    PASSWORD,
    backup_codes,
    code_for,
    enrol,
    log_in_with_code,
    pass_second_factor,
)
from tests.html import text_of
from tests.operators.sweep import OBJECT_MAKERS, back_office_routes

pytestmark = [pytest.mark.django_db, pytest.mark.second_factor]

VERIFY = reverse("accounts:second_factor_verify")
ENROL = reverse("accounts:second_factor_enrol")
LOCKED = "Trop de codes de vérification erronés"
WRONG = "Ce code n'est pas valable."
STEP = datetime.timedelta(seconds=30)


def password_step(client, user, ip="127.0.0.1"):
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": PASSWORD}, REMOTE_ADDR=ip
    )
    assert response.status_code == 302
    return response


def send_code(client, code, ip="127.0.0.1", path=VERIFY):
    return client.post(path, {"code": code}, REMOTE_ADDR=ip)


def is_in(client) -> bool:
    return client.get(reverse("home")).status_code == 200


# Who must give it -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.AGENT, Role.PARTNER])
@pytest.mark.parametrize("enrolled", [False, True], ids=["first-login", "enrolled"])
def test_every_role_reading_names_is_sent_to_the_second_factor(
    client, operator, make_member, role, enrolled
):
    user = make_member(operator, role)
    if enrolled:
        enrol(user)
    client.force_login(user)
    step = VERIFY if enrolled else ENROL
    for path in ["/", "/planning/", "/accueil/", "/bilan/", "/structure/equipe/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == f"{step}?next={path}", path
    assert client.get(reverse("accounts:security"))["Location"].startswith(step)


JSON_ROUTES = {"reception:visit_sync"}


def test_no_back_office_address_answers_before_the_code(client, operator, coordinator):
    """Every back-office URL of the resolver (the sweep's list), whatever its role set."""
    enrol(coordinator)
    membership = coordinator.memberships.get()
    client.force_login(coordinator)
    for route in back_office_routes():
        kwargs = {name: OBJECT_MAKERS[name](operator, membership) for name in route.kwargs}
        path = reverse(route.name, kwargs=kwargs)
        for method in (client.get, client.post):
            response = method(path)
            if route.name in JSON_ROUTES and method == client.post:
                # The tablet's sending answers JSON: « log in again », the visits kept waiting.
                assert (response.status_code, response.json()["login"]) == (401, True)
                continue
            assert response.status_code == 302, (route.name, response.status_code)
            assert response["Location"].startswith(VERIFY), route.name


def test_a_funder_is_not_required_to_but_is_asked_once_enrolled(client, operator, make_member):
    funder = make_member(operator, Role.VIEWER)
    client.force_login(funder)
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("reporting:dashboard")).status_code == 200
    enrol(funder)
    assert client.get(reverse("home"))["Location"].startswith(VERIFY)


def test_platform_staff_give_the_second_factor_for_the_admin(client, django_user_model):
    staff = django_user_model.objects.create_superuser("p@example.org", PASSWORD)
    client.force_login(staff)
    response = client.get("/admin-plateforme/")
    assert response.status_code == 302
    assert response["Location"].startswith(ENROL)
    assert client.get("/admin-plateforme/accounts/user/")["Location"].startswith(ENROL)
    pass_second_factor(client, staff)
    assert client.get("/admin-plateforme/").status_code == 200


def test_before_the_code_logout_and_public_pages_still_answer(client, coordinator, operator):
    client.force_login(coordinator)
    assert client.get(f"/{operator.slug}/").status_code == 200
    assert client.get(ENROL).status_code == 200
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_withdrawn_member_with_no_other_role_is_not_asked(client, operator, make_member):
    user = make_member(operator, Role.AGENT)
    user.memberships.update(is_active=False)
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 403  # no structure: refused, not asked


# Enrolment --------------------------------------------------------------------------------------


def shown_secret(response) -> bytes:
    secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', text_of(response)).group(1)
    return base64.b32decode(secret.replace(" ", ""))


def test_enrolment_shows_the_qr_code_and_the_secret_and_keeps_them_on_reload(client, coordinator):
    client.force_login(coordinator)
    page = client.get(ENROL)
    assert page.status_code == 200
    html = text_of(page)
    assert "<svg" in html and "Code QR à scanner" in html
    assert "Saisissez le code à 6 chiffres" in html
    key = shown_secret(page)
    device = AuthenticatorDevice.objects.get(user=coordinator)
    assert not device.confirmed and device.bin_key == key
    assert "otpauth://totp/Allervers" in device.config_url and "issuer=Allervers" in (
        device.config_url
    )
    assert shown_secret(client.get(ENROL)) == key
    assert AuthenticatorDevice.objects.filter(user=coordinator).count() == 1


def test_a_wrong_first_code_enrols_nothing(client, coordinator):
    client.force_login(coordinator)
    key = shown_secret(client.get(ENROL))
    wrong = f"{(int(code_for(key)) + 1) % 1_000_000:06d}"
    for typed in [wrong, "abc", ""]:
        response = send_code(client, typed, path=ENROL)
        assert response.status_code == 400
        assert "Ce code ne correspond pas" in text_of(response) or "Saisissez le code" in (
            text_of(response)
        )
    assert not AuthenticatorDevice.objects.filter(user=coordinator, confirmed=True).exists()
    assert not StaticDevice.objects.filter(user=coordinator).exists()
    assert client.get(reverse("home"))["Location"].startswith(ENROL)


def test_the_right_first_code_enrols_and_shows_the_backup_codes_once(client, operator, coordinator):
    client.force_login(coordinator)
    key = shown_secret(client.get(f"{ENROL}?next=/planning/"))
    response = client.post(ENROL, {"code": code_for(key), "next": "/planning/"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:backup_codes"))
    assert AuthenticatorDevice.objects.get(user=coordinator).confirmed
    page = client.get(response["Location"])
    codes = re.findall(r"<li><code>([a-z2-9]{4}-[a-z2-9]{4})</code></li>", text_of(page))
    assert len(codes) == BACKUP_CODE_COUNT
    assert "Imprimez cette page ou recopiez ces codes" in text_of(page)
    assert 'href="/planning/"' in text_of(page)
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == sorted(
        backup_code_digest(code)
        for code in codes  # stored hashed
    )
    # Shown once: the page sends to the « Sécurité » page now.
    assert client.get(response["Location"])["Location"] == reverse("accounts:security")
    assert is_in(client)
    entry = AccessLogEntry.objects.get(action=Action.SECOND_FACTOR_ENROLLED)
    assert (entry.operator, entry.user, entry.target_type) == (operator, coordinator, "membership")
    assert entry.target_id == coordinator.memberships.get().pk


def test_an_enrolled_person_cannot_enrol_a_second_application(client, coordinator):
    enrol(coordinator)
    client.force_login(coordinator)
    assert client.get(ENROL)["Location"].startswith(VERIFY)
    pass_second_factor(client, coordinator)
    assert client.get(ENROL)["Location"] == reverse("accounts:security")


# The code step ----------------------------------------------------------------------------------


def test_login_with_a_totp_code_reaches_the_page_asked_for(client, agent):
    enrol(agent)
    response = client.post(
        f"{reverse('accounts:login')}?next=/accueil/",
        {"username": agent.email, "password": PASSWORD, "next": "/accueil/"},
        follow=True,
    )
    code_step = response.redirect_chain[-1][0]
    assert code_step.startswith(VERIFY)
    assert "Code de vérification" in text_of(response)
    session_before = client.session.session_key
    response = client.post(code_step, {"code": code_for(KEY), "next": "/accueil/"})
    assert response["Location"] == "/accueil/"
    assert client.session.session_key != session_before  # a new session key once verified
    assert is_in(client)


def test_a_code_is_accepted_once(client, agent, clock):
    enrol(agent)
    password_step(client, agent)
    code = code_for(KEY)
    assert send_code(client, code).status_code == 302
    other = Client()
    password_step(other, agent)
    refused = send_code(other, code)
    assert refused.status_code == 400
    assert WRONG in text_of(refused)
    clock.shift(STEP)
    assert send_code(other, code_for(KEY)).status_code == 302


def test_the_next_address_is_of_this_site_only(client, agent):
    enrol(agent)
    password_step(client, agent)
    response = client.post(VERIFY, {"code": code_for(KEY), "next": "https://mal.example/"})
    assert response["Location"] == reverse("home")


def test_a_backup_code_works_once_whatever_the_typing(client, agent):
    enrol(agent)
    backup_codes(agent, "abcd2345", "efgh6789")
    password_step(client, agent)
    assert send_code(client, " ABCD-2345 ").status_code == 302
    assert is_in(client)
    client.post(reverse("accounts:logout"))
    password_step(client, agent)
    assert send_code(client, "abcd2345").status_code == 400
    assert StaticToken.objects.filter(device__user=agent).count() == 1


def test_another_persons_code_is_refused(client, agent, coordinator):
    enrol(agent)
    enrol(coordinator, key=b"another-key-20-bytes")
    backup_codes(coordinator, "zzzz2222")
    password_step(client, agent)
    assert send_code(client, code_for(b"another-key-20-bytes")).status_code == 400
    assert send_code(client, "zzzz2222").status_code == 400


# Throttle ---------------------------------------------------------------------------------------


def fail_codes(client, times, ip="127.0.0.1"):
    for _ in range(times):
        assert send_code(client, "000000", ip=ip).status_code in {400, 429}


def test_wrong_codes_lock_the_step_for_the_cool_off_even_after_a_new_password_step(
    client, agent, clock
):
    enrol(agent)
    password_step(client, agent)
    fail_codes(client, settings.AXES_FAILURE_LIMIT - 1)
    # Logging in again with the password does not give new tries at the code.
    client.post(reverse("accounts:logout"))
    password_step(client, agent, ip="10.0.0.2")
    response = send_code(client, "000000", ip="10.0.0.2")
    assert response.status_code == 429
    assert LOCKED in text_of(response)
    assert "15 minutes" in text_of(response)
    # Locked even with the right code, from any address.
    assert send_code(client, code_for(KEY), ip="10.0.0.3").status_code == 429
    assert not is_in(client)
    clock.shift(settings.AXES_COOLOFF_TIME + datetime.timedelta(seconds=1))
    assert send_code(client, code_for(KEY), ip="10.0.0.3").status_code == 302
    assert is_in(client)


def test_trying_during_the_lockout_extends_it(client, agent, clock):
    enrol(agent)
    password_step(client, agent)
    fail_codes(client, settings.AXES_FAILURE_LIMIT)
    clock.shift(datetime.timedelta(minutes=14))
    assert send_code(client, code_for(KEY)).status_code == 429
    clock.shift(datetime.timedelta(minutes=14))
    assert send_code(client, code_for(KEY)).status_code == 429
    clock.shift(datetime.timedelta(minutes=15, seconds=1))
    assert send_code(client, code_for(KEY)).status_code == 302


def test_five_wrong_codes_on_one_tablet_do_not_stop_a_colleague(client, agent, coordinator):
    # The bus: every tablet and phone behind one 4G router, one address.
    enrol(agent)
    enrol(coordinator)
    password_step(client, agent, ip="10.0.0.9")
    fail_codes(client, settings.AXES_FAILURE_LIMIT, ip="10.0.0.9")
    assert send_code(client, code_for(KEY), ip="10.0.0.9").status_code == 429
    colleague = Client()
    password_step(colleague, coordinator, ip="10.0.0.9")
    assert send_code(colleague, code_for(KEY), ip="10.0.0.9").status_code == 302
    assert is_in(colleague)


def test_a_flood_of_wrong_codes_from_one_address_stops_it(client, agent, coordinator, settings):
    settings.ALLERVERS_ADDRESS_FAILURE_LIMIT = 8
    enrol(agent)
    enrol(coordinator)
    password_step(client, agent, ip="10.0.0.9")
    fail_codes(client, settings.AXES_FAILURE_LIMIT - 1, ip="10.0.0.9")
    # Failed logins and wrong codes count together for the address.
    stranger = Client()
    for n in range(4):
        stranger.post(
            reverse("accounts:login"),
            {"username": f"x{n}@example.org", "password": "mauvais"},
            REMOTE_ADDR="10.0.0.9",
        )
    colleague = Client()
    password_step(colleague, coordinator, ip="10.0.0.10")
    response = send_code(colleague, code_for(KEY), ip="10.0.0.9")
    assert response.status_code == 429
    assert send_code(colleague, code_for(KEY), ip="10.0.0.10").status_code == 302


def test_a_new_password_through_the_reset_link_clears_the_wrong_codes(client, agent):
    enrol(agent)
    password_step(client, agent)
    fail_codes(client, settings.AXES_FAILURE_LIMIT)
    assert send_code(client, code_for(KEY)).status_code == 429
    client.post(reverse("accounts:logout"))
    client.post(reverse("accounts:password_reset"), {"email": agent.email})
    link = next(line for line in mail.outbox[0].body.splitlines() if line.startswith("http"))
    form_page = client.get(link.split("testserver", 1)[1], follow=True)
    new = "Une-phrase-longue-2026"
    client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    client.post(reverse("accounts:login"), {"username": agent.email, "password": new})
    assert send_code(client, code_for(KEY)).status_code == 302
    assert is_in(client)


def test_a_right_code_resets_the_accounts_count(client, agent, clock):
    enrol(agent)
    password_step(client, agent)
    fail_codes(client, settings.AXES_FAILURE_LIMIT - 1, ip="10.0.0.1")
    assert send_code(client, code_for(KEY), ip="10.0.0.2").status_code == 302
    client.post(reverse("accounts:logout"))
    clock.shift(STEP)
    password_step(client, agent, ip="10.0.0.3")
    fail_codes(client, settings.AXES_FAILURE_LIMIT - 1, ip="10.0.0.3")
    assert send_code(client, code_for(KEY), ip="10.0.0.3").status_code == 302


def test_the_enrolment_code_is_throttled_too(client, coordinator):
    client.force_login(coordinator)
    key = shown_secret(client.get(ENROL))
    fail_codes_at = [send_code(client, "000000", path=ENROL) for _ in range(5)]
    assert fail_codes_at[-1].status_code == 429
    assert send_code(client, code_for(key), path=ENROL).status_code == 429


# The « Sécurité » page --------------------------------------------------------------------------


def test_the_security_page_renews_the_backup_codes(client, agent):
    enrol(agent)
    backup_codes(agent, "abcd2345")
    client.force_login(agent)
    pass_second_factor(client, agent)
    page = text_of(client.get(reverse("accounts:security")))
    assert "La double authentification est <strong>activée</strong>" in page
    assert "Codes de secours restants : 1." in page
    response = client.post(reverse("accounts:security"))
    assert response["Location"].startswith(reverse("accounts:backup_codes"))
    codes = re.findall(r"<code>([a-z2-9]{4}-[a-z2-9]{4})</code>", text_of(client.get(response.url)))
    assert len(codes) == BACKUP_CODE_COUNT
    assert not StaticToken.objects.filter(token=backup_code_digest("abcd2345")).exists()
    other = Client()
    password_step(other, agent)
    assert send_code(other, codes[0]).status_code == 302


def test_a_funder_may_enrol_from_the_security_page(client, operator, make_member):
    funder = make_member(operator, Role.VIEWER)
    client.force_login(funder)
    page = text_of(client.get(reverse("accounts:security")))
    assert "pas activée" in page and "Votre rôle ne l'exige pas" in page
    assert client.post(reverse("accounts:security")).status_code == 400  # nothing to renew
    key = shown_secret(client.get(ENROL))
    assert send_code(client, code_for(key), path=ENROL).status_code == 302
    assert AuthenticatorDevice.objects.get(user=funder).confirmed


# The coordinator's reset ------------------------------------------------------------------------


def reset_url(membership) -> str:
    return reverse("operators:member_second_factor_reset", kwargs={"membership_id": membership.pk})


def verified(client, user) -> Client:
    client.force_login(user)
    pass_second_factor(client, user)
    return client


def test_a_coordinator_resets_a_members_second_factor(client, operator, coordinator, agent):
    enrol(agent)
    backup_codes(agent, "abcd2345")
    agents_browser = Client()
    log_in_with_code(agents_browser, agent)
    assert is_in(agents_browser)
    membership = agent.memberships.get()
    verified(client, coordinator)
    team = text_of(client.get(reverse("operators:member_list")))
    assert "Activée" in team and "Pas encore activée" in team  # the coordinator's own: none
    edit = text_of(client.get(reverse("operators:member_edit", args=[membership.pk])))
    assert "Réinitialiser la double authentification" in edit
    confirmation = client.get(reset_url(membership))
    assert confirmation.status_code == 200
    assert "ferme toutes ses sessions" in text_of(confirmation)
    assert AuthenticatorDevice.objects.filter(user=agent).exists()  # a GET changes nothing
    response = client.post(reset_url(membership), follow=True)
    assert response.redirect_chain[-1][0] == reverse("operators:member_list")
    assert "est réinitialisée" in text_of(response)
    assert not AuthenticatorDevice.objects.filter(user=agent).exists()
    assert not StaticDevice.objects.filter(user=agent).exists()
    assert not is_in(agents_browser)
    entry = AccessLogEntry.objects.get(action=Action.SECOND_FACTOR_RESET)
    assert (entry.operator, entry.user, entry.target_type, entry.target_id) == (
        operator,
        coordinator,
        "membership",
        membership.pk,
    )
    # The coordinator keeps their session; the agent enrols again at the next login.
    assert is_in(client)
    password_step(agents_browser, agent)
    assert agents_browser.get(reverse("home"))["Location"].startswith(ENROL)


def test_nothing_to_reset_is_refused_in_french(client, coordinator, agent):
    verified(client, coordinator)
    membership = agent.memberships.get()
    assert "rien à réinitialiser" in text_of(client.get(reset_url(membership)))
    response = client.post(reset_url(membership))
    assert response.status_code == 400
    assert "pas de double authentification à réinitialiser" in text_of(response)
    assert not AccessLogEntry.objects.filter(action=Action.SECOND_FACTOR_RESET).exists()


def test_only_a_coordinator_of_the_same_structure_resets(
    client, operator, other_operator, coordinator, agent, make_member
):
    enrol(agent)
    membership = agent.memberships.get()
    verified(client, make_member(other_operator, Role.COORDINATOR))
    assert client.post(reset_url(membership)).status_code == 404
    other_agent = make_member(operator, Role.AGENT)
    verified(client, other_agent)
    assert client.post(reset_url(membership)).status_code == 403
    assert AuthenticatorDevice.objects.filter(user=agent).exists()
    assert Session.objects.count() == 1
