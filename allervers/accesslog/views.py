"""The coordinator's « Journal des accès »: read and filter the structure's access log, download
the filtered entries as CSV (a download that is itself logged)."""

import csv

from django.conf import settings
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.utils import timezone

from allervers.core.form_views import render_form
from allervers.core.roles import COORDINATOR_ROLES
from allervers.core.spreadsheets import spreadsheet_row
from allervers.core.tenancy import operator_view

from . import queries
from .chain import chain_verify
from .enums import Action
from .forms import JournalFilterForm
from .services import period_text, record

ENTRIES_PER_PAGE = 50
EXPORT_CHUNK = 2000
CSV_HEADER = [
    "date et heure",
    "compte",
    "action",
    "objet",
    "personne concernée",
    "adresse IP",
    "précision",
]


def _filtered(request) -> tuple[JournalFilterForm, queries.AccessLogEntryQuerySet | None]:
    """The filter form and the entries it selects (None when the filters are refused)."""
    form = JournalFilterForm(request.GET or None, operator=request.operator)
    if form.is_bound and not form.is_valid():
        return form, None
    data = form.cleaned_data if form.is_bound else {}
    entries = queries.journal(
        request.operator,
        start=data.get("start"),
        end=data.get("end"),
        user=data.get("compte"),
        action=data.get("action", ""),
        person_id=data.get("personne"),
    )
    return form, entries


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@operator_view(*COORDINATOR_ROLES)
def journal(request):
    form, entries = _filtered(request)
    page = None
    if entries is not None:
        page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
        found = queries.targets(request.operator, page.object_list)
        for entry in page.object_list:
            entry.target = found.get(entry.pk)
    return _page(request, form, page)


def _export_detail(form: JournalFilterForm) -> str:
    """The download's description in the log: the filters' shape, never a name."""
    data = form.cleaned_data if form.is_bound else {}
    person = f", personne n° {data['personne']}" if data.get("personne") else ""
    return f"journal des accès, {period_text(data.get('start'), data.get('end'))}{person} (CSV)"


def _page(request, form, page):
    return render_form(
        request,
        "accesslog/journal.html",
        {
            "form": form,
            "page": page,
            "query": _query_without_page(request),
            "retention_months": settings.ALLERVERS_ACCESS_LOG_MONTHS,
            "chain": chain_verify(request.operator),
        },
    )


class _Line:
    """A file-like object whose `write` returns the line written (for `csv.writer`)."""

    def write(self, line: str) -> str:
        return line


def _csv_lines(entries):
    """The CSV, line by line: the memory used stays that of one chunk of entries, whatever the
    number of entries."""
    writer = csv.writer(_Line(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff" + writer.writerow(CSV_HEADER)  # the mark makes Excel read the accents
    for entry in entries.iterator(chunk_size=EXPORT_CHUNK):
        yield writer.writerow(
            spreadsheet_row(
                [
                    timezone.localtime(entry.at).strftime("%d/%m/%Y %H:%M:%S"),
                    entry.user_email or "système",
                    entry.get_action_display(),
                    f"{entry.target_type} {entry.target_id}"
                    if entry.target_id
                    else entry.target_type,
                    entry.person_id or "",
                    entry.ip or "",
                    entry.detail,
                ]
            )
        )


@operator_view(*COORDINATOR_ROLES)
def journal_export(request):
    form, entries = _filtered(request)
    if entries is None:
        return _page(request, form, None)
    # Logged before the first line goes: a download cut halfway was still a download.
    download = record(request, Action.EXPORT_DOWNLOADED, detail=_export_detail(form))
    # The entries written until this download (not the download itself, nor what follows).
    lines = _csv_lines(entries.filter(pk__lt=download.pk))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="journal-des-acces.csv"'
    return response
