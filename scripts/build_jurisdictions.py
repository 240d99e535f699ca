"""Build fixtures/jurisdictions.csv from the us-atlas 3.0.1 TopoJSON and the `us` package.

Usage (from the repository root):

    .venv/bin/python scripts/build_jurisdictions.py fixtures/us-atlas [fixtures/jurisdictions.csv]

Stdlib + `us` only. The output is deterministic (rows sorted by FIPS, '\\n' line endings), so
re-running it on the same inputs gives a byte-identical file. See fixtures/README.md.
"""

import csv
import json
import sys
from pathlib import Path

import us

COUNTY_COUNT = 3142  # county equivalents of the 50 states + DC in the Census 2017 vintage

# Alaska has no counties; the Census full name carries the legal/statistical area description,
# which us-atlas drops. Facts from the Open Civic Data Alaska identifiers (state-ak-census.csv),
# updated for the two post-2010 changes that are in the 2017 vintage: Petersburg became a
# borough in 2013 (same FIPS 02195), Wade Hampton (02270) was renamed Kusilvak (02158) in 2015.
ALASKA_SUFFIX = {
    "02020": "Municipality",  # Anchorage Municipality
    "02230": "Municipality",  # Skagway Municipality
    "02110": "City and Borough",  # Juneau
    "02220": "City and Borough",  # Sitka
    "02275": "City and Borough",  # Wrangell
    "02282": "City and Borough",  # Yakutat
    "02016": "Census Area",  # Aleutians West
    "02050": "Census Area",  # Bethel
    "02070": "Census Area",  # Dillingham
    "02105": "Census Area",  # Hoonah-Angoon
    "02158": "Census Area",  # Kusilvak (ex Wade Hampton)
    "02180": "Census Area",  # Nome
    "02198": "Census Area",  # Prince of Wales-Hyder
    "02240": "Census Area",  # Southeast Fairbanks
    "02261": "Census Area",  # Valdez-Cordova (split in 2019; still one area in 2017)
    "02290": "Census Area",  # Yukon-Koyukuk
}  # every other Alaska FIPS is a "Borough"

# Where the Census renamed a county after OCD minted its id, keep the existing OCD id (ids are
# identifiers, not names): OCD has "La Salle Parish" -> parish:la_salle; Census 2017 spells it
# "LaSalle Parish", which the naming rule would turn into parish:lasalle.
OCD_ID_OVERRIDES = {"22059": "ocd-division/country:us/state:la/parish:la_salle"}

# States whose county FIPS >= 510 are independent cities (Census numbering convention).
INDEPENDENT_CITY_STATES = {"24", "29", "32", "51"}  # MD, MO, NV, VA


def county_name(fips: str, short: str) -> str:
    """Census full name of a county equivalent from the us-atlas short name."""
    state = fips[:2]
    if state == "11":  # DC's single county equivalent is already "District of Columbia"
        return short
    if state == "22":  # Louisiana's county equivalents are parishes
        return f"{short} Parish"
    if state == "02":
        return f"{short} {ALASKA_SUFFIX.get(fips, 'Borough')}"
    if state in INDEPENDENT_CITY_STATES and int(fips[2:]) >= 510:
        # Census writes independent cities "Baltimore city", but not "Carson City city".
        return short if "City" in short else f"{short} city"
    return f"{short} County"


def ocd_slug(name: str) -> str:
    """OCD naming convention as seen in the identifiers: lowercase, '.' dropped ("st_louis"),
    apostrophes/commas/parentheses become '~' ("prince_george~s"), spaces become '_',
    hyphens and accents kept ("miami-dade", "doña_ana")."""
    name = name.lower().replace(".", "")
    for ch in "'(),":
        name = name.replace(ch, "~")
    return name.replace(" ", "_")


