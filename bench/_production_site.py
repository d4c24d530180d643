"""The production set-up as the README gives it, started for real on this machine.

Shared by the production test (`tests/production/`) and the load benchmark (`bench/load.py`):
the production settings (`config.settings.base`) with the environment a real installation
sets, the README's installation commands, gunicorn with its workers and the task worker.
"""

import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

from django_otp.oath import totp

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
    """gunicorn as the README serves it (its settings file: the rules engine loaded by the master
    before it forks, the request timeout), and the task worker."""
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"]
    return [
        subprocess.Popen(
            [*gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        ),
        start_worker(env),
    ]


def start_worker(env: dict, *, log: Path | None = None) -> subprocess.Popen:
    """The task worker (`db_worker`, with its heartbeat); its output to `log` when given."""
    output = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 (the child keeps it)
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "0.2", "--no-reload"],
        cwd=ROOT,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
    )


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_until(check, *, seconds: float = 60, what: str = "the condition"):
    """Poll `check()` until it returns something true; its value. Fails after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise SiteError(f"Still waiting for {what} after {seconds} s")
        time.sleep(0.3)


class Client:
    """One keep-alive connection with its cookies, as a browser behind the TLS proxy (which sets
    X-Forwarded-Proto). `body` and `location` hold the last answer's."""

    def __init__(self, port: int):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        # A CSRF secret of our own (32 characters) until the site sets another (at the login).
        self.cookies = {"csrftoken": secrets.token_hex(16)}
        self.location = ""
        self.body = ""

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, float]:
        headers = {
            "X-Forwarded-Proto": "https",
            "Host": "127.0.0.1",
            "Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items()),
            "Referer": f"https://127.0.0.1{path}",
        }
        data = None
        if body is not None:
            fields = {**body, "csrfmiddlewaretoken": self.cookies["csrftoken"]}
            data = urllib.parse.urlencode(fields, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
            self.body = response.read().decode("utf-8", "replace")
            status = response.status
            self.location = response.getheader("Location", "")
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            status = 0
        return status, time.perf_counter() - started

    def log_in(self, email: str, password: str, key: bytes) -> None:
        """The login an agent goes through: the e-mail address and password, then the code of
        her authenticator application (the second factor)."""
        credentials = {"username": email, "password": password}
        status, _ = self.request("POST", "/compte/connexion/", credentials)
        if status != 302:
            raise RuntimeError(f"{email}: the login answered {status}")
        code = f"{totp(key, step=30, digits=6):06d}"
        status, _ = self.request("POST", "/compte/verification/", {"code": code})
        if status != 302 or "/compte/" in self.location:
            raise RuntimeError(f"{email}: the code step answered {status} {self.location}")
        status, _ = self.request("GET", "/accueil/")
        if status != 200:
            raise RuntimeError(f"{email}: after the login, the day's visits answered {status}")
