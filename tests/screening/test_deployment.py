"""The web server's settings fit what the application does (docs/deployment.md, "Long work")."""

from django.conf import settings

from config import gunicorn


def test_gunicorn_waits_longer_than_the_longest_estimate():
    assert gunicorn.timeout >= 3 * settings.ALLERVERS_SCREENING_SECONDS
    assert callable(gunicorn.on_starting)  # the rules are loaded before the workers start
