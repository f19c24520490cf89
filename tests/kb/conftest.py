import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache():
    # Local-memory caches with the same location share storage across tests: start clean.
    cache.clear()
    yield
    cache.clear()
