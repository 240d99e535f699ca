"""The per-request shortcuts of the API (docs/benchmarks.md) answer exactly as the code
they stand in for: django-cors-headers, Django's conditional GET and cache headers, DRF's
time stamps, build_absolute_uri, and closing caches only where there is something to
close."""

import datetime as dt
import gc
import runpy
import zoneinfo
from pathlib import Path

import pytest
from corsheaders.middleware import CorsMiddleware as LibraryCorsMiddleware
from django.core import signals
from django.core.cache import close_caches
from django.http import HttpResponse
from django.middleware.http import ConditionalGetMiddleware as DjangoConditionalGet
from django.test import override_settings
from django.urls import get_resolver, reverse, set_script_prefix
from django.utils import timezone
from rest_framework import serializers
from rest_framework.request import Request

from core import middleware
from core.apps import _close_caches_only_if_needed
from core.shapes import link, timestamp


def answered(chain, request) -> tuple[int, dict]:
    response = chain(request)
    return response.status_code, dict(response.items())


def plain_view(request):
    return HttpResponse(b'{"a": 1}', content_type="application/json")


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("get", "/api/v1/jurisdictions/17031/", {}),
        ("get", "/api/v1/jurisdictions/17031/", {"origin": "https://example.org"}),
        ("head", "/api/v1/jurisdictions/17031/", {}),
        ("options", "/api/v1/jurisdictions/", {"access-control-request-method": "GET"}),
        (
            "options",
            "/api/v1/jurisdictions/",
            {"origin": "https://example.org", "access-control-request-method": "GET"},
        ),
        ("get", "/about/", {}),
        ("get", "/about/", {"origin": "https://example.org"}),
    ],
)
def test_cors_answers_as_the_library_does(rf, method, path, headers):
    request = getattr(rf, method)(path, headers=headers)
    assert answered(middleware.CorsMiddleware(plain_view), request) == answered(
        LibraryCorsMiddleware(plain_view), getattr(rf, method)(path, headers=headers)
    )


def test_a_request_without_an_origin_skips_the_library(rf, monkeypatch):
    def refused(*args, **kwargs):
        raise AssertionError("the library's preflight check ran")

    monkeypatch.setattr(LibraryCorsMiddleware, "check_preflight", refused)
    response = middleware.CorsMiddleware(plain_view)(rf.get("/api/v1/dimensions/"))
    assert response["Vary"] == "origin"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"if-none-match": '"x"'},
        {"if-none-match": "*"},
        {"if-match": '"x"'},
        {"if-modified-since": "Sat, 01 Jan 2000 00:00:00 GMT"},
        {"if-unmodified-since": "Sat, 01 Jan 2000 00:00:00 GMT"},
    ],
)
@pytest.mark.parametrize("cache_control", [None, "no-store", "public, max-age=300"])
def test_conditional_gets_are_answered_as_django_does(rf, headers, cache_control):
    def view(request):
        response = plain_view(request)
        if cache_control:
            response["Cache-Control"] = cache_control
        return response

    ours = middleware.ConditionalGetMiddleware(view)
    djangos = DjangoConditionalGet(view)
    assert answered(ours, rf.get("/api/v1/x/", headers=headers)) == answered(
        djangos, rf.get("/api/v1/x/", headers=headers)
    )
    # And with the ETag of the answer itself, which makes If-None-Match a 304.
    etag = djangos(rf.get("/api/v1/x/")).get("ETag", '"x"')  # none with no-store
    named = {name: etag if value == '"x"' else value for name, value in headers.items()}
    assert answered(ours, rf.get("/api/v1/x/", headers=named)) == answered(
        djangos, rf.get("/api/v1/x/", headers=named)
    )


@pytest.mark.parametrize(
    ("query", "status"),
    [("", 200), ("q=ok", 200), ("q=a%00b", 400), ("a%00=1", 400), ("q=%2500", 200)],
)
def test_only_a_real_nul_is_refused(rf, query, status):
    response = middleware.refuse_nul_parameters(plain_view)(rf.get(f"/api/v1/x/?{query}"))
    assert response.status_code == status


