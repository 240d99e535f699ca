import gzip
import hashlib
import secrets
import threading
from collections import OrderedDict
from inspect import iscoroutinefunction

from corsheaders import middleware as cors_middleware
from django.conf import settings
from django.contrib.auth import middleware as auth_middleware
from django.contrib.messages import middleware as messages_middleware
from django.contrib.sessions import middleware as sessions_middleware
from django.http import JsonResponse
from django.middleware import csp as csp_middleware
from django.middleware import gzip as gzip_middleware
from django.middleware import http as http_middleware
from django.shortcuts import render
from django.utils.cache import patch_cache_control, patch_vary_headers, set_response_etag
from django.utils.csp import CSP, build_policy
from django.utils.decorators import sync_and_async_middleware
from django_otp import middleware as otp_middleware
from simple_history import middleware as history_middleware

API_CACHE_SECONDS = getattr(settings, "API_CACHE_SECONDS", 300)


def api_cache_control(get_response):
    """Public GETs of the API may be cached by browsers and proxies for a few minutes; the
    data changes only when an editor publishes."""
    # What patch_cache_control writes on a response that has no Cache-Control of its own,
    # which is every answer of the API: written as it is rather than parsed and rebuilt.
    public = f"public, max-age={API_CACHE_SECONDS}"

    def middleware(request):
        response = get_response(request)
        if (
            request.path.startswith("/api/")
            and request.method in ("GET", "HEAD")
            and response.status_code in (200, 304)
        ):
            if "Cache-Control" in response:
                patch_cache_control(response, public=True, max_age=API_CACHE_SECONDS)
            else:
                response.headers["Cache-Control"] = public
            patch_vary_headers(response, ["Accept"])
        return response

    return middleware


# Request headers that make a GET conditional (RFC 9110, section 13.1), as WSGI names them.
_CONDITIONAL_HEADERS = (
    "HTTP_IF_MATCH",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
)


class ConditionalGetMiddleware(http_middleware.ConditionalGetMiddleware):
    """Django's: an ETag on every GET, and 304 or 412 for a request whose conditions say
    so. A request with none of the conditional headers (most of them) can have no other
    answer than the response itself, so Django's evaluation of the conditions, a tenth
    of the middleware's share of a small answer, is run only when one is there."""

    def process_response(self, request, response):
        if request.method != "GET":
            return response
        if not any(header in request.META for header in _CONDITIONAL_HEADERS):
            if self.needs_etag(response) and not response.has_header("ETag"):
                set_response_etag(response)
            return response
        return super().process_response(request, response)


class CorsMiddleware(cors_middleware.CorsMiddleware):
    """django-cors-headers', passing on requests that carry no Origin header: no browser
    made them cross-origin, and all the library does to their answer is add `origin` to
    Vary, which is done here without its preflight check and header parsing. Preflight
    requests (OPTIONS) and every request with an Origin go through the library."""

    def __call__(self, request):
        if self.async_mode or "HTTP_ORIGIN" in request.META or request.method == "OPTIONS":
            return super().__call__(request)
        response = self.get_response(request)
        if self.is_enabled(request):
            patch_vary_headers(response, ("origin",))
        return response


def refuse_nul_parameters(get_response):
    """A NUL character fits no database column (PostgreSQL refuses it outright), so a query
    parameter holding one is answered 400 here, for every page, endpoint and admin view,
    rather than by each view or as a database error."""

    def middleware(request):
        # A NUL reaches a parameter only as itself or as %00: most requests have neither,
        # and need not have their query string parsed here.
        query = request.META.get("QUERY_STRING", "")
        if "%00" not in query and "\x00" not in query:
            return get_response(request)
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                parameter = name.replace("\x00", "")
                message = f"{parameter}: null characters are not allowed."
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"detail": message, "errors": {parameter: [message]}}, status=400
                    )
                return render(request, "400.html", {"errors": [message]}, status=400)
        return get_response(request)

    return middleware


class ContentSecurityPolicyMiddleware(csp_middleware.ContentSecurityPolicyMiddleware):
    """Django's, writing each policy once: without a nonce (no page asked for one, as no
    API answer does) a policy's text depends on its settings only, and building it was a
    twentieth of a small answer's time in Django. A response that used the nonce, or
    carries a policy of its own, is served by Django's code as before."""

    def __init__(self, get_response):
        super().__init__(get_response)
        self._written = {}  # header -> (config, policy text)

    def process_response(self, request, response):
        if (
            csp_middleware.get_nonce(request)
            or hasattr(response, "_csp_config")
            or hasattr(response, "_csp_ro_config")
        ):
            return super().process_response(request, response)
        for header, config in [
            (CSP.HEADER_ENFORCE, settings.SECURE_CSP),
            (CSP.HEADER_REPORT_ONLY, settings.SECURE_CSP_REPORT_ONLY),
        ]:
            if config and header not in response:
                written = self._written.get(header)
                if written is None or written[0] is not config:
                    written = self._written[header] = (config, build_policy(config, None))
                response.headers[str(header)] = written[1]
        return response


