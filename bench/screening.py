"""The estimate of a household's rights (issues 17 and 26) against the way the household was
described to OpenFisca before issue 26 (the baseline), in the same run.

The rules are loaded once (as gunicorn's master does before its workers start; timed apart).
Then, for each household, in alternating rounds: `engine.estimate` (the app's path: the lean
description of `engine.situation` on the screening's rules, the computation, the amounts) and the
baseline (the description kept below, `situation_before`: incomes on every month for three
salary variables, everything else derived through the contributions and the tax, on
OpenFisca-France's rules without the screening's neutralisations), the same variables
calculated. Both give the same amounts to the cent, or the bench fails. Times are wall clock and
CPU of this process, with their ratio to the baseline: the machine may be shared, so the ratio is
the figure to compare between runs; the load average is printed at the start and the end.

Goal (idle machine): every estimate after the first under 1 s of wall-clock time; exit status 1
otherwise. The quick mode (`BENCH_QUICK=1`: two households, one round) checks only that the
bench runs and measures something: it fails (exit status 1) on an error, an amount that differs
from the baseline, or nothing measured.

    python -m bench screening   [BENCH_ROUNDS=3] [BENCH_QUICK=1]
"""

import datetime
import os
import statistics
import sys
import time
from pathlib import Path

GOAL_SECONDS = 1.0
MONTH = datetime.date(2026, 6, 1)


def _households(engine):
    adult, household = engine.Adult, engine.Household
    return {
        "seul, sans revenu, HLM": household(
            (adult(41, "job_seeker"),), (), "social_tenant", 350, "62083"
        ),
        "couple, 2 enfants, SMIC": household(
            (adult(38, "employed", work=1443), adult(36, "inactive")),
            (10, 7),
            "private_tenant",
            600,
            "62083",
        ),
        "parent seul, 1 enfant, temps partiel": household(
            (adult(29, "employed", work=800),), (4,), "private_tenant", 520, "62083"
        ),
        "personne handicapée, hébergée": household(
            (adult(45, "disabled"),), (), "hosted", 0, "62083"
        ),
    }


# --- The baseline: the household as described to OpenFisca before issue 26 ----------------------

_INCOME_VARIABLES_BEFORE = {
    "work": (("salaire_net", 1), ("salaire_imposable", 1), ("salaire_de_base", 1 / 0.78)),
    "unemployment": (("chomage_net", 1), ("chomage_imposable", 1), ("chomage_brut", 1 / 0.93)),
    "pension": (("retraite_nette", 1), ("retraite_imposable", 1), ("retraite_brute", 1 / 0.91)),
}
_ZERO_VARIABLES_BEFORE = (
    "pensions_invalidite",
    "pensions_alimentaires_percues",
    "traitement_indiciaire_brut",
    "primes_fonction_publique",
    "indemnite_residence",
)


def _person_before(engine, month, age, adult, months) -> dict:
    person: dict = {"date_naissance": {"ETERNITY": engine._birth(month, age)}}
    incomes = {"work": 0, "unemployment": 0, "pension": 0}
    if adult is not None:
        incomes = {"work": adult.work, "unemployment": adult.unemployment, "pension": adult.pension}
        person["activite"] = dict.fromkeys(months, engine.ACTIVITY[adult.situation])
        if adult.situation == "disabled":
            person["handicap"] = dict.fromkeys(months, True)
            person["taux_incapacite"] = dict.fromkeys(months, 0.8)
    for kind, variables in _INCOME_VARIABLES_BEFORE.items():
        for name, factor in variables:
            person[name] = dict.fromkeys(months, round(incomes[kind] * factor, 2))
    for name in _ZERO_VARIABLES_BEFORE:
        person[name] = dict.fromkeys(months, 0)
    return person


def situation_before(engine, household, month) -> dict:
    period = engine.period_of(month)
    months = engine._months_back(month)
    adults = [f"adulte{n}" for n in range(1, len(household.adults) + 1)]
    children = [f"enfant{n}" for n in range(1, len(household.children_ages) + 1)]
    people = {
        name: _person_before(engine, month, adult.age, adult, months)
        for name, adult in zip(adults, household.adults, strict=True)
    }
    people.update(
        (name, _person_before(engine, month, age, None, months))
        for name, age in zip(children, household.children_ages, strict=True)
    )
    family = {"parents": adults, "enfants": children}
    menage = {
        "personne_de_reference": adults[:1],
        "conjoint": adults[1:],
        "enfants": children,
        "statut_occupation_logement": {period: engine.OCCUPANCY[household.housing]},
        "loyer": {period: household.rent if household.housing in engine.TENANTS else 0},
        "depcom": {period: household.commune},
    }
    return {
        "individus": people,
        "familles": {"famille": family},
        "foyers_fiscaux": {"foyer": {"declarants": adults, "personnes_a_charge": children}},
        "menages": {"menage": menage},
    }


