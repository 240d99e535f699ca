"""Large pages are compressed once per process and reused; every response still carries a
random gzip file name (Django's guard against BREACH) and decompresses to the page."""

import gzip

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from core import middleware
from core.middleware import GZipMiddleware

PAGE = b"".join(b'<path d="M%d,%d L%d,%d"/>\n' % (n, n * 7, n * 3, n % 97) for n in range(20000))


@pytest.fixture
def compressions(monkeypatch):
    calls = []
    real = gzip.compress

    def counting(data, *args, **kwargs):
        calls.append(len(data))
        return real(data, *args, **kwargs)

    monkeypatch.setattr(middleware.gzip, "compress", counting)
    return calls


def serve(gzip_middleware, body=PAGE, encoding="gzip, br"):
    headers = {"HTTP_ACCEPT_ENCODING": encoding} if encoding else {}
    request = RequestFactory().get("/map/", **headers)
    response = HttpResponse(body, content_type="image/svg+xml")
    response["ETag"] = '"abc"'
    return gzip_middleware.process_response(request, response)


def test_a_large_page_is_compressed_once_and_reused(compressions):
    gzip_middleware = GZipMiddleware(lambda request: None)
    first, second = serve(gzip_middleware), serve(gzip_middleware)
    assert len(PAGE) > GZipMiddleware.REUSED_FROM_BYTES
    assert compressions == [len(PAGE)]
    for response in (first, second):
        assert response["Content-Encoding"] == "gzip"
        assert response["Vary"] == "Accept-Encoding"
        assert response["ETag"] == 'W/"abc"'
        assert int(response["Content-Length"]) == len(response.content) < len(PAGE) / 3
        assert gzip.decompress(response.content) == PAGE


def test_every_response_names_its_gzip_member_at_random():
    gzip_middleware = GZipMiddleware(lambda request: None)
    names = set()
    for _ in range(20):
        content = serve(gzip_middleware).content
        assert content[3] & gzip.FNAME
        names.add(content[10 : content.index(b"\0", 10)])
    assert len(names) > 10


def test_another_page_is_compressed_afresh(compressions):
    gzip_middleware = GZipMiddleware(lambda request: None)
    serve(gzip_middleware)
    other = PAGE.replace(b"path", b"line")
    assert gzip.decompress(serve(gzip_middleware, other).content) == other
    assert len(compressions) == 2


def test_kept_bodies_stay_within_their_budget(monkeypatch):
    gzip_middleware = GZipMiddleware(lambda request: None)
    budget = len(gzip.compress(PAGE, compresslevel=GZipMiddleware.LEVEL)) * 5 // 2
    monkeypatch.setattr(GZipMiddleware, "KEPT_BYTES", budget)
    for n in range(5):
        serve(gzip_middleware, PAGE + b"<!-- %d -->" % n)
    assert 0 < gzip_middleware._kept_bytes <= budget
    assert len(gzip_middleware._kept) == 2


def test_without_gzip_accepted_the_page_goes_as_it_is(compressions):
    response = serve(GZipMiddleware(lambda request: None), encoding=None)
    assert response.content == PAGE
    assert not response.has_header("Content-Encoding")
    assert response["Vary"] == "Accept-Encoding"
    assert compressions == []


def test_small_pages_are_left_to_django(compressions):
    response = serve(GZipMiddleware(lambda request: None), body=b"<p>small</p>" * 100)
    assert response["Content-Encoding"] == "gzip"
    assert compressions == []  # Django's own compress_string, not the kept path
