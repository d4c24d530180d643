"""The screening during a visit: the form's checks, the estimate shown, a right turned into a
referral, its outcome, the clean-up of the answers. The engine answers fixed values here
(`fake_engine`); test_rules.py checks the real computation."""

import datetime
import io
import threading
import time

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from allervers.core.roles import Role
from allervers.reception.enums import ReferralStatus
from allervers.reception.models import Referral, Visit
from allervers.screening import engine
from allervers.screening.enums import RightKind, RightOutcome
from allervers.screening.models import Screening, ScreeningRight
from allervers.screening.services import (
    screening_inputs_expire,
    screening_record,
    screening_right_outcome_set,
    screening_right_refer,
)
from tests.html import text_of
from tests.partners.factories import PartnerFactory
from tests.reception.factories import VisitFactory

from .factories import SINGLE_IN_SOCIAL_HOUSING, ScreeningFactory, ScreeningSetupFactory

pytestmark = pytest.mark.django_db


def answers(**overrides) -> dict:
    data = {
        "consent": "on",
        "household": "alone",
        "age_1": "41",
        "situation_1": "job_seeker",
        "work_1": "0",
        "unemployment_1": "0",
        "pension_1": "0",
        "age_2": "",
        "situation_2": "employed",
        "work_2": "0",
        "unemployment_2": "0",
        "pension_2": "0",
        "children_ages": "",
        "housing": "social_tenant",
        "rent": "350",
        "commune": "62083",
    }
    data.update(overrides)
    return data


@pytest.fixture
def visit(operator):
    return VisitFactory(operator=operator)


@pytest.fixture
def caf(operator):
    partner = PartnerFactory(operator=operator, name="CAF du Pas-de-Calais")
    ScreeningSetupFactory(operator=operator, partner_rsa=partner, partner_housing=partner)
    return partner


def _url(visit):
    return reverse("screening:create", kwargs={"visit_id": visit.pk})


def test_an_agent_screens_sees_rsa_missing_and_refers_in_one_tap(
    client, agent, visit, caf, fake_engine
):
    client.force_login(agent)
    form = client.get(_url(visit))
    assert form.status_code == 200
    response = client.post(_url(visit), answers(received=["housing"]))
    screening = Screening.objects.get()
    assert response.url == reverse("screening:detail", kwargs={"screening_id": screening.pk})
    assert screening.month == datetime.date(2026, 6, 1)
    assert screening.inputs["adults"][0]["age"] == 41
    page = text_of(client.get(response.url))
    assert "Ceci est une estimation, pas une décision" in page
    assert "RSA : environ 573 € par mois" in page
    assert "Probablement non perçu" in page and "Déjà perçu" in page
    assert "Complémentaire santé solidaire" in page and "gratuite" in page
    rsa = ScreeningRight.objects.get(kind=RightKind.RSA)
    housing = ScreeningRight.objects.get(kind=RightKind.HOUSING)
    assert rsa.likely_missing and not rsa.already_received
    assert housing.already_received and not housing.likely_missing
    assert "Orienter vers CAF du Pas-de-Calais" in page

    url = reverse("screening:right_refer", kwargs={"right_id": rsa.pk})
    token = {"submission_token": "8f0f8e0c-8c1a-4a54-9f53-0a5b5b0e0a11"}
    client.post(url, token)
    client.post(url, token)  # a double tap
    referral = Referral.objects.get()
    assert referral.partner == caf and referral.visit == visit
    assert referral.reason == "Droit probablement non perçu : RSA (repérage des droits)"
    rsa.refresh_from_db()
    assert rsa.referral == referral


