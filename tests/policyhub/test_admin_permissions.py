"""Who may do what in the admin, generated from the admin registry: every registered model x
every admin view x every role x GET and POST. A model registered later is covered without
anyone remembering to add it, and fails `test_every_registered_model_says_what_the_public_sees`
until PUBLIC_ROWS says which of its rows the public (or anyone's power) depends on.

The rule checked: anonymous visitors are sent to the login page, nothing is a server error,
a superuser can open every view, and no POST by an anonymous visitor or a curator changes a
row the public sees (or who may do what).
"""

import datetime as dt

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group, Permission, User
from django.core.validators import (
    MaxLengthValidator,
    MinLengthValidator,
    ProhibitNullCharactersValidator,
)
from django.db import transaction
from django.db.models import Q
from django.forms import CharField, ChoiceField, ModelChoiceField
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.admin import SimpleHistoryAdmin

from agreements.importer import import_sheets
from agreements.models import (
    AgencyName,
    AgencyResolution,
    Agreement,
    Change,
    PendingRequest,
    ReviewItem,
    Snapshot,
)
from coding.models import CodedAnswer, CodingAssignment, DifferenceResolution
from coding.services import coding_assign_second, coding_submit, difference_resolve
from jurisdictions.models import Agency, Jurisdiction
from policies import services
from policies.models import (
    Citation,
    Correction,
    Dimension,
    DimensionValue,
    Event,
    Instrument,
    Position,
    Provision,
    ReviewState,
    Source,
    Suspension,
)
from releases.models import Release
from releases.services import release_cut
from tests.admin_forms import form_data
from tests.agreements.sheets import JEM, PENDING, TFM, write_sheet
from tests.factories import (
    cite,
    make_agency,
    make_county,
    make_dimension,
    make_instrument,
    make_provision,
    make_source,
    make_state,
)

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "curator", "editor", "superuser"]
VIEWS = ["changelist", "add", "change", "delete", "history", "revert"]
METHODS = ["GET", "POST"]

beyond_draft = ~Q(review_state=ReviewState.DRAFT)
public_instruments = Instrument.objects.filter(beyond_draft)

# For each registered model, the rows that the public sees, or that decide who may do what.
PUBLIC_ROWS = {
    Jurisdiction: lambda: Jurisdiction.objects.all(),
    Agency: lambda: Agency.objects.all(),
    Dimension: lambda: Dimension.objects.all(),
    Instrument: lambda: public_instruments,
    Provision: lambda: Provision.objects.filter(instrument__in=public_instruments),
    Citation: lambda: Citation.objects.filter(
        Q(instrument__in=public_instruments) | Q(provision__instrument__in=public_instruments)
    ),
    Source: lambda: Source.objects.filter(
        Q(citations__instrument__in=public_instruments)
        | Q(citations__provision__instrument__in=public_instruments)
        | Q(events__review_state=ReviewState.PUBLISHED)
    ).distinct(),
    Event: lambda: Event.objects.filter(beyond_draft),
    User: lambda: User.objects.all(),
    Group: lambda: Group.objects.all(),
    TOTPDevice: lambda: TOTPDevice.objects.all(),
    Suspension: lambda: Suspension.objects.filter(provision__instrument__in=public_instruments),
    # ICE's 287(g) lists as imported, and the resolutions that place an agency: all public.
    Snapshot: lambda: Snapshot.objects.all(),
    Agreement: lambda: Agreement.objects.all(),
    Change: lambda: Change.objects.all(),
    PendingRequest: lambda: PendingRequest.objects.all(),
    AgencyName: lambda: AgencyName.objects.all(),
    AgencyResolution: lambda: AgencyResolution.objects.all(),
    # The review list is never published, but only the importer and resolutions change it.
    ReviewItem: lambda: ReviewItem.objects.all(),
    # Releases are cut by editors only and never rewritten.
    Release: lambda: Release.objects.all(),
    # A submitted coding is final, and an editor's resolution of a difference decides what
    # is published: neither changes at a curator's hand.
    CodingAssignment: lambda: CodingAssignment.objects.filter(submitted_at__isnull=False),
    DifferenceResolution: lambda: DifferenceResolution.objects.all(),
    # Readers' corrections are never published. What a reader sent is kept as sent (read-only
    # to everyone); a curator records only the outcome, which the world leaves blank.
    Correction: lambda: Correction.objects.all(),
    # Login lockouts (django-axes): who may try to log in.
    AccessAttempt: lambda: AccessAttempt.objects.all(),
    AccessFailureLog: lambda: AccessFailureLog.objects.all(),
    AccessLog: lambda: AccessLog.objects.all(),
}
# Rows edited inside another model's page, and what all of it produces.
DEPENDENT_ROWS = {
    DimensionValue: lambda: DimensionValue.objects.all(),
    Position: lambda: Position.objects.all(),
    CodedAnswer: lambda: CodedAnswer.objects.filter(assignment__submitted_at__isnull=False),
    Event.sources.through: lambda: Event.sources.through.objects.filter(
        event__review_state=ReviewState.PUBLISHED
    ),
    User.groups.through: lambda: User.groups.through.objects.all(),
    User.user_permissions.through: lambda: User.user_permissions.through.objects.all(),
    Group.permissions.through: lambda: Group.permissions.through.objects.all(),
}
# Columns that change without anyone writing anything the public sees.
NOT_COMPARED = {"last_login", "updated_at"}


