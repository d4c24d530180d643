"""Run every benchmark module of this folder (`python -m bench [name ...]`).

Each `bench/<name>.py` exposes `main()`. Each runs in its own Python process, so that one
benchmark's Django settings or database never leak into another's. A benchmark fails when its
process fails or when it never said its target (`bench/_verdict.py`): one that errors or
measures nothing cannot pass unnoticed.

`BENCH_QUICK=1` (CI) runs each in its quick mode: tiny sizes, seconds (`bench/_quick.py`; it is
passed on to every benchmark's process, and `BENCH_ROUNDS` defaults to 1 there).
"""

import os
import subprocess
import sys
import time
from pathlib import Path

from bench._quick import QUICK
from bench._verdict import TARGET_PREFIX


def modules() -> list[str]:
    folder = Path(__file__).parent
    return sorted(path.stem for path in folder.glob("*.py") if not path.stem.startswith("_"))


def run_one(name: str) -> str:
    """Run `bench.<name>`, echoing its output; "" when it passed, else why it failed."""
    env = dict(os.environ)
    if QUICK:
        env.setdefault("BENCH_ROUNDS", "1")
    code = f"import bench.{name} as module; module.main()"
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    said_target = False
    for line in process.stdout:
        print(line, end="", flush=True)
        said_target = said_target or line.startswith(TARGET_PREFIX)
    if process.wait():
        return f"exit status {process.returncode}"
    if not said_target:
        return "it never said its target (nothing measured?)"
    return ""


def run(names: list[str]) -> int:
    failures = []
    for name in names:
        print(f"\n=== bench.{name} ===", flush=True)
        started = time.monotonic()
        problem = run_one(name)
        print(f"--- bench.{name}: {problem or 'ok'} ({time.monotonic() - started:.0f} s)")
        if problem:
            failures.append(f"{name} ({problem})")
    if failures:
        print("\nFailed: " + ", ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:] or modules()))
