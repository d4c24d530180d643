"""The production cache is shared by every worker process; the Redis client is installed."""

import importlib
import os
import uuid

from django.core.cache import cache


def test_the_production_default_cache_is_shared_between_processes():
    base = importlib.import_module("config.settings.base")
    backend = base.CACHES["default"]["BACKEND"]
    assert backend == "django.core.cache.backends.db.DatabaseCache"
    assert "locmem" not in backend.lower()


def test_the_redis_client_the_documentation_names_is_installed():
    from django.core.cache.backends.redis import RedisCache

    redis_cache = RedisCache("redis://127.0.0.1:6379/15", {})
    # Building the client imports the `redis` package: it must be in the locked requirements.
    assert redis_cache._cache._client.__module__.startswith("redis")


def test_the_cache_in_use_keeps_and_shares_a_value():
    key = f"probe-{uuid.uuid4().hex}"
    cache.set(key, "ok", 30)
    assert cache.get(key) == "ok"
    if os.environ.get("ALLERVERS_TEST_REDIS_URL"):
        from django.core.cache import caches

        assert type(caches["default"]).__name__ == "RedisCache"
