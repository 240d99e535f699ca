"""Security headers on every page: a strict Content-Security-Policy that the pages keep (no
inline script or style without the response's nonce), HSTS and the HTTPS redirect when HTTPS
is declared."""

import re

import pytest
from django.urls import reverse

from policies.models import Instrument

PAGES = [
    "/",
    "/jurisdictions/",
    "/jurisdictions/il-cook-county/",
    "/compare/?j=06&j=48",
    "/map/",
    "/map/?dimension=detainer-holds&level=state&as_of=2019-06-01",
    "/codebook/",
    "/sources/",
    "/downloads/",
    "/about/",
    "/nowhere/",
    "/jurisdictions/?page=abc",
    "/api/v1/docs/",
    "/api/v1/redoc/",
]
ADMIN_PAGES = [
    "admin:index",
    "admin:policies_instrument_changelist",
    "admin:policies_instrument_add",
    "admin:jurisdictions_jurisdiction_changelist",
    "admin:login",
]

INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)(?![^>]*application/json)[^>]*>"
)
INLINE_STYLE = re.compile(r"<style(?![^>]*\bnonce=)[^>]*>")
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle=", re.IGNORECASE)


def assert_strict(response, url):
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy, url
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, url
    assert "frame-ancestors 'none'" in policy, url
    if response["Content-Type"].startswith("text/html"):
        text = response.content.decode()
        assert not INLINE_SCRIPT.search(text), f"{url}: {INLINE_SCRIPT.search(text)[0]}"
        assert not INLINE_STYLE.search(text), f"{url}: {INLINE_STYLE.search(text)[0]}"
        assert not STYLE_ATTRIBUTE.search(text), f"{url}: {STYLE_ATTRIBUTE.search(text)[0]}"


@pytest.mark.django_db
def test_every_public_page_has_a_strict_policy_and_keeps_it(client, seeded):
    for url in PAGES:
        assert_strict(client.get(url), url)
    instrument = Instrument.objects.published().first()
    assert_strict(client.get(f"/instruments/{instrument.pk}/"), "instrument")


@pytest.mark.django_db
def test_the_api_and_the_health_check_carry_the_policy_too(client, seeded):
    for url in ["/api/v1/dimensions/", "/healthz", "/api/v1/docs/?script"]:
        assert "default-src 'self'" in client.get(url)["Content-Security-Policy"], url


@pytest.mark.django_db
def test_admin_pages_have_the_policy_and_keep_it(client, bob, seeded):
    client.force_login(bob)
    for name in ADMIN_PAGES:
        assert_strict(client.get(reverse(name)), name)
    instrument = Instrument.objects.published().first()
    for view in ("change", "history"):
        url = reverse(f"admin:policies_instrument_{view}", args=[instrument.pk])
        assert_strict(client.get(url), url)


@pytest.mark.django_db
def test_declaring_https_redirects_plain_http_and_sends_hsts(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    redirect = client.get("/codebook/")
    assert redirect.status_code == 301
    assert redirect["Location"] == "https://testserver/codebook/"
    secure = client.get("/codebook/", secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert client.get("/healthz").status_code == 200  # the container's own probe


@pytest.mark.django_db
def test_without_https_declared_there_is_no_hsts(client):
    response = client.get("/codebook/", secure=True)
    assert "Strict-Transport-Security" not in response
