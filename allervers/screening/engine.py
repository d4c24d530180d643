"""The rules engine: OpenFisca-France, loaded once per worker process, and the estimate of a
household's rights for one month.

`tax_benefit_system()` is a thread-safe, module-level singleton. The web server loads it before
it starts its workers (`warm_up()`, called by the gunicorn hook of `config/gunicorn.py`), so that
no agent waits for the rules; a process that never ran the hook (runserver, tests) loads them at
its first estimate. Nothing here touches the database: `estimate(household, month)` takes the
screening's answers and returns amounts; `estimate_within(...)` does the same within a bound of
time (docs/deployment.md, "Long work").

The household's monthly incomes are taken as stable over the months the rules look back at
(the RSA and the prime d'activité read the last three months, the housing aid the last twelve
and the income of two years before): an estimate, not a decision.

Speed (issue 26, `python -m bench screening`): the household is described with what the rules
read and no more work is left to OpenFisca than the screened rights need. Net and taxable
incomes are given on every month from January N-2 (so neither the contributions nor the tax are
computed to find them), the months before as zero; what is zero by the answers is given as zero
(the AAH, its complement and the ASI of a person without a disability, the housing aid of a
household that is not a tenant); variables no screened right depends on are neutralised
(`NEUTRALISED`); the parameters of each instant are kept by the screening's rules, never evicted
by another computation of the process. One simulation per estimate. The amounts are those of
the full computation to the cent (the bench compares them with the description used before,
`tests/screening/test_rules.py` pins them).

School grants and the prime de Noël (issue 26): the form asks how many children are at collège
and at lycée (`school_levels` gives them to the children of a pupil's age); the prime de Noël is
estimated for a December only.
"""

import concurrent.futures
import csv
import datetime
import functools
import importlib.resources
import threading
import time
from dataclasses import dataclass
from decimal import Decimal

from allervers.planning.calendars import month_label

from .enums import AdultSituation, Housing, Incapacity, RightKind

ENGINE_MISSING = (
    "Le moteur de calcul des droits (OpenFisca-France) n'est pas installé sur ce serveur : "
    "l'estimation est impossible pour le moment. La visite et les réponses sont bien "
    "enregistrées."
)
ENGINE_FAILED = (
    "Le calcul des droits n'a pas abouti ({detail}). La visite et les réponses sont bien "
    "enregistrées : réessayez plus tard."
)
MONTH_NOT_COVERED = (
    "Mois estimé : les règles de calcul installées ne couvrent pas encore {month} (barèmes "
    "manquants). La visite et les réponses sont bien enregistrées : relancez le calcul après la "
    "mise à jour d'OpenFisca-France."
)
ENGINE_TOO_LONG = (
    "Le calcul des droits n'a pas abouti en {seconds} secondes (le serveur est très chargé). "
    "La visite et les réponses sont bien enregistrées : relancez le calcul dans un moment."
)


class EngineError(Exception):
    """The estimate cannot be made; the message is French and safe to show."""


class EngineTimeout(EngineError):
    """The estimate ran past its bound."""


_lock = threading.Lock()
_system = None


# Variables no screened right needs, which OpenFisca would still compute at every month it
# looks back at: neutralised (always their default, zero), so that they cost nothing.
# - `ass`, the allocation de solidarité spécifique: it needs `ass_precondition_remplie` (five
#   years of work in the last ten), which the screening never asks, so it is always zero here;
#   the RSA, the housing aid and the AAH still read it, month after month.
# - `bourse_criteres_sociaux`, the grant of higher education: it needs a schooling in higher
#   education, which the screening never gives (only collège and lycée), so it is always zero
#   here; the CSS and the housing aid still read it (through `boursier`), month after month.
# - the incomes of the self-employed (`rpns_imposables`, `revenu_non_salarie` and the costly
#   `rpns_revenus_microBA_agricole`, which parses dates of creation for every year read): made
#   of tax-return boxes the screening never asks, so always zero here; the AAH complement and
#   the housing aid still read them for each rolling year before a month.
NEUTRALISED = (
    "ass",
    "bourse_criteres_sociaux",
    "rpns_imposables",
    "revenu_non_salarie",
    "rpns_revenus_microBA_agricole",
)
# The instants whose parameters the screening's rules keep (an estimate reads about 60; a
# month's estimate adds a few to the previous month's): past this, they are all read again.
PARAMETERS_KEPT = 128


