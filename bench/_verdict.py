"""How a benchmark ends: its target said, and exit status 1 when some figure misses it."""

import sys


def verdict(target: str, failed: list[str]) -> None:
    print(f"Target: {target}")
    if failed:
        print("Below target: " + ", ".join(failed))
        sys.exit(1)
