"""A square picture (1080×1080 PNG) of the coming week's stops, and a text to post with it."""

import io
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from allervers.operators.models import Operator

from .queries import day_fr, hours_fr, partners_of, upcoming_stops

SIZE = 1080
BRAND = (11, 79, 138)
INK = (27, 27, 27)
DANGER = (164, 22, 26)
FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu")]
MAX_LINES = 6


@lru_cache(maxsize=16)
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in FONT_DIRS:
        if (folder / name).exists():
            return ImageFont.truetype(str(folder / name), size)
    return ImageFont.load_default(size)


def week_stops(operator: Operator):
    return upcoming_stops(operator, days=7)


def _fit(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> str:
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def social_png(*, operator: Operator, page_url: str) -> bytes:
    image = Image.new("RGB", (SIZE, SIZE), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, SIZE, 220], fill=BRAND)
    draw.text((60, 50), "Où est le bus", font=_font(72, bold=True), fill="white")
    draw.text((60, 140), "cette semaine ?", font=_font(52, bold=True), fill="white")
    y = 260
    stops = week_stops(operator)
    width = SIZE - 120
    for stop in stops[:MAX_LINES]:
        when = f"{day_fr(stop.date).capitalize()}, {hours_fr(stop.start_time, stop.end_time)}"
        colour = DANGER if stop.is_cancelled else INK
        where = f"ANNULÉ — {stop.site.name}" if stop.is_cancelled else stop.site.name
        draw.text(
            (60, y),
            _fit(draw, when, _font(40, bold=True), width),
            font=_font(40, True),
            fill=colour,
        )
        draw.text((60, y + 50), _fit(draw, where, _font(36), width), font=_font(36), fill=colour)
        y += 115
    if not stops:
        draw.text((60, y), "Pas de passage cette semaine.", font=_font(40, True), fill=INK)
    elif len(stops) > MAX_LINES:
        draw.text(
            (60, y), f"et {len(stops) - MAX_LINES} autres passages…", font=_font(34), fill=INK
        )
    draw.line([60, SIZE - 190, SIZE - 60, SIZE - 190], fill=BRAND, width=4)
    if operator.phone:
        draw.text(
            (60, SIZE - 170), f"Rendez-vous : {operator.phone}", font=_font(44, True), fill=BRAND
        )
    draw.text((60, SIZE - 95), _fit(draw, page_url, _font(32), width), font=_font(32), fill=INK)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def social_text(*, operator: Operator, page_url: str) -> str:
    stops = week_stops(operator)
    lines = ["Où est le bus cette semaine ?"]
    for stop in stops:
        line = f"- {day_fr(stop.date).capitalize()}, {hours_fr(stop.start_time, stop.end_time)} : "
        line += stop.site.name
        if stop.is_cancelled:
            line += f" — ANNULÉ ({stop.get_cancel_reason_display().lower()})"
        else:
            partners = [partner.name for partner in partners_of(stop)]
            if partners:
                line += f" (avec {', '.join(partners)})"
        lines.append(line)
    if not stops:
        lines.append("Pas de passage cette semaine.")
    lines.append("")
    lines.append("Venez avec ou sans rendez-vous, c'est gratuit.")
    if operator.phone:
        lines.append(f"Rendez-vous : {operator.phone}.")
    lines.append(f"Tous les passages : {page_url}")
    return "\n".join(lines)