def test_the_visit_page_offers_the_screening(client, agent, visit):
    client.force_login(agent)
    page = text_of(client.get(reverse("reception:visit_detail", kwargs={"visit_id": visit.pk})))
    assert "Repérer les droits (avec l'accord de la personne)" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"consent": ""}, "Le repérage ne se fait qu'avec l'accord de la personne."),
        ({"work_1": "-200"}, "Un montant ne peut pas être négatif."),
        ({"rent": "-1"}, "Un montant ne peut pas être négatif."),
        ({"work_1": "250000"}, "Montant invraisemblable (plus de 20\u202f000 € par mois)"),
        ({"rent": "9000"}, "Montant invraisemblable (plus de 5\u202f000 € par mois)"),
        ({"pension_1": "beaucoup"}, "Indiquez un montant en euros"),
        ({"age_1": "50", "children_ages": "4, 26"}, "Un enfant à charge a 25 ans au plus"),
        ({"age_1": "30", "children_ages": "22"}, "Un enfant de 22 ans ne peut pas avoir un parent"),
        ({"age_1": "12"}, "Un adulte du foyer a au moins 16 ans."),
        ({"household": "couple"}, "Indiquez l'âge du conjoint."),
        ({"commune": "99999"}, "La commune 99999 est inconnue des règles de calcul"),
        ({"commune": "62 40"}, "Le code INSEE d'une commune a 5 caractères"),
        ({"children_ages": "deux"}, "Indiquez l'âge de chaque enfant en années"),
    ],
)
def test_bad_answers_are_refused_in_french_and_the_visit_stays(
    client, agent, visit, fake_engine, overrides, message
):
    client.force_login(agent)
    response = client.post(_url(visit), answers(**overrides))
    assert response.status_code == 400
    assert message in text_of(response)
    assert not Screening.objects.exists()
    assert Visit.objects.filter(pk=visit.pk).exists()
    assert fake_engine.calls == 0


def _rerun(client, screening, token="5b0f8e0c-8c1a-4a54-9f53-0a5b5b0e0a12"):
    url = reverse("screening:rerun", kwargs={"screening_id": screening.pk})
    return client.post(url, {"submission_token": token}, follow=True)


def test_engine_missing_keeps_the_answers_with_a_french_message_and_a_rerun_button(
    client, agent, visit, monkeypatch
):
    def missing():
        raise ImportError("No module named 'openfisca_france'")

    monkeypatch.setattr(engine, "_system", None)
    monkeypatch.setattr(engine, "_load", missing)
    client.force_login(agent)
    response = client.post(_url(visit), answers(age_1="58"), follow=True)
    page = text_of(response)
    assert "n'est pas installé sur ce serveur" in page
    assert "Les réponses sont enregistrées" in page and "Relancer le calcul" in page
    screening = Screening.objects.get()
    assert screening.inputs["adults"][0]["age"] == 58 and screening.estimated_at is None
    assert not ScreeningRight.objects.exists()
    assert Visit.objects.filter(pk=visit.pk).exists()


def test_engine_failing_keeps_the_answers_and_relancer_computes_them(
    client, agent, visit, fake_engine
):
    fake_engine.failure = KeyError("zone_apl")
    client.force_login(agent)
    page = text_of(client.post(_url(visit), answers(), follow=True))
    assert "Le calcul des droits n'a pas abouti (KeyError)" in page
    screening = Screening.objects.get()
    assert screening.failure.startswith("Le calcul des droits n'a pas abouti (KeyError)")
    assert not ScreeningRight.objects.exists()

    fake_engine.failure = None
    page = text_of(_rerun(client, screening))
    assert "Le calcul des droits a abouti." in page
    assert "RSA : environ 573 € par mois" in page and "Relancer le calcul" not in page
    screening.refresh_from_db()
    assert screening.estimated_at is not None and screening.failure == ""
    assert screening.kinds_found == ["rsa", "housing", "css"]
    _rerun(client, screening, token="6b0f8e0c-8c1a-4a54-9f53-0a5b5b0e0a13")  # once more
    assert ScreeningRight.objects.count() == 3 and fake_engine.calls == 2


def test_an_estimate_past_its_bound_keeps_the_answers_and_tells_to_try_again(
    client, agent, visit, fake_engine, settings
):
    settings.ALLERVERS_SCREENING_SECONDS = 0.2
    fake_engine.seconds = 1.0  # far past the bound
    client.force_login(agent)
    started = time.monotonic()
    response = client.post(_url(visit), answers())
    assert time.monotonic() - started < 0.9  # the agent does not wait for the computation
    assert response.status_code == 302
    page = text_of(client.get(response.url))
    assert "n'a pas abouti en 0.2 secondes" in page and "Relancer le calcul" in page
    screening = Screening.objects.get()
    assert screening.inputs["commune"] == "62083" and screening.estimated_at is None
    assert not ScreeningRight.objects.exists()

    settings.ALLERVERS_SCREENING_SECONDS = 5
    fake_engine.seconds = 0.0
    assert "RSA : environ 573 € par mois" in text_of(_rerun(client, screening))


def test_a_screening_whose_answers_were_emptied_cannot_be_rerun(client, agent, operator):
    screening = ScreeningFactory(
        operator=operator, estimated_at=None, inputs=None, inputs_cleared_at=timezone.now()
    )
    client.force_login(agent)
    page = text_of(_rerun(client, screening))
    assert "Ce repérage est clos : ses réponses ont été effacées." in page
    assert not ScreeningRight.objects.exists()


