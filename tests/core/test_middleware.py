"""A NUL character in any query parameter is a clear 400, never a database error; the API
passes by the session, user and message middleware that only pages use."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_api_answers_json_naming_the_parameter(client):
    response = client.get(reverse("api:jurisdiction-list"), {"q": "a\x00b"})
    assert response.status_code == 400
    assert response.json()["errors"] == {"q": ["q: null characters are not allowed."]}


def test_a_page_says_what_was_wrong(client):
    response = client.get(reverse("site:map"), {"dimension": "detainer\x00holds"})
    assert response.status_code == 400
    assert "dimension: null characters are not allowed." in response.content.decode()


def test_the_admin_search_is_covered_too(client, bob):
    client.force_login(bob)
    response = client.get(reverse("admin:policies_instrument_changelist"), {"q": "\x00"})
    assert response.status_code == 400


def test_the_api_passes_by_sessions_users_and_messages_and_pages_do_not(rf):
    from django.http import HttpResponse

    from core import middleware

    seen = {}

    def view(request):
        seen[request.path] = [
            name for name in ("session", "user", "_messages") if hasattr(request, name)
        ]
        return HttpResponse()

    chain = middleware.SessionMiddleware(
        middleware.AuthenticationMiddleware(
            middleware.OTPMiddleware(
                middleware.MessageMiddleware(middleware.history_request_middleware(view))
            )
        )
    )
    for path in ("/api/v1/jurisdictions/17031/", "/about/"):
        chain(rf.get(path))
    assert seen == {"/api/v1/jurisdictions/17031/": [], "/about/": ["session", "user", "_messages"]}
