"""A template rendered to PDF with WeasyPrint (the reports, the person's export, the page of
estimated rights)."""

from django.template.loader import render_to_string


def pdf_from_template(template: str, context: dict, request=None) -> bytes:
    """`template` rendered with `context` (and `request`, when given: its absolute URL resolves
    the static files), as PDF bytes."""
    from weasyprint import HTML  # imported here: loading Pango takes a moment

    html = render_to_string(template, context, request=request)
    base_url = request.build_absolute_uri("/") if request is not None else None
    return HTML(string=html, base_url=base_url).write_pdf()
