"""T3's limits through the production cache (security.md §6 T3; ADR 7): django-ratelimit on
Redis (django-redis), as ``JUZHU_CACHE_URL`` sets it, so every process and machine counts
together. Two separate Django cache connections stand for two processes: what one counts,
the other sees. Needs Redis on 127.0.0.1:6379 (``scripts/ensure-redis.sh``, run by ``make
test``); Redis database 15 is used and emptied.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.local import Local
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from fixtures.officers import make_officer
from juzhu.backoffice import auth as office_auth

pytestmark = pytest.mark.django_db
REDIS = "redis://127.0.0.1:6379/15"


@pytest.fixture()
def redis_cache(settings: Any) -> Iterator[None]:
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
        }
    }
    cache = caches["default"]
    try:
        cache.clear()
    except Exception as exc:  # noqa: BLE001 - say what to run, whatever the client raised
        pytest.fail(f"Redis is not answering on {REDIS} ({exc}): run scripts/ensure-redis.sh")
    yield
    cache.clear()


def test_failures_counted_by_one_process_refuse_in_another(redis_cache: None) -> None:
    make_officer("bob")
    limit = int(office_auth.CLIENT_FAILURES.split("/")[0])
    attacker = Client(REMOTE_ADDR="203.0.113.77")
    for i in range(limit):
        r = attacker.post(reverse("backoffice:login"), {"username": f"n{i}", "password": "x"})
        assert r.status_code == 400
    caches.close_all()  # a new connection: another worker process, the same Redis
    caches._connections = Local()
    r = attacker.post(reverse("backoffice:login"), {"username": "bob", "password": "x" * 12})
    assert r.status_code == 429
    r = Client(REMOTE_ADDR="198.51.100.77").post(
        reverse("backoffice:login"), {"username": "bob", "password": "x" * 12}
    )
    assert r.status_code == 302  # bob, elsewhere, is not that client
