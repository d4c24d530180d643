"""The quick mode of every benchmark (`BENCH_QUICK=1`, run by CI): tiny sizes, seconds, so that
a benchmark that errors or measures nothing fails the build instead of rotting unnoticed.

A size given explicitly in the environment (`BENCH_ROUNDS=3`) wins over both defaults."""

import os

QUICK = os.environ.get("BENCH_QUICK", "").strip() not in ("", "0")


def setting[T: (int, float)](name: str, *, full: T, quick: T) -> T:
    """The environment's `name`, else the quick or the full default."""
    value = os.environ.get(name)
    if value is None:
        return quick if QUICK else full
    return type(full)(value)