def _load():
    from openfisca_core.reforms import Reform
    from openfisca_france import FranceTaxBenefitSystem  # a few seconds: once per process

    class ScreeningRules(Reform):
        name = "Allervers: the screening's rules"

        def apply(self):
            for variable in NEUTRALISED:
                self.neutralize_variable(variable)
            self._parameters_by_instant = {}

        def get_parameters_at_instant(self, instant):
            # OpenFisca caches the parameters of an instant in one least-recently-used cache of
            # 128 entries shared by every system of the process: an estimate reads about 60
            # instants, and any other computation (another system, another month) evicts them,
            # each rebuilt at ~30 ms (2 s for an estimate that found none). The screening's rules
            # keep their own: a few instants more each month, never evicted.
            try:
                return self._parameters_by_instant[instant]
            except KeyError:
                pass
            if len(self._parameters_by_instant) >= PARAMETERS_KEPT:
                self._parameters_by_instant.clear()
            found = self._parameters_by_instant[instant] = _parameters_at(self, instant)
            return found

    return ScreeningRules(FranceTaxBenefitSystem())


def _parameters_at(system, instant):
    """OpenFisca's own reading of the parameters at an instant, without its shared cache."""
    from openfisca_core.taxbenefitsystems import TaxBenefitSystem

    return TaxBenefitSystem.get_parameters_at_instant.__wrapped__(system, instant)


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


def warm_up() -> str:
    """Load the rules and run one estimate, so that the first estimate asked by an agent finds
    everything ready (OpenFisca builds its caches at the first computation). Called once by the
    web server's master process before it forks its workers, which share what it loaded; never
    raises (a server without the rules still serves every other page). Returns a line for the
    server's log."""
    started = time.perf_counter()
    try:
        estimate(WARM_UP_HOUSEHOLD, datetime.date.today().replace(day=1))
    except EngineError as error:
        return f"Rules engine not ready (estimates will say why): {error}"
    return f"Rules engine loaded and warmed up in {time.perf_counter() - started:.1f} s"


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
    incapacity: str = ""  # Incapacity: the band of the rate the MDPH recognised

    @property
    def incapacity_rate(self) -> float | None:
        """The rate given to the rules: the middle of the band (80 % for « 80 % ou plus »); a
        person « en situation de handicap » without a band is taken at 80 %, as before bands
        were asked. None: no disability."""
        if self.incapacity:
            return INCAPACITY_RATES[self.incapacity]
        return 0.8 if self.situation == AdultSituation.DISABLED else None


INCAPACITY_RATES = {Incapacity.BELOW_50: 0.3, Incapacity.FROM_50: 0.6, Incapacity.FROM_80: 0.8}


# The ages a pupil of collège or lycée may have (the usual ages, with a year or two of lead or
# delay): the children a count of pupils is given to (`school_levels`).
COLLEGE_AGES, LYCEE_AGES = range(10, 17), range(14, 22)
COLLEGE, LYCEE = "college", "lycee"  # OpenFisca's `scolarite` values


def school_levels(ages: tuple[int, ...], college: int, lycee: int) -> tuple[str, ...] | None:
    """The schooling of each child ("college", "lycee" or ""), `lycee` pupils among the oldest
    children of a lycéen's age, then `college` pupils among the oldest of those left of a
    collégien's age; None when the ages cannot have that many pupils."""
    levels = [""] * len(ages)
    oldest_first = sorted(range(len(ages)), key=lambda index: -ages[index])
    for level, count, possible in ((LYCEE, lycee, LYCEE_AGES), (COLLEGE, college, COLLEGE_AGES)):
        chosen = [i for i in oldest_first if not levels[i] and ages[i] in possible][:count]
        if len(chosen) < count:
            return None
        for index in chosen:
            levels[index] = level
    return tuple(levels)


