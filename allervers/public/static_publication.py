"""The public schedule of a structure written as files, for any web server to serve.

`publish(operator, directory)` asks Django itself for every public answer of the operator —
its page, site pages, widget, accessibility page, feeds, open-data files and the API's JSON
answers (default query) — and writes each body as a file under `directory`, so the files are
exactly what Django serves (only the per-answer CSP nonce is left out: a static page carries
none, and its one inline script is JSON-LD data, which CSP does not run). The absolute
addresses in the bodies are those of `ALLERVERS_SITE_URL`.

Paths: an address ending in "/" is written as `index.html` inside it; an API address as
`index.json` inside it (`/api/v1/operators/<slug>/sites` → `…/sites/index.json`, since an
address is also the parent of others); the others (`agenda.ics`, `data-inclusion.json`...) as
themselves. Files are replaced one by one (written beside, then renamed), and the operator's
files that are no longer published (a site archived) are removed: a reader never sees a
half-written file. `deploy/nginx-static-publication.conf` serves the directory with the
headers Django would send (see docs/publication.md).

In production, with `ALLERVERS_STATIC_PUBLICATION_DIR` set, every committed planning write
enqueues a publication of its operator (`tasks.static_publish`), debounced: the writes of the
next `DEBOUNCE_SECONDS` are published by the same run.
"""

import os
import re
import shutil
import tempfile
import urllib.parse
from pathlib import Path

from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils.csp import CSP, build_policy

from allervers.operators.models import Operator

from .queries import public_partners, public_sites

NONCE = re.compile(rb' nonce="[^"]*"')
DEBOUNCE_SECONDS = 10
API_ANSWERS = ("operator_detail", "sites", "partners", "stops")


def publication_paths(operator: Operator) -> list[str]:
    """Every public address of the operator that a static copy can answer."""
    slug = operator.slug
    paths = [
        reverse("public:operator", args=[slug]),
        reverse("public:widget", args=[slug]),
        reverse("public:operator_accessibility", args=[slug]),
        reverse("public:feed", args=[slug]),
        reverse("public:data_inclusion", args=[slug]),
        reverse("public:lieux_mediation", args=[slug]),
    ]
    for site in public_sites(operator):
        paths.append(reverse("public:site", args=[slug, site.slug]))
        paths.append(reverse("public:site_feed", args=[slug, site.slug]))
    for partner in public_partners(operator):
        paths.append(reverse("public:partner_feed", args=[slug, partner.slug]))
    paths += [reverse(f"public:api:{name}", args=[slug]) for name in API_ANSWERS]
    return paths


def file_of(path: str) -> str:
    """The file (relative to the publication directory) that answers an address."""
    relative = path.lstrip("/")
    if relative.endswith("/"):
        return relative + "index.html"
    if relative.startswith("api/"):
        return relative + "/index.json"
    return relative


def static_body(content: bytes, content_type: str) -> bytes:
    """A body as a static file holds it: without the per-answer CSP nonce."""
    return NONCE.sub(b"", content) if content_type.startswith("text/html") else content


class _SiteClient(Client):
    """Requests as the site's own scheme, whether TLS ends at a proxy (SECURE_PROXY_SSL_HEADER,
    read only when ALLERVERS_TRUSTED_PROXY_COUNT > 0) or at the server itself (the WSGI
    scheme): else SECURE_SSL_REDIRECT answers every address with a 301."""

    def __init__(self, scheme: str, **defaults):
        super().__init__(HTTP_X_FORWARDED_PROTO=scheme, **defaults)
        self.https = scheme == "https"

    def get(self, path, *args, **kwargs):
        return super().get(path, *args, secure=self.https, **kwargs)


def _client() -> Client:
    site = urllib.parse.urlsplit(settings.ALLERVERS_SITE_URL)
    return _SiteClient(site.scheme, HTTP_HOST=site.netloc)


class PublicationError(RuntimeError):
    """Django did not answer an address of the publication with its page (never expected)."""


def _write(target: Path, body: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and target.read_bytes() == body:
        return  # unchanged: its date (and the server's ETag) stay
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".publishing-")
    with os.fdopen(handle, "wb") as file:
        file.write(body)
    os.chmod(temporary, 0o644)
    os.replace(temporary, target)


