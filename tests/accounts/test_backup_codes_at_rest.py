"""Backup codes are stored hashed (issue 23 point 6): the database holds no code a person could
type; the codes still work once each, after a secret-key change (its fallbacks), and the codes
stored in clear before are hashed by the data migration and keep working."""

import pytest
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from allervers.accounts.second_factor import (
    backup_code_digest,
    backup_codes_hash_existing,
    backup_codes_renew,
    code_check,
)
from tests.accounts.second_factor import enrol

pytestmark = pytest.mark.django_db


def test_new_codes_are_stored_as_digests_and_work_once(agent):
    enrol(agent)
    codes = backup_codes_renew(user=agent)
    stored = set(StaticToken.objects.filter(device__user=agent).values_list("token", flat=True))
    assert len(stored) == len(codes)
    assert not stored & set(codes)
    assert stored == {backup_code_digest(code) for code in codes}
    typed = f"{codes[0][:4]}-{codes[0][4:].upper()}"  # as people type it
    assert isinstance(code_check(user=agent, code=typed), StaticDevice)
    assert code_check(user=agent, code=typed) is None  # used up
    assert code_check(user=agent, code=backup_code_digest(codes[1])) is None  # the stored form
    assert StaticToken.objects.filter(device__user=agent).count() == len(codes) - 1


def test_codes_made_before_a_secret_key_change_still_work(agent, settings):
    enrol(agent)
    codes = backup_codes_renew(user=agent)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-for-this-test-only-0123456789"
    assert isinstance(code_check(user=agent, code=codes[0]), StaticDevice)
    assert code_check(user=agent, code=codes[0]) is None
    settings.SECRET_KEY_FALLBACKS = []
    assert code_check(user=agent, code=codes[1]) is None  # the old key gone: so are its codes


def test_the_migration_hashes_the_codes_kept_in_clear_and_they_keep_working(agent):
    enrol(agent)
    device = StaticDevice.objects.create(user=agent, name="Codes de secours", confirmed=True)
    device.token_set.create(token="abcd2345")
    device.token_set.create(token="wxyz6789")
    assert backup_codes_hash_existing(StaticToken) == 2
    assert backup_codes_hash_existing(StaticToken) == 0  # run again: nothing left in clear
    assert not StaticToken.objects.filter(token__in=["abcd2345", "wxyz6789"]).exists()
    assert code_check(user=agent, code="abcd-2345") == device
    assert code_check(user=agent, code="abcd2345") is None
