"""Open data: the data·inclusion export validates against the official schema package."""

from data_inclusion.schema.v1 import Service, Structure


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
