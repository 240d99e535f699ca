"""Double coding: assignment, blindness, the side-by-side differences, resolution with a
note kept in history, and the disagreement report against a hand-computed example."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.urls import reverse

from coding.models import CodedAnswer, DifferenceResolution
from coding.selectors import batch_rule, differences, disagreement_report
from coding.services import coding_assign_second, coding_submit, difference_resolve
from policies.models import ReviewState
from tests.factories import make_dimension, make_instrument, make_provision, make_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def dave(db):
    """A second curator, who codes blind."""
    user = User.objects.create_user("dave", "dave@example.org", "pw-for-tests-only")
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name="curators"))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def codebook():
    return [make_dimension(slug=f"q{i}") for i in range(1, 4)]


def drafted(codebook, *answers, title="Ordinance"):
    """A draft instrument with provisions: answers are (dimension index, value, pinpoint)."""
    instrument = make_instrument(
        make_state(), review_state=ReviewState.IN_REVIEW, title=title, binding=False
    )
    for index, value, pinpoint in answers:
        make_provision(instrument, codebook[index], value, pinpoint=pinpoint)
    return instrument


def second_coding(instrument, coder, codebook, *answers, batch="B1"):
    assignment = coding_assign_second(
        instrument=instrument,
        coder=coder,
        batch=batch,
        first_coder=User.objects.get(username="alice"),
    )
    for index, value, pinpoint in answers:
        CodedAnswer.objects.create(
            assignment=assignment,
            dimension=codebook[index],
            value=codebook[index].values.get(slug=value),
            pinpoint=pinpoint,
            effective_on=instrument.effective_on,
            binding=False,
        )
    coding_submit(assignment=assignment, user=coder)
    return assignment


def test_the_report_matches_a_hand_computed_example(alice, dave, charlie, codebook):
    # Instrument A (batch B1, alice / dave): q1 agrees; q2 differs in value; q3 only the
    # second coder coded -> 3 units, 2 differ.
    a = drafted(codebook, (0, "limited", "§ 1"), (1, "prohibited", "§ 2"), title="A")
    second_coding(
        a, dave, codebook, (0, "limited", "§ 1"), (1, "limited", "§ 2"), (2, "mandated", "§ 3")
    )
    # Instrument B (batch B1, alice / dave): q1 agrees; q2 differs in pinpoint -> 2 units, 1.
    b = drafted(codebook, (0, "prohibited", "§ 4"), (1, "no-policy", "§ 5"), title="B")
    second_coding(b, dave, codebook, (0, "prohibited", "§ 4"), (1, "no-policy", "§ 5(a)"))
    # Instrument C (batch B2, alice / charlie): q1 agrees -> 1 unit, 0.
    c = drafted(codebook, (0, "mandated", "§ 6"), title="C")
    second_coding(c, charlie, codebook, (0, "mandated", "§ 6"), batch="B2")
    # Instrument D: second coding not submitted -> not counted.
    d = drafted(codebook, (0, "mandated", "§ 7"), title="D")
    coding_assign_second(instrument=d, coder=charlie, batch="B2", first_coder=alice)

    report = disagreement_report()
    as_numbers = {
        kind: {key: (r.compared, r.differing) for key, r in rates.items()}
        for kind, rates in report.items()
    }
    assert as_numbers == {
        "batch": {"B1": (5, 3), "B2": (1, 0)},
        "question": {"q1": (3, 0), "q2": (2, 2), "q3": (1, 1)},
        "pair": {"alice / dave": (5, 3), "alice / charlie": (1, 0)},
    }
    assert report["batch"]["B1"].rate == pytest.approx(0.6)
    assert "keep double-coding" in batch_rule(report["batch"]["B1"])
    assert "20% sample" in batch_rule(report["batch"]["B2"])


def test_differences_mark_value_pinpoint_dates_and_binding(alice, dave, codebook):
    a = drafted(codebook, (0, "limited", "§ 1"), (1, "prohibited", "§ 2"))
    assignment = second_coding(a, dave, codebook, (0, "limited", "§ 1"), (1, "limited", "§ 2a"))
    CodedAnswer.objects.filter(assignment=assignment, dimension=codebook[0]).update(
        ended_on=dt.date(2020, 1, 1), binding=True
    )
    found = {d.dimension.slug: d.fields for d in differences(instrument=a)}
    assert found == {"q1": ["ended_on", "binding"], "q2": ["value", "pinpoint"]}


def test_the_second_coder_cannot_be_the_first_and_a_published_instrument_is_refused(
    alice, dave, codebook
):
    a = drafted(codebook, (0, "limited", "§ 1"))
    with pytest.raises(ValidationError, match="must not be the first coder"):
        coding_assign_second(instrument=a, coder=alice, batch="B1", first_coder=alice)
    published = make_instrument(make_state(), review_state=ReviewState.PUBLISHED)
    with pytest.raises(ValidationError, match="cannot be coded blind"):
        coding_assign_second(instrument=published, coder=dave, batch="B1", first_coder=alice)


def test_the_second_coder_sees_nothing_of_the_first_coding_until_both_are_submitted(
    client, alice, dave, codebook
):
    a = drafted(codebook, (0, "limited", "§ 1 secret-pinpoint"), title="Blind ordinance")
    mine = coding_assign_second(instrument=a, coder=dave, batch="B1", first_coder=alice)
    client.force_login(dave)
    for url in (
        reverse("admin:policies_instrument_changelist"),
        reverse("admin:policies_provision_changelist"),
        reverse("admin:policies_citation_changelist"),
        reverse("admin:coding_codingassignment_changelist"),
        reverse("admin:coding_codingassignment_change", args=[mine.pk]),
        reverse("admin:index"),
        reverse("admin:autocomplete") + "?app_label=policies&model_name=provision"
        "&field_name=instrument&term=Blind",
        reverse("site:jurisdiction", args=[a.jurisdiction.slug]) + "?preview=drafts",
    ):
        page = client.get(url).content.decode()
        assert "secret-pinpoint" not in page, url
    for url in (
        reverse("admin:policies_instrument_changelist"),
        reverse("admin:autocomplete")
        + "?app_label=policies&model_name=provision&field_name=instrument&term=Blind",
    ):
        assert "Blind ordinance" not in client.get(url).content.decode(), url
    for url in (
        reverse("admin:policies_instrument_change", args=[a.pk]),
        reverse("admin:policies_instrument_history", args=[a.pk]),
        reverse("admin:coding_codingassignment_change", args=[a.codings.get(round=1).pk]),
        reverse("admin:coding_compare", args=[a.pk]),
    ):
        assert client.get(url).status_code in (302, 403, 404), url
    # The API and the exports hold published records only, and a blind coding is never of
    # a published instrument (coding_assign_second refuses it).
    assert client.get(reverse("api:instrument-detail", args=[a.pk])).status_code == 404
    assert (
        "secret-pinpoint"
        not in client.get(reverse("api:bulk"), {"table": "provisions"}).getvalue().decode()
    )

    coding_submit(assignment=mine, user=dave)
    assert client.get(reverse("admin:policies_instrument_change", args=[a.pk])).status_code == 200


def test_an_editor_resolves_each_difference_with_a_note_kept_in_history(
    client, alice, bob, dave, codebook
):
    a = drafted(codebook, (0, "limited", "§ 1"), (1, "prohibited", "§ 2"))
    second_coding(a, dave, codebook, (0, "limited", "§ 1"), (1, "limited", "§ 2"))
    client.force_login(bob)
    page = client.get(reverse("admin:coding_compare", args=[a.pk])).content.decode()
    assert 'class="coding-differs" data-dimension="q2"' in page
    assert 'class="coding-agrees" data-dimension="q1"' in page
    response = client.post(
        reverse("admin:coding_compare", args=[a.pk]),
        {"dimension": codebook[1].pk, "chosen_round": "2", "note": "§ 2 allows serious cases."},
        follow=True,
    )
    assert "Difference resolved." in response.content.decode()
    resolution = DifferenceResolution.objects.get()
    assert (resolution.chosen_round, resolution.resolved_by) == (2, bob)
    assert resolution.history.first().note == "§ 2 allows serious cases."
    with pytest.raises(ValidationError, match="agree on q1"):
        difference_resolve(instrument=a, dimension=codebook[0], user=bob, note="x", chosen_round=1)
    with pytest.raises(ValidationError, match="note"):
        difference_resolve(instrument=a, dimension=codebook[1], user=bob, note=" ", chosen_round=1)


def test_the_report_page_shows_the_rule_to_editors_only(client, alice, bob, dave, codebook):
    a = drafted(codebook, (0, "limited", "§ 1"))
    second_coding(a, dave, codebook, (0, "limited", "§ 1"))
    client.force_login(bob)
    page = client.get(reverse("admin:coding_report")).content.decode()
    assert 'data-batch="B1"' in page and "20% sample" in page
    client.force_login(dave)
    assert client.get(reverse("admin:coding_report")).status_code == 403


def test_the_codebook_states_the_double_coding_rule(client):
    page = client.get(reverse("site:codebook")).content.decode()
    assert "under 5%" in page and "20% sample" in page
