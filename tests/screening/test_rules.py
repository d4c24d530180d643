"""The estimate against OpenFisca-France itself and against published scales, for households
whose rights are known. These tests load the rules (several seconds, once per process: the
module's singleton) and compute two households: keep this module small.

Published scales used (service-public.fr, CAF):
- RSA, montant forfaitaire for one person: 646,52 € from 1 April 2025, 651,69 € from
  1 April 2026; minus the forfait logement of 12 % for a person with a housing aid (or housed
  free): 651,69 × 0,88 = 573,49 €.
- Allocations familiales for two children under 14: 32 % of the BMAF (478,16 € from
  1 April 2025) = 153,01 €.
"""

import datetime
from decimal import Decimal

import pytest
from openfisca_core.simulation_builder import SimulationBuilder

from allervers.screening import engine
from allervers.screening.enums import RightKind

pytestmark = pytest.mark.rules_engine

JUNE_2026 = datetime.date(2026, 6, 1)
SMIC_NET = 1443  # the minimum wage, full time, net a month (2026)


@pytest.fixture(scope="module")
def rules():
    return engine.tax_benefit_system()


def _by_kind(estimates) -> dict:
    return {found.kind: found for found in estimates}


def _raw(
    rules, people: dict, family: dict, menage: dict, variables: list[str], extra: dict | None = None
) -> dict:
    """OpenFisca's own computation of a situation written by hand (not by `engine.situation`);
    `extra`: more variables of a person (name → {variable: {period: value}})."""
    months = [
        f"{y}-{m:02d}" for y in (2024, 2025, 2026) for m in range(1, 13) if (y, m) <= (2026, 6)
    ]
    individuals = {}
    for name, (born, salary) in people.items():
        individuals[name] = {"date_naissance": {"ETERNITY": born}}
        for variable in ("salaire_net", "salaire_imposable"):
            individuals[name][variable] = dict.fromkeys(months, salary)
        individuals[name]["salaire_de_base"] = dict.fromkeys(months, round(salary / 0.78, 2))
        individuals[name].update((extra or {}).get(name, {}))
    simulation = SimulationBuilder().build_from_entities(
        rules,
        {
            "individus": individuals,
            "familles": {"f": family},
            "foyers_fiscaux": {
                "ff": {"declarants": family["parents"], "personnes_a_charge": family["enfants"]}
            },
            "menages": {"m": menage},
        },
    )
    return {name: float(simulation.calculate(name, "2026-06")[0]) for name in variables}


# Alone, 41, looking for work, no income, 350 € of rent in social housing at Barlin.
SINGLE_JOB_SEEKER_IN_SOCIAL_HOUSING = engine.Household(
    adults=(engine.Adult(age=41, situation="job_seeker"),),
    children_ages=(),
    housing="social_tenant",
    rent=350,
    commune="62083",
)


def test_a_single_person_without_income_in_social_housing_has_rsa_and_housing_aid(rules):
    household = SINGLE_JOB_SEEKER_IN_SOCIAL_HOUSING
    found = _by_kind(engine.estimate(household, JUNE_2026))
    assert found[RightKind.RSA].amount == Decimal("573.49")  # 651,69 € less 12 %
    assert found[RightKind.HOUSING].eligible and found[RightKind.HOUSING].amount > 200
    assert not found[RightKind.PPA].eligible and not found[RightKind.AF].eligible
    assert found[RightKind.CSS].eligible and found[RightKind.CSS].participation is None
    raw = _raw(
        rules,
        {"a": ("1984-12-01", 0)},
        {"parents": ["a"], "enfants": []},
        {
            "personne_de_reference": ["a"],
            "statut_occupation_logement": {"2026-06": "locataire_hlm"},
            "loyer": {"2026-06": 350},
            "depcom": {"2026-06": "62083"},
        },
        ["rsa", "aide_logement"],
    )
    assert float(found[RightKind.RSA].amount) == pytest.approx(raw["rsa"], abs=0.01)
    assert float(found[RightKind.HOUSING].amount) == pytest.approx(raw["aide_logement"], abs=0.01)


