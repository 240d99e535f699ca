"""A second coder sees nothing of the first coding through any page, export or API call
until both codings are submitted: every address the recorded-responses test requests, the
instrument's own addresses, and the draft previews of its places, asked by the blind coder."""

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from coding.services import coding_assign_second, coding_submit
from jurisdictions.models import Jurisdiction
from policies.models import Dimension, ReviewState
from tests.factories import make_instrument, make_provision
from tests.policyhub.recorded.responses import urls

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

SECRET = "secret-first-coding-pinpoint"
TITLE = "Ordinance under blind coding"


def text_of(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def test_a_blind_coder_finds_the_first_coding_nowhere(alice):
    dave = User.objects.create_user("dave", "dave@example.org", "pw-for-tests-only")
    dave.is_staff = True
    dave.save()
    dave.groups.add(Group.objects.get(name="curators"))
    cook = Jurisdiction.objects.get(fips="17031")
    instrument = make_instrument(cook, title=TITLE, review_state=ReviewState.IN_REVIEW)
    make_provision(instrument, Dimension.objects.get(slug="detainer-holds"), "honored")
    instrument.provisions.update(pinpoint=SECRET)
    mine = coding_assign_second(instrument=instrument, coder=dave, batch="B1", first_coder=alice)

    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(pk=dave.pk))
    own = [
        f"/instruments/{instrument.pk}/",
        f"/api/v1/instruments/{instrument.pk}/",
        f"/api/v1/provisions/?instrument={instrument.pk}",
        f"/jurisdictions/{cook.slug}/?preview=drafts",
        f"/jurisdictions/{cook.parent.slug}/?preview=drafts",
        "/search/?q=blind+coding",
        "/api/v1/changes/?since=2000-01-01",
    ]
    seen = []
    for url in [*urls(), *own]:
        response = client.get(url)
        assert response.status_code < 500, url
        text = text_of(response)
        if SECRET in text or TITLE in text:
            seen.append(url)
    assert seen == []

    # Once both codings are submitted the preview shows the draft to its curators again.
    coding_submit(assignment=mine, user=dave)
    preview = client.get(f"/jurisdictions/{cook.slug}/?preview=drafts")
    assert TITLE in text_of(preview) or SECRET in text_of(preview)
