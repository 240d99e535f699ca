"""Curators see positions in the admin: what an instrument decides, and a jurisdiction's."""

import pytest
from django.urls import reverse

from jurisdictions.models import Jurisdiction
from policies.models import Instrument

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


def test_an_instruments_page_lists_the_positions_it_decides_today(client, alice):
    sb54 = Instrument.objects.get(title="California Values Act")
    client.force_login(alice)
    page = client.get(reverse("admin:policies_instrument_change", args=[sb54.pk]))
    text = page.content.decode()
    assert "this instrument decides" in text
    assert "Alameda County (06001)" in text
    assert "Detainer holds" in text or "detainer" in text.lower()


def test_a_draft_instruments_page_says_it_decides_nothing_public(client, alice):
    draft = Instrument.objects.get(title="Harris County 287(g) jail agreement")
    client.force_login(alice)
    page = client.get(reverse("admin:policies_instrument_change", args=[draft.pk]))
    assert "decides no public position (it is not published)" in page.content.decode()


def test_a_jurisdictions_page_shows_its_positions_with_provenance(client, alice):
    cook = Jurisdiction.objects.get(fips="17031")
    client.force_login(alice)
    text = client.get(reverse("admin:jurisdictions_jurisdiction_change", args=[cook.pk])).content
    text = text.decode()
    assert "Positions today, with provenance" in text
    assert "Cook County policy for responding to ICE detainers" in text
    assert "Preview including drafts" in text


def test_curators_can_preview_drafts_on_a_jurisdictions_page(client, alice):
    georgia = Jurisdiction.objects.get(fips="13")
    url = reverse("admin:jurisdictions_jurisdiction_change", args=[georgia.pk])
    client.force_login(alice)
    public = client.get(url).content.decode()
    preview = client.get(url, {"preview": "drafts"}).content.decode()
    assert "HB 1105 (2024): detainers, 287(g) applications and penalties" not in public
    assert "HB 1105 (2024): detainers, 287(g) applications and penalties" in preview
    assert "preview including drafts" in preview
