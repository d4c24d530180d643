"""How a benchmark ends: its target said, and exit status 1 when some figure misses it.

`python -m bench` fails a benchmark that does not end here (an error, or nothing measured). In
the quick mode (`BENCH_QUICK=1`, CI) the sizes are too small for a target to mean anything: a
missed target is printed, not failed; an error or an empty measurement still fails."""

import sys

from bench._quick import QUICK

# The line `python -m bench` looks for in each benchmark's output.
TARGET_PREFIX = "Target: "


class NothingMeasured(SystemExit):
    """A benchmark whose work did not happen (no rows, no answers): an error, not a figure."""


def measured(what: str, count: int) -> int:
    """`count` of `what`, refused when there is nothing: a figure of nothing is no figure."""
    if count <= 0:
        raise NothingMeasured(f"Nothing measured: 0 {what}.")
    return count


def verdict(target: str, failed: list[str]) -> None:
    print(f"{TARGET_PREFIX}{target}", flush=True)
    if failed:
        print("Below target: " + ", ".join(failed))
        if QUICK:
            print("(quick mode: sizes too small for the target to count)")
            return
        sys.exit(1)
