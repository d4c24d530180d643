"""Bar charts drawn on the server as SVG: no JavaScript, readable in the PDF too.

Each chart is an image with a title and a description (role="img", <title>, <desc>); the figures
themselves are in the data table printed right after it, which is what assistive technologies
read. A hidden value (a small count for a viewer) draws no bar and shows its text ("< 5").
"""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .presentation.tables import Table

WIDTH = 640
LABEL_WIDTH = 230
VALUE_WIDTH = 70
ROW_HEIGHT = 26
BAR_HEIGHT = 18
PAD = 8
BAR_COLOUR = "#0b4f8a"  # the brand blue, 8.4:1 on white
TEXT_COLOUR = "#1b1b1b"


def _clip(label: str, limit: int = 34) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def bar_chart(table: Table, *, id_prefix: str = "graphique") -> SafeString:
    bars = table.chart_bars()
    if not bars:
        return mark_safe("")
    column = table.columns[table.chart_column]
    numbers = [value.raw for _label, value in bars if isinstance(value.raw, int | float)]
    top = max(numbers, default=0) or 1
    height = PAD * 2 + ROW_HEIGHT * len(bars)
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH - PAD
    ident = f"{id_prefix}-{table.slug}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        f'aria-labelledby="{ident}-titre {ident}-desc">',
        f'<title id="{ident}-titre">{escape(table.caption)} : {escape(column.lower())}</title>',
        f'<desc id="{ident}-desc">Diagramme en barres horizontales, une barre par ligne du '
        f"tableau « {escape(table.caption)} » qui suit et qui en donne les valeurs.</desc>",
    ]
    for index, (label, value) in enumerate(bars):
        y = PAD + index * ROW_HEIGHT
        middle = y + ROW_HEIGHT / 2 + 5
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{middle:.0f}" text-anchor="end" '
            f'font-size="13" fill="{TEXT_COLOUR}">{escape(_clip(label))}</text>'
        )
        length = 0.0
        if isinstance(value.raw, int | float) and value.raw > 0:
            length = max(1.0, span * value.raw / top)
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y + (ROW_HEIGHT - BAR_HEIGHT) / 2:.0f}" '
                f'width="{length:.1f}" height="{BAR_HEIGHT}" fill="{BAR_COLOUR}"/>'
            )
        parts.append(
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{middle:.0f}" font-size="13" '
            f'fill="{TEXT_COLOUR}">{escape(value.text)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text inside was escaped above
