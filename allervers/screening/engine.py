"""The rules engine: OpenFisca-France, loaded once per worker process, and the estimate of a
household's rights for one month.

`tax_benefit_system()` is a lazy, thread-safe, module-level singleton: the first estimate of a
process loads the rules (a few seconds), every later one reuses them. Nothing here touches the
database: `estimate(household, month)` takes the screening's answers and returns amounts.

The household's monthly incomes are taken as stable over the months the rules look back at
(the RSA and the prime d'activité read the last three months, the housing aid the last twelve
and the income of two years before): an estimate, not a decision.
"""

import csv
import datetime
import functools
import importlib.resources
import threading
from dataclasses import dataclass
from decimal import Decimal

from .enums import AdultSituation, Housing, RightKind

ENGINE_MISSING = (
    "Le moteur de calcul des droits (OpenFisca-France) n'est pas installé sur ce serveur : "
    "l'estimation est impossible pour le moment. La visite est bien enregistrée."
)
ENGINE_FAILED = (
    "Le calcul des droits n'a pas abouti ({detail}). La visite est bien enregistrée : "
    "vérifiez les réponses ou réessayez plus tard."
)


class EngineError(Exception):
    """The estimate cannot be made; the message is French and safe to show."""


_lock = threading.Lock()
_system = None


def _load():
    from openfisca_france import FranceTaxBenefitSystem  # a few seconds: once per process

    return FranceTaxBenefitSystem()


def tax_benefit_system():
    """OpenFisca-France's rules, loaded at the first call of the process (under a lock, so two
    threads never load them twice), then shared."""
    global _system
    if _system is None:
        with _lock:
            if _system is None:
                try:
                    _system = _load()
                except ImportError as error:
                    raise EngineError(ENGINE_MISSING) from error
    return _system


@functools.cache
def communes() -> dict[str, str]:
    """INSEE code → name of every commune the housing-aid rules know (OpenFisca's zoning file);
    empty when the rules are not installed (the code's form is then the only check)."""
    try:
        folder = importlib.resources.files("openfisca_france") / "assets" / "apl"
        with (folder / "20110914_zonage.csv").open(encoding="utf-8") as lines:
            return {row["CODGEO"]: row["LIBCOM_2014"] for row in csv.DictReader(lines)}
    except (ModuleNotFoundError, FileNotFoundError):
        return {}


# --- The household ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Adult:
    age: int
    situation: str  # AdultSituation
    work: int = 0  # monthly net income, euros
    unemployment: int = 0
    pension: int = 0


@dataclass(frozen=True)
class Household:
    adults: tuple[Adult, ...]
    children_ages: tuple[int, ...]
    housing: str  # Housing
    rent: int
    commune: str

    @classmethod
    def from_inputs(cls, inputs: dict) -> "Household":
        return cls(
            adults=tuple(Adult(**adult) for adult in inputs["adults"]),
            children_ages=tuple(inputs["children_ages"]),
            housing=inputs["housing"],
            rent=inputs["rent"],
            commune=inputs["commune"],
        )

    @property
    def is_disabled(self) -> bool:
        return any(adult.situation == AdultSituation.DISABLED for adult in self.adults)


ACTIVITY = {
    AdultSituation.EMPLOYED: "actif",
    AdultSituation.JOB_SEEKER: "chomeur",
    AdultSituation.STUDENT: "etudiant",
    AdultSituation.RETIRED: "retraite",
    AdultSituation.DISABLED: "inactif",
    AdultSituation.INACTIVE: "inactif",
}
OCCUPANCY = {
    Housing.SOCIAL_TENANT: "locataire_hlm",
    Housing.PRIVATE_TENANT: "locataire_vide",
    Housing.OWNER: "proprietaire",
    Housing.HOSTED: "loge_gratuitement",
}
TENANTS = {Housing.SOCIAL_TENANT, Housing.PRIVATE_TENANT}
# The family benefits computed from the famille entity, and the individual ones.
FAMILY_VARIABLES = {
    RightKind.RSA: "rsa",
    RightKind.PPA: "ppa",
    RightKind.HOUSING: "aide_logement",
    RightKind.AF: "af",
    RightKind.CF: "cf",
    RightKind.ASF: "asf",
}
CSS_ELIGIBLE, CSS_PARTICIPATION = "css_cmu_acs_eligibilite", "css_participation_forfaitaire"
AAH = "aah"
# Incomes are set on every month the rules read back (two calendar years before the estimate's),
# so that the engine does not derive them from gross wages, contributions and tax returns.
INCOME_VARIABLES = {
    "work": (("salaire_net", 1), ("salaire_imposable", 1), ("salaire_de_base", 1 / 0.78)),
    "unemployment": (("chomage_net", 1), ("chomage_imposable", 1), ("chomage_brut", 1 / 0.93)),
    "pension": (("retraite_nette", 1), ("retraite_imposable", 1), ("retraite_brute", 1 / 0.91)),
}
ZERO_VARIABLES = (
    "pensions_invalidite",
    "pensions_alimentaires_percues",
    "traitement_indiciaire_brut",
    "primes_fonction_publique",
    "indemnite_residence",
)


