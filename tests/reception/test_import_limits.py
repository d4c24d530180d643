"""A file past the import's limits is refused early, in French, in bounded memory.

Each test builds its file first, then measures the peak memory (tracemalloc) of the upload's
check through the view: it stays under MEMORY_BOUND, the page stays small and nothing is saved.
"""

import io
import random
import string
import tracemalloc
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from allervers.reception import importing
from allervers.reception.importing import ImportRefused, visits_check
from allervers.reception.models import Visit
from allervers.reception.services.imports import visits_import
from allervers.reception.views import IMPORT_SESSION_KEY
from tests.html import text_of

pytestmark = pytest.mark.django_db

MEMORY_BOUND = 50 * 1024 * 1024  # peak Python memory of one refused upload
PAGE_BOUND = 60 * 1024  # bytes of the page that answers it
HEADER = "date;heure_arrivee;lieu;note\r\n"


def _upload(client, agent, name: str, content: bytes):
    """Post the file to the import page; return the response and the peak memory it took."""
    client.force_login(agent)
    upload = SimpleUploadedFile(name, content)
    tracemalloc.start()
    try:
        response = client.post(reverse("reception:visit_import"), {"file": upload})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return response, peak


def _assert_refused(client, agent, name: str, content: bytes, message: str):
    response, peak = _upload(client, agent, name, content)
    assert message in text_of(response)
    assert "Rien n'a été enregistré." in text_of(response)
    assert peak < MEMORY_BOUND, f"peak {peak / 2**20:.1f} MB"
    assert len(response.content) < PAGE_BOUND
    assert IMPORT_SESSION_KEY not in client.session
    with pytest.raises(ImportRefused):
        visits_import(
            operator=agent.memberships.get().operator, user=agent, name=name, content=content
        )
    assert not Visit.objects.exists()
    return response