def test_the_api_cache_control_is_what_django_would_write(rf):
    from django.utils.cache import patch_cache_control

    expected = HttpResponse()
    patch_cache_control(expected, public=True, max_age=middleware.API_CACHE_SECONDS)
    answer = middleware.api_cache_control(plain_view)(rf.get("/api/v1/x/"))
    assert answer["Cache-Control"] == expected["Cache-Control"]

    def private(request):
        response = plain_view(request)
        response["Cache-Control"] = "no-transform"
        return response

    patched = middleware.api_cache_control(private)(rf.get("/api/v1/x/"))
    assert (
        patched["Cache-Control"] == f"no-transform, public, max-age={middleware.API_CACHE_SECONDS}"
    )


MOMENTS = [
    dt.datetime(2026, 11, 27, 5, 15, 13, tzinfo=dt.UTC),
    dt.datetime(2026, 11, 27, 5, 15, 13, 123456, tzinfo=dt.UTC),
    dt.datetime(2019, 6, 1, 23, 59, tzinfo=zoneinfo.ZoneInfo("America/Chicago")),
]


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("zone", [None, "America/New_York", "Asia/Kolkata"])
def test_time_stamps_are_written_as_drfs_field_writes_them(moment, zone):
    field = serializers.DateTimeField()
    if zone is None:
        assert timestamp(moment) == field.to_representation(moment)
    else:
        with timezone.override(zone):
            assert timestamp(moment) == field.to_representation(moment)
    assert timestamp(None) is None


@pytest.mark.parametrize("key", ["17031", 12, "il-cook-county", "a b", "x?y", "née"])
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost:8000"])
@pytest.mark.parametrize("drf", [False, True])
def test_links_are_what_build_absolute_uri_makes_of_reverse(rf, key, host, drf):
    request = rf.get("/api/v1/x/", headers={"host": host})
    expected = request.build_absolute_uri(reverse("api:jurisdiction-detail", args=[key]))
    asked = Request(request) if drf else request
    assert link(asked, "api:jurisdiction-detail", key) == expected
    # A second link of the same request, and another view, from the same templates.
    assert link(asked, "site:jurisdiction", "ga") == request.build_absolute_uri(
        reverse("site:jurisdiction", args=["ga"])
    )


def test_links_keep_the_script_prefix(rf):
    set_script_prefix("/policyhub/")
    try:
        request = rf.get("/api/v1/x/")
        assert (
            link(request, "site:jurisdiction", "ga")
            == "http://testserver/policyhub/jurisdictions/ga/"
        )
    finally:
        set_script_prefix("/")


class ClosingCache:
    """A backend with connections of its own to close, as Django's Redis and memcached
    backends have."""

    def close(self, **kwargs):
        pass


def closes_caches() -> bool:
    """Whether close_caches runs after each request (disconnect() says if it was there)."""
    connected = signals.request_finished.disconnect(close_caches)
    if connected:
        signals.request_finished.connect(close_caches)
    return connected


@pytest.fixture
def close_caches_connected():
    signals.request_finished.connect(close_caches)
    yield
    _close_caches_only_if_needed()


def with_backends(*backends):
    return override_settings(
        CACHES={f"c{i}": {"BACKEND": backend} for i, backend in enumerate(backends)}
    )


def test_the_settings_caches_are_not_closed_after_each_request():
    assert not closes_caches()


def test_caches_are_not_closed_when_none_has_anything_to_close(close_caches_connected):
    with with_backends(
        "django.core.cache.backends.db.DatabaseCache",
        "django.core.cache.backends.locmem.LocMemCache",
    ):
        _close_caches_only_if_needed()
    assert close_caches not in [
        receiver() for _, receiver, *_ in signals.request_finished.receivers
    ]


def test_a_cache_server_is_still_closed_after_each_request(close_caches_connected):
    with with_backends("django.core.cache.backends.locmem.LocMemCache", f"{__name__}.ClosingCache"):
        _close_caches_only_if_needed()
    assert closes_caches()


def test_a_worker_never_scans_what_it_loaded_again():
    config = runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))
    try:
        config["post_worker_init"](None)
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()


def test_no_other_api_path_starts_with_a_resources_prefix():
    """The router's patterns come first in policyhub/api_urls.py; a path after them that
    began with one of their prefixes could be taken by them."""
    from policyhub.api_urls import router

    prefixes = {prefix for prefix, _, _ in router.registry}
    api = next(p for p in get_resolver().url_patterns if getattr(p, "namespace", None) == "api")
    others = [
        str(p.pattern)
        for p in api.url_patterns
        if not hasattr(p, "callback") or not str(p.pattern).startswith("^")
    ]
    assert others
    assert not [path for path in others if path.split("/")[0] in prefixes]