@dataclass(frozen=True)
class Household:
    adults: tuple[Adult, ...]
    children_ages: tuple[int, ...]
    housing: str  # Housing
    rent: int
    commune: str
    in_college: int = 0  # how many of the children are at collège
    in_lycee: int = 0  # at lycée (general, technological or vocational)

    @classmethod
    def from_inputs(cls, inputs: dict) -> "Household":
        return cls(
            adults=tuple(Adult(**adult) for adult in inputs["adults"]),
            children_ages=tuple(inputs["children_ages"]),
            housing=inputs["housing"],
            rent=inputs["rent"],
            commune=inputs["commune"],
            in_college=inputs.get("in_college", 0),
            in_lycee=inputs.get("in_lycee", 0),
        )

    @property
    def children_schooling(self) -> tuple[str, ...]:
        """Each child's schooling; "" for all when the counts do not fit the ages (the form
        refuses such answers)."""
        levels = school_levels(self.children_ages, self.in_college, self.in_lycee)
        return levels or ("",) * len(self.children_ages)

    @property
    def is_disabled(self) -> bool:
        return any(adult.incapacity_rate is not None for adult in self.adults)


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
    RightKind.ASPA: "aspa",
}
HOUSING_AMOUNT = "aide_logement_montant"  # what the housing aid's variables are made of
CSS_ELIGIBLE, CSS_PARTICIPATION = "css_cmu_acs_eligibilite", "css_participation_forfaitaire"
AAH = "aah"
# Individual rights computed only for a household with a disability (summed over its adults).
DISABILITY_VARIABLES = {RightKind.AAH: AAH, RightKind.ASI: "asi"}
# Zero for a person without a disability (given so: see `_person`).
DISABLED_ONLY = (AAH, "caah", "asi")
RSDAE = "aah_restriction_substantielle_durable_acces_emploi"
# The chèque énergie: a yearly amount of the household (ménage), from its tax income of N-2;
# shown as a monthly amount (a twelfth) like the other rights. Its housing condition (tenant or
# owner of the home) is given from the answers: the rules would read the occupancy in January.
ENERGY, ENERGY_HOUSING = "cheque_energie", "cheque_energie_eligibilite_logement"
# The school grants: yearly amounts of the family, from its tax income of N-2, for each child at
# collège or lycée (`scolarite`); shown as a twelfth a month, like the chèque énergie.
SCHOOL_VARIABLES = {
    RightKind.COLLEGE_GRANT: "bourse_college",
    RightKind.LYCEE_GRANT: "bourse_lycee",
}
# The prime de Noël (aide exceptionnelle de fin d'année): a yearly amount paid in December to
# the families on the RSA; estimated only for a December, as that month's amount.
CHRISTMAS, CHRISTMAS_MONTH = "aefa", 12
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


def _months_back(month: datetime.date, years: int = 2) -> list[str]:
    """The months from January `years` years before `month`'s year to `month`."""
    return [
        f"{year}-{number:02d}"
        for year in range(month.year - years, month.year + 1)
        for number in range(1, 13)
        if (year, number) <= (month.year, month.month)
    ]


# How far back the rules read incomes (the ASPA and the AAH read the resources of years before
# N-2 for past months): the incomes of those early months are given, as zero (they are not
# asked), instead of being derived from unset gross wages through the contributions and the tax.
YEARS_READ = 7


def _birth(month: datetime.date, age: int) -> str:
    born = datetime.date(month.year - age, month.month, 1) - datetime.timedelta(days=182)
    return born.isoformat()


def _person(
    month: datetime.date,
    age: int,
    adult: Adult | None,
    months: list[str],
    early: list[str],
    schooling: str = "",
) -> dict:
    """One person: `months` are those whose incomes are the answers (N-2 to now), `early` those
    before, read by the rules but not asked (zero). `schooling`: a child's, at collège or lycée
    (taken as stable over the months read back, like the rest)."""
    person: dict = {"date_naissance": {"ETERNITY": _birth(month, age)}}
    if schooling:
        person["scolarite"] = dict.fromkeys(months, schooling)
    incomes = {"work": 0, "unemployment": 0, "pension": 0}
    if adult is not None:
        incomes = {"work": adult.work, "unemployment": adult.unemployment, "pension": adult.pension}
        # The situation, like the incomes, is taken as stable over the months read back (the
        # RSA reads the AAH of the last three months: set on the current month only, it would
        # not reduce the RSA).
        person["activite"] = dict.fromkeys(months, ACTIVITY[adult.situation])
        rate = adult.incapacity_rate
        if rate is not None:
            person["handicap"] = dict.fromkeys(months, True)
            person["taux_incapacite"] = dict.fromkeys(months, rate)
            if rate < 0.8:
                # From 50 to 79 %, the AAH also needs the MDPH to recognise a lasting
                # restriction of access to work: assumed, and said beside the right.
                person[RSDAE] = dict.fromkeys(months, True)
    for kind, variables in INCOME_VARIABLES.items():
        for name, factor in variables:
            person[name] = dict.fromkeys(early, 0) | dict.fromkeys(
                months, round(incomes[kind] * factor, 2)
            )
    for name in ZERO_VARIABLES:
        person[name] = dict.fromkeys(early + months, 0)
    if adult is None or adult.incapacity_rate is None:
        # No AAH without a disability: given, so that its resources are not evaluated for each
        # month the RSA and the housing aid read it. Nor its complement (`caah`: it needs the
        # AAH or the ASI, and its `mva` reads the housing aid of each month the RSA reads back),
        # nor the ASI (it needs a disability or a pension d'invalidité, never given).
        for name in DISABLED_ONLY:
            person[name] = dict.fromkeys(early + months, 0)
    return person