def _import_287g_lists(folder, texas, county, curator):
    """ICE's lists as the importer leaves them: an agreement with its change, a pending
    request, an agency ICE names, a row waiting for review, and a resolution."""
    signed = dt.datetime(2025, 3, 1)
    import_sheets(
        [
            write_sheet(
                folder,
                "participatingAgencies05162025am.xlsx",
                [
                    ["TEXAS", "Loving County Sheriff", "County", "Loving County", JEM, signed, "x"],
                    ["TEXAS", "Nowhere Police Department", "Municipality", "#N/A", TFM, signed, ""],
                ],
            ),
            write_sheet(
                folder,
                "pendingAgencies05162025am.xlsx",
                [["TEXAS", "Loving County Sheriff", "County", "Loving County", TFM]],
                headers=PENDING,
            ),
        ]
    )
    AgencyResolution.objects.create(
        state=texas,
        key="nowhere police department",
        agency_name="Nowhere Police Department",
        jurisdiction=county,
        resolved_by=curator,
    )


def public_snapshot():
    snapshot = {}
    for model, rows in {**PUBLIC_ROWS, **DEPENDENT_ROWS}.items():
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in NOT_COMPARED]
        snapshot[model._meta.label] = sorted(map(repr, rows().order_by("pk").values_list(*fields)))
    return snapshot


def _double_code(texas, dimension, alice, bob):
    """An instrument in review coded twice (by Alice, then by Dave, blind), both codings
    submitted, and Bob's resolution of the difference."""
    dave = User.objects.create_user("dave", "dave@example.org", "pw-for-tests-only", is_staff=True)
    dave.groups.add(Group.objects.get(name="curators"))
    instrument = make_instrument(texas, title="Draft ordinance", binding=True)
    make_provision(instrument, dimension, "mandated", pinpoint="§ 1")
    services.instrument_submit_for_review(instrument=instrument, user=alice)
    second = coding_assign_second(instrument=instrument, coder=dave, batch="B1")
    CodedAnswer.objects.create(
        assignment=second,
        dimension=dimension,
        value=dimension.values.get(slug="prohibited"),
        pinpoint="§ 2",
        binding=True,
    )
    coding_submit(assignment=second, user=dave)
    difference_resolve(
        instrument=instrument,
        dimension=dimension,
        user=bob,
        note="Section 1 mandates the hold.",
        chosen_round=1,
    )


@pytest.fixture
def world(alice, bob, tmp_path, settings):
    """One of everything, all of it public, each with at least two history versions."""
    texas = make_state(name="Texas", fips="48", usps="TX")
    county = make_county(texas, name="Loving County", fips="48301")
    make_agency(county, name="Loving County Sheriff")
    dimension = make_dimension("detainer-holds")
    make_dimension(
        slug="agreement-287g",
        values=("prohibited", "none", "warrant-service-officer", "jail-enforcement", "task-force"),
        neutral="none",
    )
    instrument = make_instrument(texas, title="SB 4", binding=True)
    cite(instrument, make_source(title="Statute"))
    make_provision(instrument, dimension, "mandated", pinpoint="§ 752", source=make_source())
    services.instrument_submit_for_review(instrument=instrument, user=alice)
    services.instrument_publish(instrument=instrument, user=bob)
    Suspension.objects.create(
        provision=instrument.provisions.get(),
        order="Preliminary injunction",
        starts_on=dt.date(2018, 1, 1),
        source=make_source(title="Order"),
    )
    event = Event.objects.create(
        jurisdiction=county,
        occurred_on=dt.date(2024, 3, 1),
        kind="litigation",
        title="Ruling",
        review_state=ReviewState.PUBLISHED,
    )
    event.sources.add(make_source(title="Court record"))
    _import_287g_lists(tmp_path, texas, county, alice)
    _double_code(texas, dimension, alice, bob)
    settings.RELEASES_DIR = tmp_path / "releases"
    release_cut(user=bob)
    for model in PUBLIC_ROWS:
        if hasattr(model, "history"):
            for obj in model.objects.all():
                obj.save()  # a second version to revert to the first
    root = User.objects.create_superuser("root", "root@example.org", "pw-for-tests-only")
    TOTPDevice.objects.create(user=root, name="phone")
    seen = {"user_agent": "test", "ip_address": "192.0.2.1", "username": "bob"}
    AccessAttempt.objects.create(
        **seen, path_info="/admin/login/", get_data="", post_data="", failures_since_start=1
    )
    AccessFailureLog.objects.create(**seen, path_info="/admin/login/")
    AccessLog.objects.create(**seen, path_info="/admin/login/")
    Group.objects.get(name="curators").permissions.add(
        Permission.objects.get(codename="view_provision")
    )
    services.correction_report(
        page="/jurisdictions/tx-loving-county/",
        jurisdiction=county,
        instrument=instrument,
        what_is_wrong="The date of SB 4 is wrong.",
        source="Tex. Gov't Code § 752.053",
        email="reader@example.org",
    )


