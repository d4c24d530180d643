"""The production set-up as the README gives it, started for real on this machine.

Shared by the production test (`tests/production/`) and the load benchmark (`bench/load.py`):
the production settings (`config.settings.base`) with the environment a real installation
sets, the README's installation commands, gunicorn with its workers and the task worker.
"""

import os
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 3  # as the README's gunicorn command


class SiteError(RuntimeError):
    """A command of the set-up failed; the message holds the end of its error output."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_env(database_url: str, static_root: Path | str) -> dict[str, str]:
    """This process's environment without its Allervers and Django settings, plus those of a
    production installation on `database_url` (e-mails kept in the worker's memory)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ALLERVERS_", "DJANGO_")) and key != "DATABASE_URL"
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "ALLERVERS_SECRET_KEY": uuid.uuid4().hex * 2,
            "ALLERVERS_ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": database_url,
            "ALLERVERS_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "ALLERVERS_STATIC_ROOT": str(static_root),
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def manage(env: dict, *args: str) -> str:
    """`manage.py <args>` under `env`; its standard output."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode:
        raise SiteError(f"manage.py {' '.join(args[:2])}: {result.stderr[-3000:]}")
    return result.stdout


def shell(env: dict, code: str) -> str:
    """Run Python `code` in `manage.py shell`; the last line it printed."""
    lines = manage(env, "shell", "--no-imports", "-c", code).strip().splitlines()
    return lines[-1] if lines else ""


def install(env: dict) -> None:
    """The README's installation steps: migrate, the cache table, the static files."""
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "createcachetable")
    manage(env, "collectstatic", "--noinput", "-v", "0")


def start(env: dict, port: int, *, workers: int = WORKERS) -> list[subprocess.Popen]:
    """gunicorn as the README serves it, and the task worker."""
    gunicorn = [sys.executable, "-m", "gunicorn", "config.wsgi"]
    return [
        subprocess.Popen(
            [*gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        ),
        subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--interval", "0.2", "--no-reload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
    ]


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
