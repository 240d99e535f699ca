"""Searching jurisdictions the way people type them: "Cook County, IL", "cook il", "Cook
County, Illinois", a FIPS code (17031), an OCD id, a slug, or an agency's name.

`parse` reads the text once, for the list page, the API's `q` and compare's "add"; the
selectors below turn it into a queryset (the same SQL on SQLite and PostgreSQL) ranked by
relevance: a code, then the exact name, then names that start with it, then names that
contain it, then places with an agency of that name; within each, larger levels, then
shorter names, first.
"""

import re
from dataclasses import dataclass

import us
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Length

from jurisdictions.models import Agency, Jurisdiction, Level

# The kind words of Census place and county subdivision names ("Chicago city", "Wayne
# township"), so that a search for "Chicago" finds the city as it finds "Cook County".
KIND_WORDS = ("city", "town", "village", "borough", "township", "municipality", "plantation")

_STATES = [*us.states.STATES_AND_TERRITORIES, us.states.DC]
USPS = {s.abbr.lower(): s.abbr for s in _STATES}
STATE_NAMES = {s.name.lower(): s.abbr for s in _STATES}
LONGEST_STATE_NAME = max(len(name.split()) for name in STATE_NAMES)

CODE = re.compile(r"^(\d{2}|\d{5}|\d{7}|\d{10})$")

# Relevance, best first.
BY_CODE, EXACT, PREFIX, CONTAINS, BY_AGENCY = range(5)
LEVEL_ORDER = {level.value: rank for rank, level in enumerate(Level)}


@dataclass(frozen=True)
class SearchText:
    """What a search box's text asks for."""

    text: str  # as typed, trimmed
    name: str  # the name part ("Cook County" of "Cook County, IL")
    state: str | None  # a USPS code named at the end ("IL"), if any

    @property
    def is_empty(self) -> bool:
        return not self.text

    @property
    def looks_like_code(self) -> bool:
        return bool(CODE.match(self.text)) or self.text.lower().startswith("ocd-division/")


def parse(text: str) -> SearchText:
    """Splits a trailing state ("…, IL", "… il", "…, Illinois") from the name. A lone word
    is always a name ("Texas", "Indiana"), never only a state."""
    text = " ".join((text or "").split())
    name, state = text, None
    head, comma, tail = text.rpartition(",")
    if comma and head.strip():
        found = _state(tail.strip())
        if found:
            name, state = head.strip(), found
    else:
        words = text.split(" ")
        for size in range(min(LONGEST_STATE_NAME, len(words) - 1), 0, -1):
            found = _state(" ".join(words[-size:]))
            if found:
                name, state = " ".join(words[:-size]), found
                break
    return SearchText(text=text, name=name, state=state)


def _state(text: str) -> str | None:
    text = text.lower().rstrip(".")
    return USPS.get(text) if len(text) == 2 else STATE_NAMES.get(text)


def named(name: str) -> Q:
    """Named `name`, or `name` and a kind word."""
    condition = Q(name__iexact=name)
    for kind in KIND_WORDS:
        condition |= Q(name__iexact=f"{name} {kind}")
    return condition


def _by_code(query: SearchText) -> Q:
    text = query.text
    found = Q(fips=text) | Q(ocd_id=text.lower()) | Q(slug=text.lower())
    if text.lower() in USPS:
        found |= Q(usps=text.upper())
    return found


def agency_called(name: str) -> Q:
    """Agencies whose name, or one of the spellings ICE's lists give it ("Sheriff’s
    Department" for a "Sheriff's Office", kept by the agreements app as `ice_names`),
    contains `name`. The spellings are reached through the relation, not imported: this
    app sits below the one that owns them."""
    spellings = Agency.ice_names.rel.related_model.objects.filter(
        agency=OuterRef("pk"), spelling__icontains=name
    )
    return Q(name__icontains=name) | Q(Exists(spellings))


def _with_agency(name: str) -> Exists:
    return Exists(Agency.objects.filter(agency_called(name), jurisdiction=OuterRef("pk")))


def matching(jurisdictions: QuerySet, query: SearchText) -> QuerySet:
    """The jurisdictions the text may mean, annotated with `relevance` (lower is better)."""
    if query.is_empty:
        return jurisdictions
    name = query.name
    in_state = Q()
    if query.state:
        # The state itself never matches "Cook, IL"; its places and counties do.
        in_state = Q(state__usps=query.state)
    relevance = Case(
        When(_by_code(query), then=Value(BY_CODE)),
        When(named(name) & in_state, then=Value(EXACT)),
        When(Q(name__istartswith=name) & in_state, then=Value(PREFIX)),
        When(Q(name__icontains=name) & in_state, then=Value(CONTAINS)),
        default=Value(BY_AGENCY),
        output_field=IntegerField(),
    )
    level = Case(
        *(When(level=value, then=Value(rank)) for value, rank in LEVEL_ORDER.items()),
        output_field=IntegerField(),
    )
    condition = _by_code(query) | (Q(name__icontains=name) & in_state)
    if len(name) >= 3:
        condition |= Q(_with_agency(name)) & in_state
    return (
        jurisdictions.filter(condition)
        # Within a rank and level, the shortest name is the closest to what was typed.
        .annotate(relevance=relevance, level_order=level, name_length=Length("name"))
        .order_by("relevance", "level_order", "name_length", "name", "pk")
    )


def agencies_matching(query: SearchText, limit: int = 10) -> list[Agency]:
    """Agencies whose name or another spelling of it contains the text (a sheriff's office,
    a police department), exact names first, with their jurisdictions, in one query."""
    if len(query.name) < 3 or query.looks_like_code:
        return []
    found = Agency.objects.filter(agency_called(query.name)).select_related("jurisdiction")
    if query.state:
        found = found.filter(jurisdiction__state__usps=query.state)
    relevance = Case(
        When(name__iexact=query.name, then=Value(EXACT)),
        When(name__istartswith=query.name, then=Value(PREFIX)),
        default=Value(CONTAINS),
        output_field=IntegerField(),
    )
    return list(found.annotate(relevance=relevance).order_by("relevance", "name", "pk")[:limit])


def best_matches(text: str, limit: int = 10) -> list[Jurisdiction]:
    """What a search for `text` may mean, best first; a code, or a name that only one
    jurisdiction has exactly, gives one. Compare's "add" takes a single answer as meant."""
    query = parse(text)
    if query.is_empty:
        return []
    found = list(matching(Jurisdiction.objects.select_related("state"), query)[:limit])
    best = [j for j in found if j.relevance == found[0].relevance] if found else []
    if best and best[0].relevance in (BY_CODE, EXACT):
        return best
    return found