def test_a_month_the_rules_do_not_cover_is_named_and_the_answers_kept(
    client, agent, visit, monkeypatch
):
    from openfisca_core.errors import ParameterNotFoundError

    def scale_missing(household, month):
        raise ParameterNotFoundError("prestations_sociales.rsa", "2026-06-01")

    monkeypatch.setattr(engine, "tax_benefit_system", object)
    monkeypatch.setattr(engine, "situation", scale_missing)
    client.force_login(agent)
    page = text_of(client.post(_url(visit), answers(), follow=True))
    assert "Mois estimé : les règles de calcul installées ne couvrent pas encore juin 2026" in page
    assert Screening.objects.get().inputs["adults"][0]["age"] == 41


def test_the_rules_are_loaded_once_per_process_even_by_concurrent_threads(monkeypatch):
    loads = []

    def slow_load():
        time.sleep(0.05)
        loads.append(1)
        return object()

    # Under the lock: an estimate an earlier test left running (past its bound) may be loading
    # the real rules in the runner's thread, and would set them after this test emptied them.
    with engine._lock:
        monkeypatch.setattr(engine, "_system", None)
        monkeypatch.setattr(engine, "_load", slow_load)
    seen = []
    threads = [
        threading.Thread(target=lambda: seen.append(engine.tax_benefit_system())) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1 and len({id(system) for system in seen}) == 1
    assert engine.tax_benefit_system() is seen[0]


def test_without_a_partner_for_the_right_the_referral_is_refused(agent, visit, fake_engine):
    screening = screening_record(visit=visit, inputs=SINGLE_IN_SOCIAL_HOUSING, user=agent)
    rsa = screening.rights.get(kind=RightKind.RSA)
    with pytest.raises(Exception, match="Aucun partenaire n'est associé au droit « RSA »"):
        screening_right_refer(right=rsa, user=agent)
    assert not Referral.objects.exists()


def test_the_partner_marks_the_right_opened_and_the_answers_are_emptied(
    client, operator, agent, make_member, visit, caf, fake_engine
):
    screening = screening_record(visit=visit, inputs=SINGLE_IN_SOCIAL_HOUSING, user=agent)
    rsa = screening.rights.get(kind=RightKind.RSA)
    referral = screening_right_refer(right=rsa, user=agent)
    partner_user = make_member(operator, Role.PARTNER, partner=caf)
    client.force_login(partner_user)
    detail = text_of(
        client.get(reverse("reception:referral_detail", kwargs={"referral_id": referral.pk}))
    )
    assert "Droit concerné : <strong>RSA</strong>" in detail
    assert "573" not in detail and "62083" not in detail  # no amount, no answer for a partner
    url = reverse("screening:right_outcome", kwargs={"right_id": rsa.pk})
    assert client.post(url, {}).status_code == 400
    response = client.post(url, {"outcome": RightOutcome.OPENED})
    assert response.url == reverse("reception:referral_detail", kwargs={"referral_id": referral.pk})
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.TAKEN_UP
    assert referral.events.last().note == "Droit ouvert"
    screening.refresh_from_db()
    assert screening.inputs is None and screening.inputs_cleared_at is not None
    assert sorted(screening.kinds_found) == sorted([RightKind.RSA, RightKind.HOUSING, "css"])
    rsa.refresh_from_db()
    # Its band stays for the figures (not its amount), tied to no screening, visit or referral.
    assert rsa.outcome == RightOutcome.OPENED and rsa.amount is None
    assert rsa.amount_band == "300-599"
    assert rsa.screening is None and rsa.referral is None
    assert client.post(url, {"outcome": RightOutcome.REFUSED}).status_code == 404


def test_another_partner_cannot_mark_the_outcome(
    client, operator, agent, make_member, visit, caf, fake_engine
):
    screening = screening_record(visit=visit, inputs=SINGLE_IN_SOCIAL_HOUSING, user=agent)
    rsa = screening.rights.get(kind=RightKind.RSA)
    screening_right_refer(right=rsa, user=agent)
    client.force_login(make_member(operator, Role.PARTNER))
    url = reverse("screening:right_outcome", kwargs={"right_id": rsa.pk})
    assert client.post(url, {"outcome": RightOutcome.OPENED}).status_code == 404
    rsa.refresh_from_db()
    assert rsa.outcome == ""


def test_an_outcome_is_recorded_once(agent, visit, caf, fake_engine):
    screening = screening_record(visit=visit, inputs=SINGLE_IN_SOCIAL_HOUSING, user=agent)
    housing, rsa = (screening.rights.get(kind=kind) for kind in (RightKind.HOUSING, RightKind.RSA))
    housing.already_received, housing.likely_missing = False, True
    housing.save()
    screening_right_refer(right=rsa, user=agent)
    screening_right_refer(right=housing, user=agent)
    screening_right_outcome_set(right=rsa, outcome=RightOutcome.REFUSED, user=agent)
    screening.refresh_from_db()
    assert screening.inputs is not None  # the housing aid's referral is still open
    with pytest.raises(Exception, match="déjà renseignée : « Refusé »"):
        screening_right_outcome_set(right=rsa, outcome=RightOutcome.OPENED, user=agent)
    screening_right_outcome_set(right=housing, outcome=RightOutcome.DROPPED, user=agent)
    screening.refresh_from_db()
    assert screening.inputs is None
    assert Referral.objects.get(reason__contains="logement").status == ReferralStatus.DROPPED


def test_the_sweep_empties_answers_without_open_referral_from_before_today(
    agent, operator, caf, fake_engine, clock
):
    yesterday = timezone.now() - datetime.timedelta(days=1)
    alone = screening_record(
        visit=VisitFactory(operator=operator),
        inputs=SINGLE_IN_SOCIAL_HOUSING,
        user=agent,
        now=yesterday,
    )
    referred = screening_record(
        visit=VisitFactory(operator=operator),
        inputs=SINGLE_IN_SOCIAL_HOUSING,
        user=agent,
        now=yesterday,
    )
    screening_right_refer(right=referred.rights.get(kind=RightKind.RSA), user=agent)
    today = screening_record(
        visit=VisitFactory(operator=operator), inputs=SINGLE_IN_SOCIAL_HOUSING, user=agent
    )
    assert screening_inputs_expire() == 1
    alone.refresh_from_db(), referred.refresh_from_db(), today.refresh_from_db()
    assert alone.inputs is None and alone.kinds_found
    assert referred.inputs is not None and today.inputs is not None
    Referral.objects.update(status=ReferralStatus.DROPPED, dropped_at=timezone.now())
    # The daily `manage.py privacy_sweep` runs it (docs/deployment.md).
    assert "réponses effacées pour 1 repérage sans" in privacy_sweep_output()
    referred.refresh_from_db()
    assert referred.inputs is None


def privacy_sweep_output() -> str:
    out = io.StringIO()
    call_command("privacy_sweep", stdout=out)
    return out.getvalue()


def test_the_coordinator_maps_each_right_to_a_partner(client, coordinator, operator):
    partner = PartnerFactory(operator=operator, name="Département du Pas-de-Calais")
    client.force_login(coordinator)
    url = reverse("screening:setup")
    assert client.get(url).status_code == 200
    refused = client.post(url, {"default_commune": "00000"})
    assert refused.status_code == 400
    assert "inconnue des règles de calcul" in text_of(refused)
    response = client.post(url, {"default_commune": "62083", "partner_rsa": partner.pk})
    assert response.status_code == 302
    setup = operator.screening_setup
    assert setup.partner_rsa == partner and setup.partner_ppa is None
    assert (
        'value="62083"'
        in client.get(
            reverse("screening:create", kwargs={"visit_id": VisitFactory(operator=operator).pk})
        ).content.decode()
    )


def test_no_export_with_names_holds_the_answers_or_amounts(
    client, coordinator, visit, agent, fake_engine
):
    inputs = dict(SINGLE_IN_SOCIAL_HOUSING, rent=487)
    screening_record(visit=visit, inputs=inputs, user=agent)
    client.force_login(coordinator)
    response = client.get(reverse("reception:visit_export"), {"periode": "annee", "annee": "2026"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = content.decode("utf-8-sig")
    assert visit.stop.site.name in text  # the visit is exported
    assert "487" not in text and "573" not in text and "62083" not in text


@pytest.mark.parametrize(
    ("band", "rate", "restriction"),
    [("below_50", 0.3, True), ("50_79", 0.6, True), ("80_plus", 0.8, None), ("", None, None)],
)
def test_the_incapacity_band_reaches_the_rules_as_a_rate(
    client, agent, visit, band, rate, restriction
):
    client.force_login(agent)
    client.post(_url(visit), answers(situation_1="inactive", incapacity_1=band))
    inputs = Screening.objects.get().inputs
    assert inputs["adults"][0]["incapacity"] == band
    person = engine.situation(engine.Household.from_inputs(inputs), datetime.date(2026, 6, 1))[
        "individus"
    ]["adulte1"]
    assert person.get("taux_incapacite", {}).get("2026-06") == rate
    assert person.get(engine.RSDAE, {}).get("2026-06") == restriction
    assert ("aah" in person) == (rate is None)  # no AAH computed without a disability


def test_an_unknown_incapacity_band_is_refused_naming_the_field(client, agent, visit, fake_engine):
    client.force_login(agent)
    response = client.post(_url(visit), answers(incapacity_1="95"))
    assert response.status_code == 400
    page = text_of(response)
    assert "Taux d'incapacité reconnu par la MDPH" in page and "95" in page
    assert not Screening.objects.exists() and fake_engine.calls == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"in_college": "deux"}, "Enfants au collège : indiquez un nombre d'enfants"),
        ({"in_college": "-1"}, "Enfants au collège : indiquez 0 ou plus."),
        ({"in_lycee": "13"}, "Enfants au lycée : 12 au plus."),
        (
            {"children_ages": "12", "in_college": "1", "in_lycee": "1"},
            "Enfants au collège et au lycée : 2 indiqués pour 1 enfant(s) à charge",
        ),
        (
            {"children_ages": "8, 12", "in_lycee": "1"},
            "Enfants au lycée : 1 indiqué(s), mais pas autant d'enfants de 14 à 21 ans",
        ),
        (
            {"children_ages": "5, 16", "in_college": "1", "in_lycee": "1"},
            "Enfants au collège : 1 indiqué(s), mais pas autant d'enfants de 10 à 16 ans",
        ),
    ],
)
def test_bad_pupil_counts_are_refused_naming_the_field_and_the_answers_are_kept(
    client, agent, visit, fake_engine, overrides, message
):
    client.force_login(agent)
    response = client.post(_url(visit), answers(rent="487", **overrides))
    assert response.status_code == 400
    assert message in text_of(response)
    assert 'value="487"' in response.content.decode()  # the answers stay in the form
    assert not Screening.objects.exists() and fake_engine.calls == 0