def _owned_files(directory: Path, operator: Operator) -> set[Path]:
    roots = [directory / operator.slug, directory / "api" / "v1" / "operators" / operator.slug]
    return {path for root in roots if root.exists() for path in root.rglob("*") if path.is_file()}


def publish(operator: Operator, directory: str | Path) -> list[str]:
    """Write the operator's public answers under `directory`; the files written (relative)."""
    directory = Path(directory)
    client = _client()
    written = []
    for path in publication_paths(operator):
        response = client.get(path)
        if response.status_code != 200:
            raise PublicationError(f"{path} answered {response.status_code}")
        relative = file_of(path)
        _write(directory / relative, static_body(response.content, response["Content-Type"]))
        written.append(relative)
    for stale in _owned_files(directory, operator) - {directory / name for name in written}:
        stale.unlink()
    _leave_old_address(directory, operator)
    # The OpenAPI description, shared by every operator.
    response = client.get(reverse("public:api:openapi-json"))
    _write(directory / "api/v1/openapi.json", response.content)
    _write(directory / NGINX_DIRECTORY / f"{operator.slug}.conf", nginx_locations(operator))
    return written


# Read by the server configuration (`include <directory>/.nginx/*.conf;`), never served: the
# configuration refuses every dotted path.
NGINX_DIRECTORY = ".nginx"


SLUG = re.compile(r"[-a-z0-9_]+")


def _slug_marker(directory: Path, operator: Operator) -> Path:
    """Where the address an operator was last published under is kept (never served)."""
    return directory / NGINX_DIRECTORY / f"operator-{operator.pk}.slug"


def redirect_page(new_url: str) -> bytes:
    """The page left at an old address: it sends the reader to the new one."""
    return (
        '<!doctype html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="refresh" content="0; url={new_url}">\n'
        "<title>Cette page a changé d'adresse</title>\n</head>\n<body>\n"
        f'<p>Cette page a changé d\'adresse : <a href="{new_url}">{new_url}</a>.</p>\n'
        "</body>\n</html>\n"
    ).encode()


def _leave_old_address(directory: Path, operator: Operator) -> None:
    """After a change of the operator's address (its slug): its old folders are removed — a
    server must not keep serving the old schedule — and the old address gets a redirect (a page,
    and a permanent redirect in the server configuration)."""
    marker = _slug_marker(directory, operator)
    old = marker.read_text().strip() if marker.exists() else ""
    taken = Operator.objects.filter(slug=old).exists()  # another structure's address now
    if old and old != operator.slug and SLUG.fullmatch(old) and not taken:
        for root in (directory / old, directory / "api" / "v1" / "operators" / old):
            if root.is_dir():
                shutil.rmtree(root)
        new_url = reverse("public:operator", args=[operator.slug])
        _write(directory / old / "index.html", redirect_page(new_url))
        _write(
            directory / NGINX_DIRECTORY / f"{old}.conf",
            (
                f"# Written by Allervers: « {old} » is now « {operator.slug} ».\n"
                f"location ^~ /{old}/ {{\n"
                f"    rewrite ^/{old}/(.*)$ /{operator.slug}/$1 permanent;\n"
                "}\n"
            ).encode(),
        )
    _write(marker, operator.slug.encode())


def static_policy(config: dict) -> str:
    """A CSP for static copies: the site's, without nonce (a static page runs no script; its
    JSON-LD is data, which CSP does not concern)."""
    return build_policy(
        {
            name: [value for value in values if value is not CSP.NONCE]
            for name, values in config.items()
        }
    )


def nginx_locations(operator: Operator) -> bytes:
    """The operator's widget location: the only framable page, by its listed sites only (the
    `frame-ancestors` the widget view sets)."""
    from .views import widget_origins

    widget = reverse("public:widget", args=[operator.slug])
    config = {**settings.SECURE_CSP, "frame-ancestors": [CSP.SELF, *widget_origins(operator)]}
    return (
        f"# Written by Allervers' static publication of « {operator.slug} »: do not edit.\n"
        f"location = {widget} {{\n"
        f'    add_header Content-Security-Policy "{static_policy(config)}" always;\n'
        '    add_header Cache-Control "no-cache" always;\n'
        '    add_header X-Content-Type-Options "nosniff" always;\n'
        "    try_files $uri/index.html =404;\n"
        "}\n"
    ).encode()
