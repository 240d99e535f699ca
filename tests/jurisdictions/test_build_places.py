"""scripts/build_places.py: from the Census list of OCD ids to fixtures/places.csv.gz."""

import csv
import gzip
import importlib.util
import io

import pytest
from django.conf import settings

SCRIPT = settings.BASE_DIR / "scripts" / "build_places.py"
SOURCE = settings.SHARED_DATA_DIR / "data" / "ocd" / "us_census_places.csv"


def load_script():
    spec = importlib.util.spec_from_file_location("build_places", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_places = load_script()

JURISDICTIONS = [
    {"level": "state", "fips": "17", "usps": "IL", "name": "Illinois", "parent_fips": "",
     "ocd_id": "ocd-division/country:us/state:il"},
    {"level": "state", "fips": "24", "usps": "MD", "name": "Maryland", "parent_fips": "",
     "ocd_id": "ocd-division/country:us/state:md"},
    {"level": "county", "fips": "17031", "usps": "", "name": "Cook County", "parent_fips": "17",
     "ocd_id": "ocd-division/country:us/state:il/county:cook"},
    {"level": "county", "fips": "24510", "usps": "", "name": "Baltimore city",
     "parent_fips": "24", "ocd_id": "ocd-division/country:us/state:md/place:baltimore"},
]  # fmt: skip

CENSUS = """id,name,census_geoid
ocd-division/country:us/state:il/county:cook,Cook County,place-17031
ocd-division/country:us/state:il/place:chicago,Chicago city,place-1714000
"ocd-division/country:us/state:il/place:a~_b",\"Oak, Park village\",place-1754885
ocd-division/country:us/state:il/place:lemont,Lemont village,place-1742795
ocd-division/country:us/state:il/county:cook/place:lemont,Lemont township,place-1703142808
ocd-division/country:us/state:il/place:x_1,Twin village,place-1700001
ocd-division/country:us/state:il/place:x_2,Twin village,place-1700002
ocd-division/country:us/state:md/place:baltimore,Baltimore city,place-2404000
"""


def rows(tmp_path):
    path = tmp_path / "census.csv"
    path.write_text(CENSUS, encoding="utf-8")
    return {
        row["fips"]: row
        for row in build_places.build(build_places.read_census(path), JURISDICTIONS)
    }


def test_a_name_with_a_comma_comes_through_whole(tmp_path):
    assert rows(tmp_path)["1754885"]["name"] == "Oak, Park village"
    out = tmp_path / "places.csv"
    build_places.write(list(rows(tmp_path).values()), out)
    read = {row["fips"]: row for row in csv.DictReader(io.StringIO(out.read_text()))}
    assert read["1754885"]["name"] == "Oak, Park village"


def test_places_sit_in_their_state_and_subdivisions_in_their_county(tmp_path):
    built = rows(tmp_path)
    assert "17031" not in built  # counties come from fixtures/jurisdictions.csv
    assert (built["1714000"]["level"], built["1714000"]["parent_fips"]) == ("place", "17")
    township = built["1703142808"]
    assert (township["level"], township["parent_fips"]) == ("county-subdivision", "17031")
    assert township["slug"] == "il-cook-county-lemont-township"
    assert built["1742795"]["slug"] == "il-lemont-village"


def test_an_independent_city_leaves_its_ocd_id_to_the_county_row_it_sits_in(tmp_path):
    baltimore = rows(tmp_path)["2404000"]
    assert (baltimore["parent_fips"], baltimore["ocd_id"]) == ("24510", "")
    assert baltimore["slug"] == "md-baltimore-city-2404000"  # the county is md-baltimore-city


def test_same_named_places_both_take_their_fips_and_published_slugs_stay(tmp_path):
    built = rows(tmp_path)
    assert built["1700001"]["slug"] == "il-twin-village-1700001"
    assert built["1700002"]["slug"] == "il-twin-village-1700002"
    assert built["1714000"]["slug"] == "il-chicago"


def test_the_output_is_the_same_bytes_every_time(tmp_path):
    first, second = tmp_path / "a.csv.gz", tmp_path / "b.csv.gz"
    build_places.write(list(rows(tmp_path).values()), first)
    build_places.write(list(rows(tmp_path).values()), second)
    assert first.read_bytes() == second.read_bytes()
    with gzip.open(first, "rt", encoding="utf-8") as f:
        assert f.readline() == "level,fips,usps,name,ocd_id,parent_fips,slug\n"


@pytest.mark.skipif(not SOURCE.exists(), reason=f"the Census list is not here: {SOURCE}")
def test_the_shipped_file_is_what_the_script_makes_of_the_census_list(tmp_path):
    target = tmp_path / "places.csv.gz"
    build_places.main(["build_places.py", str(SOURCE), str(target)])
    shipped = settings.BASE_DIR / "fixtures" / "places.csv.gz"
    assert target.read_bytes() == shipped.read_bytes()