def period_of(month: datetime.date) -> str:
    return f"{month:%Y-%m}"


def _months_back(month: datetime.date) -> list[str]:
    return [
        f"{year}-{number:02d}"
        for year in range(month.year - 2, month.year + 1)
        for number in range(1, 13)
        if (year, number) <= (month.year, month.month)
    ]


def _birth(month: datetime.date, age: int) -> str:
    born = datetime.date(month.year - age, month.month, 1) - datetime.timedelta(days=182)
    return born.isoformat()


def _person(month: datetime.date, age: int, adult: Adult | None, months: list[str]) -> dict:
    person: dict = {"date_naissance": {"ETERNITY": _birth(month, age)}}
    incomes = {"work": 0, "unemployment": 0, "pension": 0}
    if adult is not None:
        incomes = {"work": adult.work, "unemployment": adult.unemployment, "pension": adult.pension}
        # The situation, like the incomes, is taken as stable over the months read back (the
        # RSA reads the AAH of the last three months: set on the current month only, it would
        # not reduce the RSA).
        person["activite"] = dict.fromkeys(months, ACTIVITY[adult.situation])
        if adult.situation == AdultSituation.DISABLED:
            person["handicap"] = dict.fromkeys(months, True)
            person["taux_incapacite"] = dict.fromkeys(months, 0.8)
    for kind, variables in INCOME_VARIABLES.items():
        for name, factor in variables:
            person[name] = dict.fromkeys(months, round(incomes[kind] * factor, 2))
    for name in ZERO_VARIABLES:
        person[name] = dict.fromkeys(months, 0)
    return person


def situation(household: Household, month: datetime.date) -> dict:
    """The household in OpenFisca's situation format, for `month` (its first day)."""
    period = period_of(month)
    months = _months_back(month)
    adults = [f"adulte{n}" for n in range(1, len(household.adults) + 1)]
    children = [f"enfant{n}" for n in range(1, len(household.children_ages) + 1)]
    people = {
        name: _person(month, adult.age, adult, months)
        for name, adult in zip(adults, household.adults, strict=True)
    }
    people.update(
        (name, _person(month, age, None, months))
        for name, age in zip(children, household.children_ages, strict=True)
    )
    family = {"parents": adults, "enfants": children}
    family.update({variable: {period: None} for variable in FAMILY_VARIABLES.values()})
    family[CSS_ELIGIBLE] = {period: None}
    family[CSS_PARTICIPATION] = {period: None}
    menage = {
        "personne_de_reference": adults[:1],
        "conjoint": adults[1:],
        "enfants": children,
        "statut_occupation_logement": {period: OCCUPANCY[household.housing]},
        "loyer": {period: household.rent if household.housing in TENANTS else 0},
        "depcom": {period: household.commune},
    }
    return {
        "individus": people,
        "familles": {"famille": family},
        "foyers_fiscaux": {"foyer": {"declarants": adults, "personnes_a_charge": children}},
        "menages": {"menage": menage},
    }


# --- The estimate --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    kind: str  # RightKind
    amount: Decimal | None  # euros a month; None for a right that is not paid (the CSS)
    eligible: bool
    participation: Decimal | None = None  # the CSS's monthly participation, when it has one


def _euros(value) -> Decimal:
    return Decimal(str(round(float(value), 2))).quantize(Decimal("0.01"))


def simulate(household: Household, month: datetime.date) -> dict[str, float]:
    """The raw figures of OpenFisca for the household: variable name → value of the month."""
    from openfisca_core.simulation_builder import SimulationBuilder

    system = tax_benefit_system()
    period = period_of(month)
    try:
        simulation = SimulationBuilder().build_from_entities(system, situation(household, month))
        values = {name: simulation.calculate(name, period)[0] for name in FAMILY_VARIABLES.values()}
        values[CSS_ELIGIBLE] = simulation.calculate(CSS_ELIGIBLE, period)[0]
        values[CSS_PARTICIPATION] = simulation.calculate(CSS_PARTICIPATION, period)[0]
        if household.is_disabled:
            values[AAH] = float(simulation.calculate(AAH, period).sum())
    except EngineError:
        raise
    except Exception as error:  # any failure of the engine is the same to the agent
        raise EngineError(ENGINE_FAILED.format(detail=type(error).__name__)) from error
    return values


def estimate(household: Household, month: datetime.date) -> list[Estimate]:
    """Each right of the household for `month`, in the order of `RightKind`."""
    values = simulate(household, month)
    found = []
    for kind, variable in FAMILY_VARIABLES.items():
        amount = _euros(values[variable])
        found.append(Estimate(kind=kind, amount=amount, eligible=amount > 0))
    participation = _euros(values[CSS_PARTICIPATION])
    found.append(
        Estimate(
            kind=RightKind.CSS,
            amount=None,
            eligible=bool(values[CSS_ELIGIBLE]),
            participation=participation if participation > 0 else None,
        )
    )
    if AAH in values:
        amount = _euros(values[AAH])
        found.append(Estimate(kind=RightKind.AAH, amount=amount, eligible=amount > 0))
    order = list(RightKind.values)
    return sorted(found, key=lambda item: order.index(item.kind))
