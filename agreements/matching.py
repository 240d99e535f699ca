"""Which jurisdiction an agency on ICE's list belongs to.

A county sheriff (or a county jail) belongs to its county, a municipal department to its
place, a state agency to its state. A curator's resolution, where there is one, comes
first. What cannot be matched gets a reason and waits for review.
"""

from collections import defaultdict
from dataclasses import dataclass

from agreements import rules
from agreements.models import AgencyResolution, ReviewReason
from jurisdictions.models import Jurisdiction, Level


@dataclass(frozen=True)
class Match:
    jurisdiction_id: int | None
    reason: str = ""  # a ReviewReason when jurisdiction_id is None
    message: str = ""


class Matcher:
    """Loads the states, counties, places and resolutions once; matches many rows."""

    def __init__(self):
        self.states: dict[str, Jurisdiction] = {}
        self.counties: dict[tuple[int, str], int] = {}
        self.places: dict[tuple[int, str], int] = {}
        places: dict[tuple[int, str], list[tuple[str, int]]] = defaultdict(list)
        rows = Jurisdiction.objects.values_list("pk", "name", "level", "state_id", "usps")
        for pk, name, level, state_id, usps in rows:
            if level in (Level.STATE, Level.TERRITORY):
                state = Jurisdiction(pk=pk, name=name, level=level, usps=usps)
                self.states[name.upper()] = state
                if usps:
                    self.states[usps] = state
            elif level == Level.COUNTY:
                self.counties.setdefault((state_id, rules.county_key(name)), pk)
            elif level == Level.PLACE:
                places[(state_id, rules.place_name_key(name))].append((name, pk))
        # A name two places share in one state (a city and a census-designated place)
        # goes to the incorporated one; if that does not settle it, to review.
        for key, found in places.items():
            incorporated = [pk for name, pk in found if not name.upper().endswith(" CDP")]
            if len(found) == 1 or len(incorporated) == 1:
                self.places[key] = found[0][1] if len(found) == 1 else incorporated[0]
        self.resolutions = {
            (state_id, key): jurisdiction_id
            for state_id, key, jurisdiction_id in AgencyResolution.objects.values_list(
                "state_id", "key", "jurisdiction_id"
            )
        }

    def state(self, text: str) -> Jurisdiction | None:
        return self.states.get(rules.clean_text(text).upper())

    def match(self, state: Jurisdiction, name: str, ice_type: str, county_cell: str) -> Match:
        key = rules.canonical_name(name)
        resolved = self.resolutions.get((state.pk, key))
        if resolved is not None:
            return Match(resolved)
        kind = rules.agency_kind(name, ice_type)
        if ice_type == "state agency":
            return Match(state.pk)
        if ice_type == "county" or (not ice_type and kind == "sheriff"):
            return self._county(state, name, county_cell)
        if ice_type == "municipality" or (not ice_type and kind == "police"):
            place = self.places.get((state.pk, rules.place_key(name)))
            if place is not None:
                return Match(place)
            return Match(
                None,
                ReviewReason.NO_PLACE,
                f"no matching place for “{rules.place_key(name)}” in {state.name}",
            )
        return Match(None, ReviewReason.UNKNOWN_TYPE, f"unknown agency type “{ice_type}”")

    def _county(self, state: Jurisdiction, name: str, county_cell: str) -> Match:
        counties = rules.county_cells(county_cell)
        if len(counties) > 1:
            # The agency's own name may still say which county it serves.
            own = rules.county_from_agency_name(name)
            if own and rules.county_key(own) in {rules.county_key(c) for c in counties}:
                counties = [own]
            else:
                return Match(
                    None, ReviewReason.SEVERAL_COUNTIES, f"several counties: {county_cell}"
                )
        if not counties:
            own = rules.county_from_agency_name(name)
            if not own:
                return Match(
                    None, ReviewReason.NO_COUNTY_GIVEN, "no county given, none in the name"
                )
            counties = [own]
        found = self.counties.get((state.pk, rules.county_key(counties[0])))
        if found is None:
            # A misspelt county cell ("Frankin County") beside a well-spelt agency name.
            own = rules.county_from_agency_name(name)
            if own:
                found = self.counties.get((state.pk, rules.county_key(own)))
        if found is None:
            return Match(
                None,
                ReviewReason.NO_COUNTY,
                f"no county “{counties[0]}” in {state.name}",
            )
        return Match(found)