def county_ocd_id(fips: str, full_name: str, usps: str) -> str:
    if fips in OCD_ID_OVERRIDES:
        return OCD_ID_OVERRIDES[fips]
    base = f"ocd-division/country:us/state:{usps.lower()}"
    state = fips[:2]
    if state == "11":
        # OCD gives DC no county ("Residents of DC do not have a county"): the district's
        # id belongs to the state-level DC row, and OCD ids are unique, so none here.
        return ""
    if state == "22":
        return f"{base}/parish:{ocd_slug(full_name.removesuffix(' Parish'))}"
    if state == "02":
        for suffix, kind in (
            (" City and Borough", "borough"),
            (" Municipality", "borough"),  # OCD files Anchorage and Skagway as boroughs
            (" Borough", "borough"),
            (" Census Area", "censusarea"),
        ):
            if full_name.endswith(suffix):
                return f"{base}/{kind}:{ocd_slug(full_name.removesuffix(suffix))}"
    if state in INDEPENDENT_CITY_STATES and int(fips[2:]) >= 510:
        # Independent cities are OCD places (e.g. va/place:alexandria, md/place:baltimore),
        # never county:<name>, which would collide with a same-named county.
        return f"{base}/place:{ocd_slug(full_name.removesuffix(' city'))}"
    return f"{base}/county:{ocd_slug(full_name.removesuffix(' County'))}"


def build(atlas_dir: Path) -> list[dict]:
    counties = json.loads((atlas_dir / "counties-albers-10m.json").read_text())
    atlas_states = json.loads((atlas_dir / "states-albers-10m.json").read_text())

    states = {s.fips: s for s in [*us.states.STATES, us.states.DC]}
    territories = {t.fips: t for t in us.states.TERRITORIES if t.fips}
    atlas_state_names = {
        g["id"]: g["properties"]["name"] for g in atlas_states["objects"]["states"]["geometries"]
    }
    # The atlas and `us` must agree on the 50 states + DC, or the output would be inconsistent.
    assert atlas_state_names == {f: s.name for f, s in states.items()}, "state lists differ"

    rows = []
    for fips, s in states.items():
        ocd = (
            "ocd-division/country:us/district:dc"
            if s.abbr == "DC"
            else f"ocd-division/country:us/state:{s.abbr.lower()}"
        )
        rows.append(dict(level="state", fips=fips, usps=s.abbr, name=s.name, ocd_id=ocd))
    for fips, t in territories.items():
        ocd = f"ocd-division/country:us/territory:{t.abbr.lower()}"
        rows.append(dict(level="territory", fips=fips, usps=t.abbr, name=t.name, ocd_id=ocd))

    for g in counties["objects"]["counties"]["geometries"]:
        fips, short = g["id"], g["properties"]["name"]
        if fips[:2] not in states:
            continue  # Puerto Rico municipios etc. are not counties here (none in the albers file)
        full = county_name(fips, short)
        usps = states[fips[:2]].abbr
        rows.append(
            dict(
                level="county",
                fips=fips,
                name=full,
                ocd_id=county_ocd_id(fips, full, usps),
                parent_fips=fips[:2],
            )
        )

    n_counties = sum(r["level"] == "county" for r in rows)
    assert n_counties == COUNTY_COUNT, f"expected {COUNTY_COUNT} counties, got {n_counties}"
    assert len({r["fips"] for r in rows}) == len(rows), "duplicate FIPS"
    ocd_ids = [r["ocd_id"] for r in rows if r["ocd_id"]]
    assert len(set(ocd_ids)) == len(ocd_ids), "duplicate OCD id"
    return sorted(rows, key=lambda r: r["fips"])


def main() -> None:
    atlas_dir = Path(sys.argv[1])
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("fixtures/jurisdictions.csv")
    fields = ["level", "fips", "usps", "name", "ocd_id", "parent_fips"]
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields, restval="", lineterminator="\n")
        writer.writeheader()
        writer.writerows(build(atlas_dir))


if __name__ == "__main__":
    main()