def test_a_couple_with_two_children_on_the_minimum_wage_has_activity_bonus_and_family_benefits(
    rules,
):
    household = engine.Household(
        adults=(
            engine.Adult(age=38, situation="employed", work=SMIC_NET),
            engine.Adult(age=36, situation="inactive"),
        ),
        children_ages=(10, 7),
        housing="private_tenant",
        rent=600,
        commune="62083",
    )
    found = _by_kind(engine.estimate(household, JUNE_2026))
    assert found[RightKind.PPA].eligible and found[RightKind.PPA].amount > 300
    assert found[RightKind.AF].amount == Decimal("153.01")  # 32 % of 478,16 €
    assert not found[RightKind.RSA].eligible
    raw = _raw(
        rules,
        {
            "a": ("1987-12-01", SMIC_NET),
            "b": ("1989-12-01", 0),
            "c": ("2015-12-01", 0),
            "d": ("2018-12-01", 0),
        },
        {"parents": ["a", "b"], "enfants": ["c", "d"]},
        {
            "personne_de_reference": ["a"],
            "conjoint": ["b"],
            "enfants": ["c", "d"],
            "statut_occupation_logement": {"2026-06": "locataire_vide"},
            "loyer": {"2026-06": 600},
            "depcom": {"2026-06": "62083"},
        },
        ["ppa", "af"],
    )
    assert float(found[RightKind.PPA].amount) == pytest.approx(raw["ppa"], abs=1)
    assert float(found[RightKind.AF].amount) == pytest.approx(raw["af"], abs=0.01)


def test_the_web_servers_master_loads_and_warms_the_rules_before_forking_workers(rules):
    """gunicorn's `on_starting` hook (config/gunicorn.py) runs in the master process."""
    from config import gunicorn

    lines = []

    class Server:
        class log:
            info = lines.append

    gunicorn.on_starting(Server())
    assert lines[0].startswith("Rules engine loaded and warmed up in")
    assert engine.tax_benefit_system() is rules


# The amounts of the bench's households (bench/screening.py), as OpenFisca-France computed them
# from the household described before issue 26 (incomes on every month, everything derived
# through the tax chain): the lean description must not change a cent of them. The chèque
# énergie (issue 26) came after: its amounts are the scale's (194, 126, 176 € a year, a twelfth).
BENCH_AMOUNTS = {
    "seul, sans revenu, HLM": {
        "rsa": "573.49",
        "housing": "274.00",
        "css": None,
        "energy": "16.17",
    },
    "couple, 2 enfants, SMIC": {
        "ppa": "790.26",
        "housing": "319.00",
        "css": "44.00",
        "af": "153.01",
        "energy": "10.50",
    },
    "parent seul, 1 enfant, temps partiel": {
        "ppa": "501.75",
        "housing": "426.00",
        "css": None,
        "asf": "201.78",
        "energy": "14.67",
    },
    "personne handicapée, hébergée": {"css": "14.00", "aah": "1041.59"},
}


def _figure(found) -> str | None:
    """The amount, or the CSS's participation (None when it is free)."""
    value = found.participation if found.kind == RightKind.CSS else found.amount
    return None if value is None else str(value)


def test_the_bench_households_keep_their_amounts_to_the_cent(rules):
    from bench.screening import MONTH, _households

    for label, household in _households(engine).items():
        found = {
            found.kind: _figure(found)
            for found in engine.estimate(household, MONTH)
            if found.eligible
        }
        assert found == BENCH_AMOUNTS[label], label


def test_a_person_of_67_alone_without_income_gets_the_aspa_and_what_follows_from_it(rules):
    household = engine.Household(
        adults=(engine.Adult(age=67, situation="retired"),),
        children_ages=(),
        housing="private_tenant",
        rent=400,
        commune="62083",
    )
    found = _by_kind(engine.estimate(household, JUNE_2026))
    assert found[RightKind.ASPA].amount == Decimal("1043.59")  # the ASPA for one person, 2026
    assert not found[RightKind.RSA].eligible  # the ASPA counts as income for the RSA
    assert found[RightKind.HOUSING].eligible
    assert found[RightKind.CSS].eligible


def test_a_person_at_60_percent_incapacity_without_income_gets_the_aah(rules):
    household = engine.Household(
        adults=(engine.Adult(age=45, situation="inactive", incapacity="50_79"),),
        children_ages=(),
        housing="hosted",
        rent=0,
        commune="62083",
    )
    found = _by_kind(engine.estimate(household, JUNE_2026))
    assert found[RightKind.AAH].amount == Decimal("1041.59")  # the full AAH, 2026
    assert not found[RightKind.ASI].eligible  # no pension: no ASI