def registered():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def url_for(model_admin, view, obj):
    opts = model_admin.model._meta
    prefix = f"admin:{opts.app_label}_{opts.model_name}"
    if view in ("changelist", "add"):
        return reverse(f"{prefix}_{view}")
    if view == "revert":
        if not isinstance(model_admin, SimpleHistoryAdmin):
            return None
        version = obj.history.order_by("history_id").first()
        return reverse(f"{prefix}_simple_history", args=[obj.pk, version.history_id])
    return reverse(f"{prefix}_{view}", args=[obj.pk])


def edited(page) -> dict:
    """The form on `page` as submitted with every free-text field changed."""
    form = page.context["adminform"].form
    changes = {}
    data = form_data(page)
    for name, field in form.fields.items():
        if isinstance(field, CharField) and is_free_text(field) and data.get(name):
            changes[name] = f"changed {data[name]}"
    return form_data(page, **changes)


def is_free_text(field) -> bool:
    """A text field that takes any words (not a slug, code, URL or address). Short fields
    hold codes (FIPS, USPS) that the model checks itself."""
    plain = (MaxLengthValidator, MinLengthValidator, ProhibitNullCharactersValidator)
    return (
        not isinstance(field, ChoiceField | ModelChoiceField)
        and (field.max_length is None or field.max_length >= 40)
        and all(isinstance(validator, plain) for validator in field.validators)
    )


def post_data(client, view, url, obj):
    if view == "changelist":
        return {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
    if view == "delete":
        return {"post": "yes"}
    if view in ("add", "change", "revert"):
        source = url if view != "add" else url_for(admin.site._registry[type(obj)], "change", obj)
        page = client.get(source)
        if page.status_code == 200 and "adminform" in (page.context or {}):
            return edited(page)
    return {}


def test_every_registered_model_says_what_the_public_sees():
    assert {model for model, _ in registered()} <= set(PUBLIC_ROWS)


@pytest.mark.parametrize(
    ("model_admin"), [model_admin for _, model_admin in registered()], ids=lambda a: str(a)
)
def test_no_role_reaches_past_its_permissions(client, world, model_admin):
    model = model_admin.model
    obj = (PUBLIC_ROWS.get(model, model.objects.all)()).order_by("pk").first()
    assert obj is not None, f"the world has no public {model._meta.label}"
    users = {
        "curator": User.objects.get(username="alice"),
        "editor": User.objects.get(username="bob"),
        "superuser": User.objects.get(username="root"),
    }
    # What each view would be sent: the form a superuser sees, with the text changed.
    client.force_login(users["superuser"])
    posts = {}
    for view in VIEWS:
        url = url_for(model_admin, view, obj)
        if url is not None:
            posts[view] = (url, post_data(client, view, url, obj))

    problems = []
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(users[role])
        for view, (url, data) in posts.items():
            for method in METHODS:
                case = f"{role} {method} {view} {url}"
                guarded = role in ("anonymous", "curator") and method == "POST"
                before = public_snapshot() if guarded else None
                with transaction.atomic():
                    try:
                        send = client.get if method == "GET" else client.post
                        response = send(url, data) if method == "POST" else send(url)
                    except Exception as exc:  # a server error
                        problems.append(f"{case}: raised {exc!r}")
                        transaction.set_rollback(True)
                        continue
                    after = public_snapshot() if guarded else None
                    transaction.set_rollback(True)
                status = response.status_code
                if status >= 500:
                    problems.append(f"{case}: {status}")
                if role == "anonymous" and not (
                    status == 302 and response["Location"].startswith(reverse("admin:login"))
                ):
                    problems.append(f"{case}: {status}, not sent to the login page")
                # Some views are closed to everyone (a log cannot be added to by hand): 403.
                if role == "superuser" and method == "GET" and status not in (200, 403):
                    problems.append(f"{case}: {status} for a superuser")
                if (
                    role == "superuser"
                    and method == "GET"
                    and view in ("changelist", "change")
                    and status != 200
                ):
                    problems.append(f"{case}: {status} for a superuser")
                if guarded and after != before:
                    changed = [label for label in before if before[label] != after[label]]
                    problems.append(f"{case}: changed what the public sees ({changed})")
    assert problems == []
