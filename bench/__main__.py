"""Run every benchmark module of this folder (`python -m bench [name ...]`).

Each `bench/<name>.py` exposes `main()`. Each runs in its own Python process, so that one
benchmark's Django settings or database never leak into another's.
"""

import subprocess
import sys
from pathlib import Path


def modules() -> list[str]:
    folder = Path(__file__).parent
    return sorted(path.stem for path in folder.glob("*.py") if not path.stem.startswith("_"))


def run() -> int:
    wanted = sys.argv[1:] or modules()
    failures = 0
    for name in wanted:
        print(f"\n=== bench.{name} ===", flush=True)
        code = f"import bench.{name} as module; module.main()"
        failures += subprocess.call([sys.executable, "-c", code]) != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(run())
