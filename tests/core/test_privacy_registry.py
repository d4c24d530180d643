"""The personal-data registry (`core/privacy.py`): every model that holds data about a resident
is answered for by an app's declaration, so that the person's export, her erasure and the daily
sweep reach it (docs/privacy.md, « The registry »)."""

from django.apps import apps
from django.db import models

from allervers.core import privacy


def test_every_model_with_a_personal_field_is_covered_by_a_registered_holder():
    missing = privacy.personal_models() - privacy.covered_models()
    assert not missing, (
        f"{sorted(missing)} hold personal data but no app's `privacy.py` declares them: add "
        "them to a `PersonDataHolder` (docs/privacy.md, « The registry »), or to "
        "`NOT_ABOUT_RESIDENTS` with the reason when they are about the team or an organisation."
    )


def test_the_rule_finds_the_known_holders_of_personal_data():
    found = privacy.personal_models()
    assert {
        "reception.Person",
        "reception.PersonConsent",
        "reception.Visit",
        "reception.ErasureRequest",
        "bookings.Appointment",
        "bookings.Registration",
        "accesslog.AccessLogEntry",
    } <= found
    assert not found & set(privacy.NOT_ABOUT_RESIDENTS)


def test_the_rule_reads_person_links_names_and_contacts_from_meta():
    person = apps.get_model("reception", "Person")
    link = models.ForeignKey(person, on_delete=models.CASCADE)
    link.set_attributes_from_name("whoever")
    assert privacy.is_personal(link)
    for name, field in (
        ("phone", models.CharField(max_length=20)),
        ("first_name", models.CharField(max_length=20)),
        ("person_id", models.BigIntegerField()),
        ("contact", models.EmailField()),
    ):
        field.set_attributes_from_name(name)
        assert privacy.is_personal(field), name
    other = models.CharField(max_length=20)
    other.set_attributes_from_name("title")
    assert not privacy.is_personal(other)


def test_a_model_left_out_of_its_app_s_declaration_fails_the_check(monkeypatch):
    bookings = next(h for h in privacy.holders() if h.app_label == "bookings")
    monkeypatch.setitem(
        privacy._holders,
        "bookings",
        privacy.PersonDataHolder(
            app_label="bookings", position=bookings.position, models=("bookings.Appointment",)
        ),
    )
    assert privacy.personal_models() - privacy.covered_models() == {"bookings.Registration"}


def test_every_declared_model_exists_and_each_app_declares_only_its_own():
    for holder in privacy.holders():
        for label in holder.models:
            model = apps.get_model(label)
            assert model._meta.app_label == holder.app_label, label


def test_the_holders_come_in_their_order_reception_first_and_the_access_log_last():
    labels = [holder.app_label for holder in privacy.holders()]
    assert labels[0] == "reception" and labels[-1] == "accesslog"
    assert {"bookings", "screening"} <= set(labels)
