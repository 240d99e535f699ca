"""The client's address, for rate limits and lockouts: a forged X-Forwarded-For is ignored
unless proxies of our own are declared, and then only the hops they added count."""

import pytest
from django.core.cache import caches
from django.test import RequestFactory
from django.urls import reverse

from core.client import client_ip

pytestmark = pytest.mark.django_db


def request_from(remote, forwarded=None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from("203.0.113.9", "1.2.3.4")) == "203.0.113.9"


def test_behind_one_proxy_the_address_it_saw_counts(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = request_from("10.0.0.2", "1.2.3.4, 198.51.100.7")
    assert client_ip(request) == "198.51.100.7"  # 1.2.3.4 was written by the client


def test_behind_two_proxies_the_second_hop_from_the_right_counts(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    request = request_from("10.0.0.2", "1.2.3.4, 198.51.100.7, 10.0.0.1")
    assert client_ip(request) == "198.51.100.7"


@pytest.fixture
def three_a_minute():
    from rest_framework.settings import api_settings
    from rest_framework.throttling import AnonRateThrottle

    original = AnonRateThrottle.THROTTLE_RATES
    AnonRateThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "anon": "3/minute"}
    caches["default"].clear()
    yield
    AnonRateThrottle.THROTTLE_RATES = original
    caches["default"].clear()


def test_a_random_forwarded_for_header_does_not_reset_the_api_limit(client, three_a_minute):
    url = reverse("api:dimension-list")
    codes = [
        client.get(url, headers={"x-forwarded-for": f"192.0.2.{n}"}).status_code for n in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]


@pytest.mark.shared_cache
def test_the_api_limit_is_counted_where_every_worker_sees_it(client, three_a_minute, settings):
    """Counts live in a database table by default, not in one process's memory."""
    from core.models import RateCount

    assert settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache")
    url = reverse("api:dimension-list")
    for _ in range(3):
        client.get(url)
    assert RateCount.objects.get(key="anon:127.0.0.1").hits == 3
    assert client.get(url).status_code == 429