class GZipMiddleware(gzip_middleware.GZipMiddleware):
    """Django's gzip, made cheap for the large pages that are asked for again and again.

    A county map page is about 1.1 MB of SVG: Django compresses it at level 6 in 45 ms of
    CPU, three times the time taken to render it. Level 4 takes 12 ms for 12% more bytes,
    and since such a page changes only when an editor publishes, each process keeps the
    last few compressed bodies by their digest (2.7 ms) and reuses them. Responses keep
    Django's guard against BREACH: a random-length file name in every gzip header."""

    LEVEL = 4
    REUSED_FROM_BYTES = 64 * 1024  # below this, compressing costs less than keeping it
    KEPT_BYTES = 16 * 1024 * 1024  # compressed bodies kept per process, at most

    def __init__(self, get_response):
        super().__init__(get_response)
        self._kept = OrderedDict()  # digest of a body -> its compressed gzip member
        self._kept_bytes = 0
        self._lock = threading.Lock()

    def process_response(self, request, response):
        if (
            response.streaming
            or len(response.content) < self.REUSED_FROM_BYTES
            or response.has_header("Content-Encoding")
        ):
            return super().process_response(request, response)
        patch_vary_headers(response, ("Accept-Encoding",))
        if not gzip_middleware.re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
            return response
        member = self._compressed(response.content)
        # Django's layout: the 10-byte header flagged FNAME, a random name, then the data.
        header = bytearray(member[:10])
        header[3] = gzip.FNAME
        name = secrets.token_hex(secrets.randbelow(self.max_random_bytes // 2) + 1).encode()
        response.content = bytes(header) + name + b"\0" + member[10:]
        response.headers["Content-Length"] = str(len(response.content))
        etag = response.get("ETag")
        if etag and etag.startswith('"'):
            response.headers["ETag"] = "W/" + etag
        response.headers["Content-Encoding"] = "gzip"
        return response

    def _compressed(self, content: bytes) -> bytes:
        digest = hashlib.blake2b(content, digest_size=16).digest()
        with self._lock:
            member = self._kept.get(digest)
            if member is not None:
                self._kept.move_to_end(digest)
                return member
        member = gzip.compress(content, compresslevel=self.LEVEL, mtime=0)
        with self._lock:
            if digest not in self._kept:
                self._kept[digest] = member
                self._kept_bytes += len(member)
            while self._kept_bytes > self.KEPT_BYTES:
                _, dropped = self._kept.popitem(last=False)
                self._kept_bytes -= len(dropped)
        return member


# --- middleware the read-only API does without ------------------------------------------
#
# The API reads no session, no user and no messages (its views authenticate nobody and write
# nothing), yet every request to it went through the middleware that provide them, a
# tenth of a small answer's time in Django. These subclasses pass API requests straight on
# and serve every other path as Django's own do. They are subclasses so that the admin's
# checks still find the session, authentication and message middleware it needs.


def is_api(request) -> bool:
    return request.path.startswith("/api/")


class SessionMiddleware(sessions_middleware.SessionMiddleware):
    def __call__(self, request):
        return self.get_response(request) if is_api(request) else super().__call__(request)


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    def __call__(self, request):
        return self.get_response(request) if is_api(request) else super().__call__(request)


class OTPMiddleware(otp_middleware.OTPMiddleware):
    def __call__(self, request):
        return self.get_response(request) if is_api(request) else super().__call__(request)


class MessageMiddleware(messages_middleware.MessageMiddleware):
    def __call__(self, request):
        return self.get_response(request) if is_api(request) else super().__call__(request)


@sync_and_async_middleware
def history_request_middleware(get_response):
    """simple_history's: records who made a change; the API makes none."""
    recorded = history_middleware.HistoryRequestMiddleware(get_response)
    if iscoroutinefunction(get_response):

        async def middleware(request):
            return await (get_response(request) if is_api(request) else recorded(request))

    else:

        def middleware(request):
            return get_response(request) if is_api(request) else recorded(request)

    return middleware
