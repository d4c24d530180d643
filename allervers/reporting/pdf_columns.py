"""The report's PDF tables with their column widths given (`table-layout: fixed`), so that
WeasyPrint does not measure every cell twice (its automatic layout lays out each cell's text for
its narrowest and its widest width, then again in the chosen width: ≈ 0.2 s of the demo year's
PDF).

The widths are those the automatic layout would choose (CSS 2.1, 17.5.2.2), computed here from
the font's advance widths instead of laying the text out: each column at least as wide as its
longest word (a label wraps between its words, never inside one — issue 27), the rest of the
page's width shared in proportion to what each column's longest text would need on one line.
A table whose words do not fit side by side at the stylesheet's size is set smaller (down to
6 pt) so that it stays inside the page's margins; a document set in another font than the one
measured (DejaVu Sans, missing on this machine) keeps the automatic layout.

The sizes below are those of `report_pdf.css` (font sizes, cell paddings, the page's margins in
`report_pdf.html`); a change there is a change here.
"""

import functools
import re
from html.parser import HTMLParser
from pathlib import Path

POINTS_PER_CM = 72 / 2.54
# A4 (21 cm) less the page's margins (1.8 cm each side) and the body's (8 px = 6 pt each side,
# the browsers' default), less a point for the rounding of the widths below.
PAGE_WIDTH = (21 - 2 * 1.8) * POINTS_PER_CM - 2 * 6 - 1
FONT_FILES = {
    False: ("DejaVuSans.ttf",),
    True: ("DejaVuSans-Bold.ttf",),
}
FONT_FOLDERS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/local/share/fonts"),
)
# (font size, horizontal padding of a cell) in points, by the table's class.
SIZES = {"headline-figures": (9.5, 10.0), "key-figures": (9.0, 8.0)}
DEFAULT_SIZE = (7.5, 8.0)
# The smallest type a table is set in to stay inside the page (still legible on paper).
SMALLEST_SIZE = 6.0
FIRST_COLUMN_SHARES = {"headline-figures": 0.36, "key-figures": 0.36}
DEFAULT_FIRST_COLUMN_SHARE = 0.22
# A cell's share of the collapsed borders (0.5 pt, half on each side), and half a point more
# than measured: kerning never makes a word wider than its advances, but the widths are rounded.
BORDER = 0.5
SLACK = 0.5
PIECES = re.compile(r"(\s+)")
NEWLINES = re.compile("\n")


@functools.cache
def _advances(bold: bool) -> tuple[dict[int, float], float] | None:
    """{code point: advance in em} of DejaVu Sans (bold or not) and its widest advance; None when
    the font is not installed."""
    try:
        from fontTools.ttLib import TTFont
    except ImportError:  # pragma: no cover - WeasyPrint depends on fontTools
        return None
    for folder in FONT_FOLDERS:
        for name in FONT_FILES[bold]:
            path = folder / name
            if path.exists():
                font = TTFont(path, lazy=True)
                per_em = font["head"].unitsPerEm
                metrics = font["hmtx"].metrics
                advances = {
                    code: metrics[glyph][0] / per_em
                    for code, glyph in font.getBestCmap().items()
                    if glyph in metrics
                }
                return advances, max(advances.values())
    return None


def _width(text: str, bold: bool, size: float) -> float:
    """The width of `text` on one line, in points (an unknown character: the widest)."""
    advances, widest = _advances(bold)
    return sum(advances.get(ord(character), widest) for character in text) * size