def test_a_low_income_household_gets_the_cheque_energie(rules):
    household = engine.Household(
        adults=(engine.Adult(age=41, situation="job_seeker", unemployment=700),),
        children_ages=(),
        housing="social_tenant",
        rent=350,
        commune="62083",
    )
    found = _by_kind(engine.estimate(household, JUNE_2026))
    # Tax income of 2024: 8,400 € less 10 % = 7,560 € for one unit: 98 € a year (scale of the
    # chèque énergie, 6,800 to 7,850 €), shown as a twelfth a month.
    assert found[RightKind.ENERGY].amount == Decimal("8.17")


def test_a_parent_on_a_low_wage_with_a_child_at_college_and_one_at_lycee_gets_both_grants(rules):
    household = engine.Household(
        adults=(engine.Adult(age=40, situation="employed", work=900),),
        children_ages=(12, 16),
        housing="social_tenant",
        rent=400,
        commune="62083",
        in_college=1,
        in_lycee=1,
    )
    found = _by_kind(engine.estimate(household, JUNE_2026))
    assert found[RightKind.COLLEGE_GRANT].eligible and found[RightKind.LYCEE_GRANT].eligible
    raw = _raw(
        rules,
        {"a": ("1985-12-01", 900), "c": ("2013-12-01", 0), "d": ("2009-12-01", 0)},
        {"parents": ["a"], "enfants": ["c", "d"]},
        {
            "personne_de_reference": ["a"],
            "enfants": ["c", "d"],
            "statut_occupation_logement": {"2026-06": "locataire_hlm"},
            "loyer": {"2026-06": 400},
            "depcom": {"2026-06": "62083"},
        },
        ["bourse_college", "bourse_lycee", "bourse_college_echelon"],
        extra={
            "c": {"scolarite": {"2026-06": "college"}},
            "d": {"scolarite": {"2026-06": "lycee"}},
        },
    )
    # OpenFisca's yearly amounts, shown as a twelfth a month.
    assert found[RightKind.COLLEGE_GRANT].amount == Decimal(f"{raw['bourse_college'] / 12:.2f}")
    assert found[RightKind.LYCEE_GRANT].amount == Decimal(f"{raw['bourse_lycee'] / 12:.2f}")
    assert raw["bourse_college_echelon"] >= 1


def test_without_a_pupil_or_on_a_comfortable_income_no_school_grant(rules):
    household = engine.Household(
        adults=(engine.Adult(age=40, situation="employed", work=4500),),
        children_ages=(12,),
        housing="private_tenant",
        rent=900,
        commune="62083",
        in_college=1,
    )
    found = _by_kind(engine.estimate(household, JUNE_2026))
    assert not found[RightKind.COLLEGE_GRANT].eligible
    household = engine.Household(
        adults=(engine.Adult(age=40, situation="employed", work=900),),
        children_ages=(12,),  # not said to be at collège
        housing="social_tenant",
        rent=400,
        commune="62083",
    )
    found = _by_kind(engine.estimate(household, JUNE_2026))
    assert not found[RightKind.COLLEGE_GRANT].eligible


def test_an_rsa_recipient_gets_the_prime_de_noel_in_december_not_in_june(rules):
    household = SINGLE_JOB_SEEKER_IN_SOCIAL_HOUSING
    december = _by_kind(engine.estimate(household, datetime.date(2026, 12, 1)))
    assert december[RightKind.RSA].eligible
    # The published amount for a person alone: 152,45 € (décret of each December since 2003).
    assert december[RightKind.CHRISTMAS_BONUS].amount == Decimal("152.45")
    june = _by_kind(engine.estimate(household, JUNE_2026))
    assert june[RightKind.RSA].eligible and RightKind.CHRISTMAS_BONUS not in june


def test_without_rsa_no_prime_de_noel_in_december(rules):
    household = engine.Household(
        adults=(engine.Adult(age=38, situation="employed", work=SMIC_NET),),
        children_ages=(),
        housing="private_tenant",
        rent=500,
        commune="62083",
    )
    december = _by_kind(engine.estimate(household, datetime.date(2026, 12, 1)))
    assert not december[RightKind.RSA].eligible
    assert not december[RightKind.CHRISTMAS_BONUS].eligible