def test_the_pupils_reach_the_rules_as_the_childrens_schooling(client, agent, visit, fake_engine):
    client.force_login(agent)
    client.post(_url(visit), answers(children_ages="16, 6, 12", in_college="1", in_lycee="1"))
    inputs = Screening.objects.get().inputs
    assert (inputs["in_college"], inputs["in_lycee"]) == (1, 1)
    people = engine.situation(engine.Household.from_inputs(inputs), datetime.date(2026, 6, 1))[
        "individus"
    ]
    schooling = [people[f"enfant{n}"].get("scolarite", {}).get("2026-06") for n in (1, 2, 3)]
    assert schooling == ["lycee", None, "college"]


def test_answers_kept_before_the_pupils_were_asked_still_compute():
    household = engine.Household.from_inputs(
        {
            "adults": [{"age": 40, "situation": "employed", "work": 900}],
            "children_ages": [12],
            "housing": "social_tenant",
            "rent": 400,
            "commune": "62083",
        }
    )
    assert household.children_schooling == ("",)


def test_every_right_has_its_explanation_its_papers_and_a_partner_setting():
    from allervers.screening.models import ScreeningSetup
    from allervers.screening.rights import PAPERS, RIGHTS

    for kind in RightKind.values:
        assert RIGHTS[kind].explanation and RIGHTS[kind].handled_by, kind
        assert PAPERS[kind], kind
        assert (
            ScreeningSetup._meta.get_field(f"partner_{kind}").verbose_name == RightKind(kind).label
        )


def test_the_coordinator_maps_the_school_grants_and_the_prime_de_noel(
    client, coordinator, operator
):
    college = PartnerFactory(operator=operator, name="Collège Jean Moulin")
    client.force_login(coordinator)
    url = reverse("screening:setup")
    page = text_of(client.get(url))
    for label in ("Bourse de collège", "Bourse de lycée", "Prime de Noël"):
        assert label in page
    assert "Le collège de l'enfant" in page  # who usually handles it
    response = client.post(url, {"default_commune": "62083", "partner_college_grant": college.pk})
    assert response.status_code == 302
    setup = operator.screening_setup
    assert setup.partner_for(RightKind.COLLEGE_GRANT) == college
    assert setup.partner_for(RightKind.CHRISTMAS_BONUS) is None