class _Tables(HTMLParser):
    """Each <table>'s class, where its <caption> ends, and the text of each of its cells: (column,
    text, bold, nowrap)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self._table: dict | None = None
        self._cell: dict | None = None
        self._column = 0
        self._bold = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "table":
            self._table = {
                "start": self.getpos(),
                "classes": (attributes.get("class") or "").split(),
                "after_caption": None,
                "cells": [],
                "spans": False,
                "styled": "style" in attributes,
            }
            self.tables.append(self._table)
        elif self._table is None:
            return
        elif tag == "tr":
            self._column = 0
        elif tag in ("td", "th"):
            if "colspan" in attributes or "rowspan" in attributes:
                self._table["spans"] = True
            classes = (attributes.get("class") or "").split()
            self._cell = {
                "column": self._column,
                "parts": [],
                "th": tag == "th",
                "nowrap": "num" in classes,
            }
            self._column += 1
        elif tag in ("strong", "b") and self._cell is not None:
            self._bold += 1
        elif self._cell is not None and tag not in ("span", "abbr", "em", "i", "br"):
            self._table["spans"] = True  # anything richer: leave this table alone

    def handle_endtag(self, tag):
        if self._table is None:
            return
        if tag == "caption":
            self._table["after_caption"] = self.getpos()
        elif tag in ("td", "th") and self._cell is not None:
            self._table["cells"].append(self._cell)
            self._cell = None
        elif tag in ("strong", "b") and self._bold:
            self._bold -= 1
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["parts"].append((data, bool(self._bold) or self._cell["th"]))


def _cell_widths(parts: list[tuple[str, bool]], size: float) -> tuple[float, float]:
    """A cell's longest word and its whole text on one line, in points (pieces of text that
    touch, « <strong>45</strong>% », are one word)."""
    words, word, line = [], 0.0, 0.0
    started = space = False
    for data, bold in parts:
        for piece in PIECES.split(data):
            if not piece:
                continue
            if piece.isspace():
                if word:
                    words.append(word)
                    word = 0.0
                space = started
                continue
            if space:
                line += _width(" ", bold, size)
                space = False
            width = _width(piece, bold, size)
            word += width
            line += width
            started = True
    if word:
        words.append(word)
    return max(words, default=0.0), line


def _extents(table: dict, size: float, padding: float) -> tuple[list[float], list[float]]:
    """Each column's least width (its longest word, or its whole text where it never wraps) and
    its most (its widest text on one line), in points, cell padding and borders included."""
    count = 1 + max(cell["column"] for cell in table["cells"])
    least, most = [0.0] * count, [0.0] * count
    for cell in table["cells"]:
        word, line = _cell_widths(cell["parts"], size)
        column = cell["column"]
        least[column] = max(least[column], line if cell["nowrap"] else word)
        most[column] = max(most[column], line)
    least = [width + padding + BORDER + SLACK for width in least]
    most = [
        max(width + padding + BORDER + SLACK, low) for width, low in zip(most, least, strict=True)
    ]
    return least, most


def _size_to_fit(table: dict, padding: float) -> float | None:
    """The largest type size (in quarter points, at least `SMALLEST_SIZE`) at which the table's
    words stand side by side on the page; None when even the smallest is too wide."""
    least, _ = _extents(table, 1.0, padding)
    fixed = padding + BORDER + SLACK
    words = sum(width - fixed for width in least)
    size = int((PAGE_WIDTH - fixed * len(least)) / words * 4) / 4 if words else SMALLEST_SIZE
    return size if size >= SMALLEST_SIZE else None


def _column_widths(table: dict) -> tuple[list[float], float | None] | None:
    """The columns' widths in points, as the automatic layout would choose them, and the smaller
    type size the table needs to fit the page (None: the stylesheet's); None when the automatic
    layout must stay."""
    if table["spans"] or table["styled"] or not table["cells"]:
        return None
    classes = table["classes"]
    size, padding = next((SIZES[name] for name in classes if name in SIZES), DEFAULT_SIZE)
    share = next(
        (FIRST_COLUMN_SHARES[name] for name in classes if name in FIRST_COLUMN_SHARES),
        DEFAULT_FIRST_COLUMN_SHARE,
    )
    least, most = _extents(table, size, padding)
    smaller = None
    if sum(least) > PAGE_WIDTH:
        # Words that cannot stand side by side on the page at the stylesheet's size: the table
        # set smaller so that it stays inside the page's margins (a table wider than the text
        # ran to the paper's edge); where even the smallest size is too wide, every column at
        # its longest word, the table wider than the text (as the automatic layout does).
        smaller = _size_to_fit(table, padding)
        if smaller is None:
            return least, None
        least, most = _extents(table, smaller, padding)
    # The first column's percentage (report_pdf.css) is its width unless its words need more.
    first = max(least[0], share * PAGE_WIDTH)
    if sum(least[1:]) + first <= PAGE_WIDTH:
        least[0] = most[0] = first
    elif smaller is None:
        return None
    spare = PAGE_WIDTH - sum(least)
    growth = [high - low for low, high in zip(least, most, strict=True)]
    if sum(growth) >= spare:  # each column grows towards its widest text
        widths = [low + spare * grow / sum(growth) for low, grow in zip(least, growth, strict=True)]
        return widths, smaller
    # Every text fits on one line: the columns other than the first share what is left in
    # proportion to their widest text.
    spare = PAGE_WIDTH - sum(most)
    rest = sum(most[1:]) or 1.0
    return [most[0]] + [high + spare * high / rest for high in most[1:]], smaller


def tables_fix(document: str) -> str:
    """`document` (HTML) with each measurable table's columns given: `table-layout: fixed` and a
    <colgroup> of widths in points. Unchanged when DejaVu Sans is not installed."""
    if _advances(False) is None or _advances(True) is None:
        return document
    parser = _Tables()
    parser.feed(document)
    parser.close()
    # Where each line starts: the parser counts lines at "\n" only.
    starts = [0] + [found.end() for found in NEWLINES.finditer(document)]

    def offset(position: tuple[int, int]) -> int:
        line, column = position
        return starts[line - 1] + column

    inserts: list[tuple[int, str]] = []  # (where, what)
    for table in parser.tables:
        found = _column_widths(table)
        if found is None:
            continue
        widths, smaller = found
        start = offset(table["start"])
        tag_end = document.index(">", start)
        size = f"; font-size: {smaller:g}pt" if smaller else ""
        inserts.append((tag_end, f' style="table-layout: fixed{size}"'))
        colgroup = (
            "<colgroup>"
            + "".join(f'<col style="width: {width:.1f}pt">' for width in widths)
            + "</colgroup>"
        )
        if table["after_caption"] is not None:
            caption_end = document.index(">", offset(table["after_caption"])) + 1
        else:
            caption_end = tag_end + 1
        inserts.append((caption_end, colgroup))
    pieces, done = [], 0
    for where, what in sorted(inserts):
        pieces += [document[done:where], what]
        done = where
    return "".join(pieces) + document[done:]
