"""Read a response as a person reads a page: text with entities decoded."""

import html
import re


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def without_cell_labels(page: str) -> str:
    """A page's HTML without its table cells' column labels (`data-label`, shown before each
    cell on a narrow screen): the figures, cell by cell."""
    return re.sub(r' data-label="[^"]*"', "", page)
