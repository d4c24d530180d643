"""The estimate of a household's rights (issue 17) against the raw OpenFisca computation of the
same household, in the same run.

The rules are loaded once (as a worker process does at its first estimate; timed apart). Then,
for four household types, in alternating rounds: `engine.estimate` (the app's path: the
situation built from the answers, the computation, the amounts) and the raw computation (the
same situation given to OpenFisca's `SimulationBuilder`, the same variables calculated). Both
times are printed, wall clock and CPU of this process (the machine may be shared: CPU time says
what the estimate itself costs). Goal: an estimate under 2 s after the first.

    python -m bench screening   [BENCH_ROUNDS=3]
"""

import datetime
import os
import statistics
import sys
import time
from pathlib import Path

GOAL_SECONDS = 2.0
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


def _raw(engine, household) -> dict:
    from openfisca_core.simulation_builder import SimulationBuilder

    period = engine.period_of(MONTH)
    simulation = SimulationBuilder().build_from_entities(
        engine.tax_benefit_system(), engine.situation(household, MONTH)
    )
    names = [*engine.FAMILY_VARIABLES.values(), engine.CSS_ELIGIBLE, engine.CSS_PARTICIPATION]
    if household.is_disabled:
        names.append(engine.AAH)
    return {name: simulation.calculate(name, period) for name in names}


def _timed(call) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    call()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from allervers.screening import engine

    rounds = int(os.environ.get("BENCH_ROUNDS", "3"))
    load_wall, load_cpu = _timed(engine.tax_benefit_system)
    print(
        f"Chargement des règles (une fois par processus) : {load_wall:.1f} s ({load_cpu:.1f} s CPU)"
    )
    households = _households(engine)
    first = next(iter(households.values()))
    first_wall, first_cpu = _timed(lambda: engine.estimate(first, MONTH))
    print(f"Première estimation du processus : {first_wall:.2f} s ({first_cpu:.2f} s CPU)")
    worst = 0.0
    print(f"{'foyer':40} {'estimation':>22} {'OpenFisca brut':>22} {'rapport':>8}")
    for label, household in households.items():
        ours, raw = [], []
        for _ in range(rounds):
            ours.append(_timed(lambda h=household: engine.estimate(h, MONTH)))
            raw.append(_timed(lambda h=household: _raw(engine, h)))
        ours_wall = statistics.median(t[0] for t in ours)
        ours_cpu = statistics.median(t[1] for t in ours)
        raw_wall = statistics.median(t[0] for t in raw)
        raw_cpu = statistics.median(t[1] for t in raw)
        worst = max(worst, ours_cpu)
        print(
            f"{label:40} {ours_wall:6.2f} s ({ours_cpu:5.2f} CPU) "
            f"{raw_wall:6.2f} s ({raw_cpu:5.2f} CPU) {ours_cpu / raw_cpu:7.2f}×"
        )
    verdict = "atteint" if worst < GOAL_SECONDS else "NON atteint"
    print(f"Objectif : une estimation en moins de {GOAL_SECONDS:.0f} s (CPU, médiane) — {verdict}.")


if __name__ == "__main__":
    main()
