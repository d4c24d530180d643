"""A template rendered to PDF with WeasyPrint (the reports, the person's export, the page of
estimated rights).

What does not change between documents is built once per process: the stylesheet of a kind of
document (parsed once, not with every download) and the resource fetcher. The documents embed
everything they show (inline SVG, `data:` images): the fetcher loads nothing else — no request
to the network or to the site itself while a coordinator waits."""

import contextlib
import functools
import gc
from collections.abc import Callable
from pathlib import Path

from django.template.loader import render_to_string

# Only `data:` URIs: a document never makes the server fetch a URL (the fetcher also costs an
# SSL context when built, so it is built once).
ALLOWED_PROTOCOLS = frozenset({"data"})


@functools.cache
def _url_fetcher():
    from weasyprint.urls import URLFetcher  # imported here: loading Pango takes a moment

    return URLFetcher(allowed_protocols=ALLOWED_PROTOCOLS)


@functools.cache
def stylesheet_load(path: Path):
    """The stylesheet at `path`, parsed once per process (WeasyPrint only reads it)."""
    from weasyprint import CSS

    return CSS(string=path.read_text(encoding="utf-8"), url_fetcher=_url_fetcher())


@contextlib.contextmanager
def _collector_paused():
    """Python's cyclic garbage collector paused while WeasyPrint lays out and draws: the
    document's thousands of boxes, lines and cells are young objects that the collector would
    otherwise walk again and again (measured: the yearly report's PDF ≈ 1.9 s → ≈ 1.4 s of
    processor time). What the layout leaves behind is collected as usual afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def pdf_from_template(
    template: str,
    context: dict,
    request=None,
    stylesheet: Path | None = None,
    prepare: Callable[[str], str] | None = None,
) -> bytes:
    """`template` rendered with `context` (and `request`, when given), as PDF bytes; with
    `stylesheet` (a CSS file, parsed once per process) after the template's own styles, and the
    HTML passed through `prepare` first when given (the report's table widths)."""
    from weasyprint import HTML

    html = render_to_string(template, context, request=request)
    if prepare is not None:
        html = prepare(html)
    stylesheets = [stylesheet_load(stylesheet)] if stylesheet is not None else None
    with _collector_paused():
        return HTML(string=html, url_fetcher=_url_fetcher()).write_pdf(stylesheets=stylesheets)
