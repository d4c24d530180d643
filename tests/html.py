"""Read a response as a person reads a page: text with entities decoded."""

import html


def text_of(response) -> str:
    return html.unescape(response.content.decode())
