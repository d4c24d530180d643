from tests.reception.conftest import topics  # noqa: F401
