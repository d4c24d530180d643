"""The estimate of a household's rights (issue 17) against the raw OpenFisca computation of the
same household, in the same run.

The rules are loaded once (as a worker process does at its first estimate; timed apart). Then,
for four household types, in alternating rounds: `engine.estimate` (the app's path: the
situation built from the answers, the computation, the amounts) and the raw computation (the
same situation given to OpenFisca's `SimulationBuilder`, the same variables calculated). Both
times are printed, wall clock and CPU of this process (the machine may be shared: CPU time says
what the estimate itself costs; the load average is printed at the start and the end). Goal:
every estimate after the first answers in under 2 s of wall-clock time (what the agent waits);
exit status 1 otherwise.

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

    rounds = int(os.environ.get("BENCH_ROUNDS", "3"))
    print(f"Charge de la machine au début : {_load_average()}")
    load_wall, load_cpu = _timed(engine.tax_benefit_system)
    print(
        f"Chargement des règles (une fois par processus) : {load_wall:.1f} s ({load_cpu:.1f} s CPU)"
    )
    households = _households(engine)
    first = next(iter(households.values()))
    first_wall, first_cpu = _timed(lambda: engine.estimate(first, MONTH))
    print(f"Première estimation du processus : {first_wall:.2f} s ({first_cpu:.2f} s CPU)")
    print(
        f"Ensuite, par foyer, médiane de {rounds} tours alternés (temps écoulé, puis CPU), "
        "et la plus longue estimation :"
    )
    print(
        f"{'foyer':40} {'estimation':>20} {'pire':>7} {'OpenFisca brut':>20} "
        f"{'rapport (écoulé)':>17}"
    )
    walls: list[float] = []
    for label, household in households.items():
        ours, raw = [], []
        for _ in range(rounds):
            ours.append(_timed(lambda h=household: engine.estimate(h, MONTH)))
            raw.append(_timed(lambda h=household: _raw(engine, h)))
        walls.extend(t[0] for t in ours)
        ours_wall = statistics.median(t[0] for t in ours)
        ours_cpu = statistics.median(t[1] for t in ours)
        raw_wall = statistics.median(t[0] for t in raw)
        raw_cpu = statistics.median(t[1] for t in raw)
        print(
            f"{label:40} {ours_wall:6.2f} s ({ours_cpu:5.2f} CPU) {max(t[0] for t in ours):5.2f} s "
            f"{raw_wall:6.2f} s ({raw_cpu:5.2f} CPU) {ours_wall / raw_wall:16.2f}×"
        )
    worst = max(walls)
    print(
        f"Estimations après la première : médiane {statistics.median(walls):.2f} s, "
        f"la plus longue {worst:.2f} s (temps écoulé, {len(walls)} estimations)."
    )
    print(f"Charge de la machine à la fin : {_load_average()}")
    goal = f"every estimate after the first < {GOAL_SECONDS:.0f} s wall clock"
    verdict(f"{goal} (longest {worst:.2f} s).", [] if worst < GOAL_SECONDS else ["estimate"])


if __name__ == "__main__":
    main()
