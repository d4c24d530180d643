"""The static publication served by nginx, against a trivial static file of the same size.

On a scratch SQLite database holding the demo service, `manage.py publish_static` writes the
demo's public answers as files; nginx (from Debian's packages, installed here when missing)
serves them with `deploy/nginx-static-publication.conf` on a free port, beside two trivial
files of the same sizes as the public page and the feed. `wrk` (Debian too) loads each address
in alternating short rounds (best round of each). The same public page and feed served by
Django (gunicorn with the README's 3 workers, the production settings) are measured too, so
their figure is printed beside.

Goal (issue 16): the public page and the feed served from files reach at least 90 % of the
trivial file's rate; exit status 1 otherwise.

    python -m bench static_publication   [BENCH_SECONDS=3 BENCH_ROUNDS=5 BENCH_CONNECTIONS=32]
                                         (BENCH_QUICK=1: one round of 1 s, 4 connections)
"""

import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from bench import _production_site as production_site
from bench._quick import setting
from bench._verdict import measured, verdict

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "deploy" / "nginx-static-publication.conf"
TARGET_RATIO = 0.9
DEMO_SLUG = "ccas-barlin"
# As the TLS proxy of the README presents requests to Django (nginx ignores it).
PROXY_HEADER = ("-H", "X-Forwarded-Proto: https")


def ensure_tools() -> None:
    """nginx and wrk from Debian's packages, installed when missing."""
    missing = [name for name in ("nginx", "wrk") if not shutil.which(name)]
    if missing:
        print(f"Installing {' '.join(missing)} (apt-get)...", flush=True)
        subprocess.run(["apt-get", "install", "-y", "nginx", "wrk"], check=True)


def nginx_config(folder: Path, publication: Path, port: int, django_port: int) -> Path:
    """The deployment configuration with this run's directory and ports, in a runnable file."""
    server = CONFIG.read_text()
    server = server.replace("/var/lib/allervers/publication", str(publication))
    server = server.replace("listen 80;", f"listen 127.0.0.1:{port};")
    server = server.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{django_port};")
    config = folder / "nginx.conf"
    config.write_text(
        f"worker_processes 2;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log;\n"
        "events { worker_connections 1024; }\n"
        f"http {{\n access_log off;\n client_body_temp_path {folder}/body;\n"
        f" proxy_temp_path {folder}/proxy;\n{server}\n}}\n"
    )
    return config


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError as error:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url}: {error}") from error
        time.sleep(0.3)


def wrk(url: str, seconds: int, connections: int) -> float:
    """Requests per second that wrk measured."""
    result = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", *PROXY_HEADER, url],
        capture_output=True,
        text=True,
        check=True,
    )
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} error answers")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout).group(1))


def main() -> None:
    seconds = setting("BENCH_SECONDS", full=3, quick=1)
    rounds = setting("BENCH_ROUNDS", full=5, quick=1)
    connections = setting("BENCH_CONNECTIONS", full=32, quick=4)
    ensure_tools()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        folder.chmod(0o755)  # nginx's workers run as another user: they read the files
        publication = folder / "publication"
        django_port, nginx_port = production_site.free_port(), production_site.free_port()
        env = production_site.production_env(f"sqlite:///{folder}/bench.sqlite3", folder / "st")
        env["ALLERVERS_SITE_URL"] = f"https://127.0.0.1:{nginx_port}"
        production_site.install(env)
        demo_env = {**env, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
        production_site.manage(demo_env, "load_demo")
        print(production_site.manage(env, "publish_static", DEMO_SLUG, str(publication)).strip())
        page = publication / DEMO_SLUG / "index.html"
        feed = publication / DEMO_SLUG / "agenda.ics"
        # Trivial files of the same sizes: nginx's cost of sending those bytes, nothing more.
        sizes = (page.stat().st_size, feed.stat().st_size)
        (publication / "trivial-page.html").write_bytes(b"x" * page.stat().st_size)
        (publication / "trivial-feed.ics").write_bytes(b"x" * feed.stat().st_size)
        config = nginx_config(folder, publication, nginx_port, django_port)
        processes = production_site.start(env, django_port)
        nginx = subprocess.Popen(
            ["nginx", "-c", str(config), "-p", str(folder), "-g", "daemon off;"],
            stderr=subprocess.PIPE,
        )
        processes.append(nginx)
        try:
            static = f"http://127.0.0.1:{nginx_port}"
            django = f"http://127.0.0.1:{django_port}"
            targets = {
                "trivial file (page size)": f"{static}/trivial-page.html",
                "public page (file)": f"{static}/{DEMO_SLUG}/",
                "trivial file (feed size)": f"{static}/trivial-feed.ics",
                "feed (file)": f"{static}/{DEMO_SLUG}/agenda.ics",
                "public page (Django)": f"{django}/{DEMO_SLUG}/",
                "feed (Django)": f"{django}/{DEMO_SLUG}/agenda.ics",
            }
            for url in targets.values():
                wait_for(url)
            best = dict.fromkeys(targets, 0.0)
            for _ in range(rounds):
                for name, url in targets.items():
                    best[name] = max(best[name], wrk(url, seconds, connections))
        finally:
            production_site.stop(processes)

    print(
        f"{connections} connections, {rounds} rounds of {seconds} s per address, best round; "
        f"public page {sizes[0]} bytes, feed {sizes[1]} bytes."
    )
    pairs = {
        "public page (file)": "trivial file (page size)",
        "feed (file)": "trivial file (feed size)",
        "public page (Django)": "trivial file (page size)",
        "feed (Django)": "trivial file (feed size)",
    }
    for name, rate in best.items():
        measured(f"requests per second for {name}", int(rate))
    print(f"{'address':<26} {'req/s':>9} {'ratio to its trivial file':>26}")
    failed = []
    for name, rate in best.items():
        line = f"{name:<26} {rate:>9.0f}"
        if name in pairs:
            ratio = rate / best[pairs[name]]
            line += f" {ratio:>25.0%}"
            if "(file)" in name and ratio < TARGET_RATIO:
                line += "  < target"
                failed.append(name)
        print(line)
    verdict(f"the page and the feed as files >= {TARGET_RATIO:.0%} of the trivial file.", failed)


if __name__ == "__main__":
    main()
