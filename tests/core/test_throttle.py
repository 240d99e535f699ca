"""The API's anonymous limit: atomic counts in the shared table, reserved by each worker
several requests at a time, fixed windows with an exact Retry-After, and no request lost
when workers count at once."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from core import throttle
from core.models import RateCount
from core.throttle import count_hit, leased_hit

pytestmark = [pytest.mark.shared_cache]


@pytest.fixture
def limit(settings):
    """Three requests a minute, with a clock the test sets."""
    from rest_framework.settings import api_settings
    from rest_framework.throttling import AnonRateThrottle

    original = AnonRateThrottle.THROTTLE_RATES
    AnonRateThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "anon": "3/minute"}
    clock = [1_800_000_030.0]  # 30 s into a minute
    throttle.SharedAnonRateThrottle.timer = lambda self: clock[0]
    yield clock
    AnonRateThrottle.THROTTLE_RATES = original
    throttle.SharedAnonRateThrottle.timer = throttle.time.time


@pytest.mark.django_db
def test_one_statement_counts_a_request(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert count_hit("anon:192.0.2.1", 120, now=100.0) == 1
    assert [count_hit("anon:192.0.2.1", 120, now=101.0) for _ in range(2)] == [2, 3]
    assert count_hit("anon:192.0.2.2", 120, now=101.0) == 1  # another client


@pytest.mark.django_db
def test_a_new_window_starts_again_and_a_late_request_counts_in_the_current_one():
    for _ in range(5):
        count_hit("anon:192.0.2.1", 120, now=100.0)
    assert count_hit("anon:192.0.2.1", 180, now=121.0) == 1
    # A worker whose request began just before the minute turned counts it in the new window.
    assert count_hit("anon:192.0.2.1", 120, now=119.9) == 2
    assert RateCount.objects.get(key="anon:192.0.2.1").window_end == 180


@pytest.mark.django_db
def test_rows_of_clients_that_stopped_are_swept(monkeypatch):
    monkeypatch.setattr(throttle, "_last_sweep", [0.0])
    count_hit("anon:192.0.2.1", 60, now=1.0)  # sweeps, nothing to delete
    count_hit("anon:192.0.2.2", 120, now=61.0)  # too soon to sweep again
    assert RateCount.objects.count() == 2
    count_hit("anon:192.0.2.3", 420, now=400.0)
    assert sorted(RateCount.objects.values_list("key", flat=True)) == ["anon:192.0.2.3"]


@pytest.mark.django_db
def test_the_api_answers_429_with_the_seconds_left_in_the_window(client, limit):
    url = reverse("api:dimension-list")
    codes = [client.get(url).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = client.get(url)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "30"
    limit[0] += 30  # the next minute
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_without_the_database_cache_the_cache_counts(client, limit, settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    url = reverse("api:dimension-list")
    assert [client.get(url).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert not RateCount.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_workers_counting_at_once_lose_no_request():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite's test database is in memory, one connection; PostgreSQL counts")
    from django.db import connections

    def worker():
        try:
            for _ in range(25):
                count_hit("anon:192.0.2.1", 120, now=100.0)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert RateCount.objects.get(key="anon:192.0.2.1").hits == 200


@pytest.mark.django_db
def test_a_worker_counts_many_requests_in_one_statement(django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        assert all(leased_hit("anon:192.0.2.1", 120, 100.0, 10_000) for _ in range(1000))
    assert RateCount.objects.get(key="anon:192.0.2.1").hits >= 1000


@pytest.mark.django_db
def test_a_worker_serves_exactly_the_limit_then_refuses_without_asking(
    django_assert_num_queries,
):
    allowed = [leased_hit("anon:192.0.2.1", 120, 100.0, 200) for _ in range(200)]
    assert allowed == [True] * 200
    with django_assert_num_queries(0):
        assert not any(leased_hit("anon:192.0.2.1", 120, 101.0, 200) for _ in range(50))
    assert RateCount.objects.get(key="anon:192.0.2.1").hits == 200


@pytest.mark.django_db
def test_workers_holding_reservations_never_let_a_client_past_its_limit(monkeypatch):
    workers = [{}, {}, {}]  # each process's reservations
    allowed = 0
    for n in range(400):
        monkeypatch.setattr(throttle, "_leases", workers[(n * 7 // 3) % 3])
        allowed += leased_hit("anon:192.0.2.1", 120, 100.0, 200)
    # Never more than the limit; what a worker reserved and was not asked for again is at
    # most a twentieth of what was left each time it reserved.
    assert 200 * 0.8 <= allowed <= 200
    assert count_hit("anon:192.0.2.1", 120, 101.0, 0) >= allowed


@pytest.mark.django_db
def test_a_new_window_brings_a_new_allowance():
    assert all(leased_hit("anon:192.0.2.1", 120, 100.0, 50) for _ in range(50))
    assert not leased_hit("anon:192.0.2.1", 120, 110.0, 50)
    assert leased_hit("anon:192.0.2.1", 180, 121.0, 50)
    assert RateCount.objects.get(key="anon:192.0.2.1").window_end == 180