def _xlsx(*rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


SHEET = "xl/worksheets/sheet1.xml"


def _xlsx_with_one_cell(chunks) -> bytes:
    """A workbook whose sheet holds one cell (B1) of text written from `chunks` (of bytes),
    its XML written straight into the zip (openpyxl cuts a cell to 32,767 characters)."""
    source = zipfile.ZipFile(io.BytesIO(_xlsx(["date"])))
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as workbook:
        for entry in source.infolist():
            if entry.filename != SHEET:
                workbook.writestr(entry, source.read(entry))
                continue
            with workbook.open(SHEET, "w", force_zip64=True) as sheet:
                sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/')
                sheet.write(b'2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>')
                sheet.write(b'date</t></is></c><c r="B1" t="inlineStr"><is><t>')
                for chunk in chunks:
                    sheet.write(chunk)
                sheet.write(b"</t></is></c></row></sheetData></worksheet>")
    return stream.getvalue()


def test_an_xlsx_of_200_kb_with_one_huge_cell_is_refused_with_an_excerpt(client, agent):
    """The reported case: one cell of ~270,000 characters (it made a 209 MB error page)."""
    noise = random.Random(11).choices(string.ascii_letters + string.digits, k=270_000)
    huge = "".join(noise)
    content = _xlsx_with_one_cell([huge.encode()])
    assert 150_000 < len(content) < 250_000
    response = _assert_refused(
        client,
        agent,
        "visites.xlsx",
        content,
        f"Ligne 1, colonne 2 : une cellule dépasse 1\u202f000 caractères (« {huge[:80]}… »).",
    )
    assert huge[:81] not in response.content.decode()


def _repeated(total: int):
    block = b"A" * 1024 * 1024
    return (block for _ in range(total // len(block)))


def test_a_decompression_bomb_is_refused_from_its_declared_sizes(client, agent):
    content = _xlsx_with_one_cell(_repeated(200 * 1024 * 1024))  # 200 MB of sheet
    assert len(content) < 500_000
    _assert_refused(
        client,
        agent,
        "visites.xlsx",
        content,
        "Ce classeur XLSX est anormalement gros une fois décompressé (200 Mo)",
    )


def test_an_xlsx_small_once_unzipped_but_absurdly_compressed_is_refused(client, agent):
    """10 MB of one letter: under the total limit, but no spreadsheet compresses 1,000 times."""
    content = _xlsx_with_one_cell(_repeated(10 * 1024 * 1024))
    assert len(content) < 50_000
    _assert_refused(
        client,
        agent,
        "visites.xlsx",
        content,
        "Ce classeur XLSX est anormalement gros une fois décompressé (10 Mo)",
    )


def test_a_zip_of_too_many_entries_is_refused(client, agent):
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        for number in range(importing.MAX_XLSX_ENTRIES + 1):
            archive.writestr(f"x/{number}.xml", b"<x/>")
    _assert_refused(
        client, agent, "visites.xlsx", stream.getvalue(), "contient 201 fichiers internes"
    )


def test_a_nul_byte_after_the_first_kilobytes_of_a_csv_is_refused(client, agent):
    lines = "".join(f"03/03/2025;09:00;Place;ligne {n}\r\n" for n in range(400))
    content = (HEADER + lines).encode() + b"\x00" + b"03/03/2025;09:00;Place;fin\r\n"
    assert content.index(b"\x00") > 4096
    _assert_refused(client, agent, "visites.csv", content, "contenu binaire")


def test_a_csv_in_an_unknown_encoding_is_refused(client, agent):
    content = HEADER.encode() + b"03/03/2025;09:00;Place;caf\x81\r\n"
    _assert_refused(client, agent, "visites.csv", content, "enregistrez-le en UTF-8")


def test_a_csv_of_too_many_lines_is_refused(client, agent):
    content = (HEADER + "x;y;z;n\r\n" * (importing.MAX_LINES + 1)).encode()
    _assert_refused(client, agent, "visites.csv", content, "Le fichier dépasse 10\u202f000 lignes")


def test_a_csv_of_exactly_the_most_lines_is_read(operator):
    """The limit itself is accepted: the lines are then checked one by one."""
    content = (HEADER + "x;09:00;z;n\r\n" * importing.MAX_LINES).encode()
    report = visits_check(operator=operator, name="v.csv", content=content)
    assert not report.file_errors
    assert report.lines_read == importing.MAX_LINES


def test_a_csv_of_too_many_columns_is_refused(client, agent):
    content = (";".join(f"c{n}" for n in range(importing.MAX_COLUMNS + 1)) + "\r\n").encode()
    _assert_refused(client, agent, "visites.csv", content, "La ligne 1 a 41 cellules remplies")


@pytest.mark.parametrize("length", [importing.MAX_CELL_CHARS + 1, 200_000])
def test_a_csv_cell_too_long_is_refused_in_french(client, agent, length):
    """200,000 characters is past the csv module's own limit (unless a library raised it)."""
    content = (HEADER + "03/03/2025;09:00;Place;" + "n" * length + "\r\n").encode()
    response = _assert_refused(
        client, agent, "visites.csv", content, "une cellule dépasse 1\u202f000 caractères"
    )
    assert "Ligne 2" in text_of(response)
    assert "n" * 81 not in text_of(response)


def test_a_file_past_the_size_limit_is_refused_before_reading(client, agent):
    content = HEADER.encode() + b"x" * importing.MAX_FILE_BYTES
    response, _ = _upload(client, agent, "visites.csv", content)
    assert response.status_code == 400
    assert "Le fichier est trop gros (2 Mo au plus)." in text_of(response)
    report = visits_check(operator=agent.memberships.get().operator, name="v.csv", content=content)
    assert report.file_errors == ["Le fichier est trop gros (2 Mo au plus)."]


def test_the_error_report_is_bounded(client, agent, operator):
    """500 faulty lines, each quoting a cell of 900 characters: 100 are shown, excerpted."""
    lieu = "L" * 900
    content = (HEADER + f"03/03/2025;09:00;{lieu};\r\n" * 500).encode()
    response, peak = _upload(client, agent, "visites.csv", content)
    page = text_of(response)
    assert "500 lignes en erreur sur 500" in page
    assert "… et 400 autres erreurs." in page
    assert f"Lieu « {'L' * 80}… » inconnu" in page
    assert "L" * 81 not in page
    assert len(response.content) < 100 * 1024
    assert peak < MEMORY_BOUND
    report = visits_check(operator=operator, name="v.csv", content=content)
    assert report.error_count == 500 and len(report.line_errors) == importing.MAX_ERRORS_SHOWN
    assert not Visit.objects.exists()