def situation(household: Household, month: datetime.date) -> dict:
    """The household in OpenFisca's situation format, for `month` (its first day)."""
    period = period_of(month)
    months = _months_back(month)
    early = [name for name in _months_back(month, YEARS_READ) if name not in months]
    adults = [f"adulte{n}" for n in range(1, len(household.adults) + 1)]
    children = [f"enfant{n}" for n in range(1, len(household.children_ages) + 1)]
    people = {
        name: _person(month, adult.age, adult, months, early)
        for name, adult in zip(adults, household.adults, strict=True)
    }
    people.update(
        (name, _person(month, age, None, months, early, schooling))
        for name, age, schooling in zip(
            children, household.children_ages, household.children_schooling, strict=True
        )
    )
    family = {"parents": adults, "enfants": children}
    family.update({variable: {period: None} for variable in FAMILY_VARIABLES.values()})
    if household.housing not in TENANTS:
        # Housed free or owner (never a first-time buyer here): no housing aid, month after
        # month (OpenFisca pays it to a tenant, a first-time buyer or a hostel's resident).
        # Given, so that the RSA's forfait logement and the AAH complement do not compute it for
        # every month they read.
        family[HOUSING_AMOUNT] = dict.fromkeys(early + months, 0)
    family[CSS_ELIGIBLE] = {period: None}
    family[CSS_PARTICIPATION] = {period: None}
    menage = {
        "personne_de_reference": adults[:1],
        "conjoint": adults[1:],
        "enfants": children,
        "statut_occupation_logement": {period: OCCUPANCY[household.housing]},
        "loyer": {period: household.rent if household.housing in TENANTS else 0},
        "depcom": {period: household.commune},
        ENERGY_HOUSING: {f"{month.year}": household.housing != Housing.HOSTED},
    }
    return {
        "individus": people,
        "familles": {"famille": family},
        "foyers_fiscaux": {"foyer": {"declarants": adults, "personnes_a_charge": children}},
        "menages": {"menage": menage},
    }


# A household whose estimate reads most of the rules (incomes, children, rent): the warm-up's.
WARM_UP_HOUSEHOLD = Household(
    adults=(Adult(age=38, situation=AdultSituation.EMPLOYED, work=1200),),
    children_ages=(6,),
    housing=Housing.PRIVATE_TENANT,
    rent=500,
    commune="62083",
)


# --- The estimate --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    kind: str  # RightKind
    amount: Decimal | None  # euros a month; None for a right that is not paid (the CSS)
    eligible: bool
    participation: Decimal | None = None  # the CSS's monthly participation, when it has one


def _euros(value) -> Decimal:
    return Decimal(str(round(float(value), 2))).quantize(Decimal("0.01"))


class _Deadline:
    """The time an estimate must end by; checked between two variables, so that an estimate
    abandoned by its request stops soon instead of running on in the background."""

    def __init__(self, seconds: float | None):
        self.seconds = seconds
        self.at = None if seconds is None else time.monotonic() + seconds

    def check(self) -> None:
        if self.at is not None and time.monotonic() > self.at:
            raise EngineTimeout(ENGINE_TOO_LONG.format(seconds=f"{self.seconds:g}"))