def _variables(engine, household) -> list[str]:
    names = [*engine.FAMILY_VARIABLES.values(), engine.CSS_ELIGIBLE, engine.CSS_PARTICIPATION]
    return [*names, engine.AAH] if household.is_disabled else names


def _baseline(engine, household) -> dict[str, str]:
    """The baseline's figures: the old description on OpenFisca-France's own rules."""
    from openfisca_core.simulation_builder import SimulationBuilder

    rules = engine.tax_benefit_system().baseline  # the rules before the screening's reform
    simulation = SimulationBuilder().build_from_entities(
        rules, situation_before(engine, household, MONTH)
    )
    period = engine.period_of(MONTH)
    return {
        name: f"{float(simulation.calculate(name, period).sum()):.2f}"
        for name in _variables(engine, household)
    }


def _ours(engine, household) -> dict[str, str]:
    values = engine.simulate(household, MONTH)
    return {name: f"{float(values[name]):.2f}" for name in _variables(engine, household)}


def _timed(call) -> tuple[float, float]:
    """(wall-clock seconds, CPU seconds of this process) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    call()
    return time.perf_counter() - wall, time.process_time() - cpu


def _load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min, {os.cpu_count()} cœurs)"


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from allervers.screening import engine

    from ._verdict import verdict

    quick = os.environ.get("BENCH_QUICK") == "1"
    rounds = 1 if quick else int(os.environ.get("BENCH_ROUNDS", "3"))
    households = _households(engine)
    if quick:
        households = dict(list(households.items())[:2])
    print(f"Charge de la machine au début : {_load_average()}")
    load_wall, load_cpu = _timed(engine.tax_benefit_system)
    print(
        f"Chargement des règles (une fois par processus) : {load_wall:.1f} s ({load_cpu:.1f} s CPU)"
    )
    first = next(iter(households.values()))
    first_wall, first_cpu = _timed(lambda: engine.estimate(first, MONTH))
    print(f"Première estimation du processus : {first_wall:.2f} s ({first_cpu:.2f} s CPU)")

    failed: list[str] = []
    for label, household in households.items():
        ours, before = _ours(engine, household), _baseline(engine, household)
        if ours != before:
            print(f"MONTANTS DIFFÉRENTS pour « {label} » : {ours} au lieu de {before}")
            failed.append(f"amounts of « {label} »")
    print(
        f"Ensuite, par foyer, médiane de {rounds} tour(s) alternés (temps écoulé, puis CPU), la "
        "plus longue estimation, et le rapport au calcul d'avant (description d'avant) :"
    )
    print(
        f"{'foyer':40} {'estimation':>20} {'pire':>7} {'description d avant':>20} "
        f"{'rapport écoulé / CPU':>21}"
    )
    walls: list[float] = []
    ratios: list[float] = []
    for label, household in households.items():
        ours, before = [], []
        for _ in range(rounds):
            ours.append(_timed(lambda h=household: engine.estimate(h, MONTH)))
            before.append(_timed(lambda h=household: _baseline(engine, h)))
        walls.extend(t[0] for t in ours)
        ours_wall = statistics.median(t[0] for t in ours)
        ours_cpu = statistics.median(t[1] for t in ours)
        before_wall = statistics.median(t[0] for t in before)
        before_cpu = statistics.median(t[1] for t in before)
        ratios.append(ours_cpu / before_cpu)
        print(
            f"{label:40} {ours_wall:6.2f} s ({ours_cpu:5.2f} CPU) {max(t[0] for t in ours):5.2f} s "
            f"{before_wall:6.2f} s ({before_cpu:5.2f} CPU) "
            f"{ours_wall / before_wall:9.2f}× / {ours_cpu / before_cpu:5.2f}×"
        )
    if not walls:
        verdict("the bench measures at least one estimate.", ["nothing measured"])
    worst = max(walls)
    print(
        f"Estimations après la première : médiane {statistics.median(walls):.2f} s, "
        f"la plus longue {worst:.2f} s (temps écoulé, {len(walls)} estimations) ; "
        f"rapport CPU médian à la description d'avant : {statistics.median(ratios):.2f}×."
    )
    print(f"Charge de la machine à la fin : {_load_average()}")
    if quick:
        verdict("quick mode: runs, measures, amounts equal to the baseline's.", failed)
        return
    goal = f"every estimate after the first < {GOAL_SECONDS:.0f} s wall clock, idle machine"
    if worst >= GOAL_SECONDS:
        failed.append("estimate")
    verdict(f"{goal} (longest {worst:.2f} s); amounts equal to the baseline's.", failed)


if __name__ == "__main__":
    main()
