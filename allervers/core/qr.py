"""QR codes (segno): inline SVG for pages, PNG for print and tests."""

import io

import segno


def qr_svg(url: str, *, title: str) -> str:
    """An inline <svg> (no XML prolog) with an accessible title."""
    return segno.make(url, error="m").svg_inline(scale=4, title=title, border=2)


def qr_png(url: str, *, scale: int = 10) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