def simulate(
    household: Household, month: datetime.date, deadline: _Deadline | None = None
) -> dict[str, float]:
    """The raw figures of OpenFisca for the household: variable name → value of the month."""
    from openfisca_core.simulation_builder import SimulationBuilder

    deadline = deadline or _Deadline(None)
    system = tax_benefit_system()
    period = period_of(month)
    try:
        simulation = SimulationBuilder().build_from_entities(system, situation(household, month))
        values = {}
        for name in (*FAMILY_VARIABLES.values(), CSS_ELIGIBLE, CSS_PARTICIPATION):
            deadline.check()
            values[name] = simulation.calculate(name, period)[0]
        deadline.check()
        values[ENERGY] = float(simulation.calculate(ENERGY, f"{month.year}")[0]) / 12
        for name in SCHOOL_VARIABLES.values():
            deadline.check()
            values[name] = float(simulation.calculate(name, period)[0]) / 12
        if month.month == CHRISTMAS_MONTH:
            deadline.check()
            values[CHRISTMAS] = _christmas_bonus(simulation, month, float(values["rsa"]))
        if household.is_disabled:
            for name in DISABILITY_VARIABLES.values():
                deadline.check()
                values[name] = float(simulation.calculate(name, period).sum())
    except EngineError:
        raise
    except Exception as error:  # any failure of the engine is the same to the agent
        from openfisca_core.errors import ParameterNotFoundError

        if isinstance(error, ParameterNotFoundError):  # a scale not yet published
            month_name = month_label(month.year, month.month)
            raise EngineError(MONTH_NOT_COVERED.format(month=month_name)) from error
        raise EngineError(ENGINE_FAILED.format(detail=type(error).__name__)) from error
    return values


def _christmas_bonus(simulation, month: datetime.date, rsa: float) -> float:
    """The prime de Noël of a December. OpenFisca pays it to a family whose RSA (or ASS, or AER)
    of the year is not zero, with an amount that depends on the family, not on the RSA. The RSA
    is taken as stable over the months (as the incomes are): the December's is given for the
    other months of the year instead of computing eleven more RSAs, the same condition. Without
    an RSA, no prime (the ASS is not screened, the AER ended in 2011)."""
    from openfisca_core import periods

    if rsa <= 0:
        return 0.0
    holder = simulation.get_holder("rsa")
    december = holder.get_array(period_of(month))
    for number in range(1, CHRISTMAS_MONTH):
        other = periods.period(f"{month.year}-{number:02d}")
        if holder.get_array(other) is None:
            holder.put_in_cache(december, other)
    return float(simulation.calculate(CHRISTMAS, f"{month.year}")[0])


# One computation at a time per process: an estimate abandoned past its bound keeps the thread
# until its next check of the deadline, and the next estimate waits for it within its own bound.
_runner = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="estimate")


def estimate_within(household: Household, month: datetime.date, seconds: float) -> list[Estimate]:
    """`estimate`, bounded: past `seconds`, `EngineTimeout` (a French message) is raised and the
    computation stops at its next step. The computation runs in a thread of its own, which the
    caller waits for: a bound that works in every kind of server process (gunicorn's sync or
    threaded workers, runserver), where an alarm signal works only in the main thread."""
    deadline = _Deadline(seconds)
    future = _runner.submit(estimate, household, month, deadline)
    try:
        return future.result(timeout=seconds)
    except concurrent.futures.TimeoutError:
        future.cancel()  # not started yet (waiting behind another): it never runs
        raise EngineTimeout(ENGINE_TOO_LONG.format(seconds=f"{seconds:g}")) from None
    except EngineError:
        raise
    except Exception as error:  # whatever fails, the agent gets a French message, not a 500
        raise EngineError(ENGINE_FAILED.format(detail=type(error).__name__)) from error


def estimate(
    household: Household, month: datetime.date, deadline: _Deadline | None = None
) -> list[Estimate]:
    """Each right of the household for `month`, in the order of `RightKind`."""
    values = simulate(household, month, deadline)
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
    amount = _euros(values[ENERGY])
    found.append(Estimate(kind=RightKind.ENERGY, amount=amount, eligible=amount > 0))
    for kind, variable in SCHOOL_VARIABLES.items():
        amount = _euros(values[variable])
        found.append(Estimate(kind=kind, amount=amount, eligible=amount > 0))
    if CHRISTMAS in values:
        amount = _euros(values[CHRISTMAS])
        found.append(Estimate(kind=RightKind.CHRISTMAS_BONUS, amount=amount, eligible=amount > 0))
    for kind, variable in DISABILITY_VARIABLES.items():
        if variable in values:
            amount = _euros(values[variable])
            found.append(Estimate(kind=kind, amount=amount, eligible=amount > 0))
    order = list(RightKind.values)
    return sorted(found, key=lambda item: order.index(item.kind))
