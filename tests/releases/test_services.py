"""Cutting releases: the files, their manifest, the changelog, and the refusals."""

import csv
import datetime as dt
import io
import json
import sqlite3
import zipfile

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from policies import bulk
from policies.bulk import TABLES
from policies.models import Event, Instrument, Provision
from policies.services import instrument_unpublish
from releases import files
from releases.models import Release
from releases.services import ReleaseRefused, release_cut, release_directory, release_verify

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

NOON = dt.datetime(2026, 1, 5, 12, 0, 0, tzinfo=dt.UTC)


def test_a_release_writes_every_table_three_ways_and_they_agree():
    release = release_cut(now=NOON)
    directory = release_directory(release.number)
    archive = zipfile.ZipFile(directory / "policyhub-release-1.zip")
    database = sqlite3.connect(directory / "policyhub-release-1.sqlite")
    for table in TABLES:
        rows = list(csv.DictReader(io.TextIOWrapper(archive.open(f"{table}.csv"), "utf-8")))
        assert len(rows) == release.counts[table], table
        (in_sqlite,) = database.execute(f'SELECT count(*) FROM "{table}"').fetchone()
        assert in_sqlite == release.counts[table], table
        assert pq.read_table(directory / f"{table}.parquet").num_rows == len(rows), table
    assert release.counts["instruments"] == Instrument.objects.published().count()
    assert "codebook.json" in archive.namelist()


def test_the_release_csv_tables_are_those_of_the_bulk_download_byte_for_byte():
    release_cut(now=NOON)
    buffer = io.BytesIO()
    bulk.write_zip(buffer)
    live = zipfile.ZipFile(buffer)
    frozen = zipfile.ZipFile(release_directory(1) / "policyhub-release-1.zip")
    for table in TABLES:
        assert frozen.read(f"{table}.csv") == live.read(f"{table}.csv"), table


def test_an_empty_table_still_gets_its_three_files_so_every_release_has_the_same_set():
    first = release_cut(now=NOON)
    Event.objects.all().delete()
    second = release_cut(now=NOON + dt.timedelta(days=1))
    assert second.counts["events"] == 0
    directory = release_directory(2)
    columns = list(TABLES["events"].columns)
    csv_text = zipfile.ZipFile(directory / "policyhub-release-2.zip").read("events.csv")
    assert csv_text.decode().splitlines() == [",".join(columns)]
    database = sqlite3.connect(directory / "policyhub-release-2.sqlite")
    in_sqlite = database.execute('SELECT * FROM "events"')
    assert [d[0] for d in in_sqlite.description] == columns
    assert in_sqlite.fetchall() == []
    empty = pq.read_table(directory / "events.parquet")
    assert (empty.num_rows, empty.schema.names) == (0, columns)
    assert empty.schema == pq.read_table(release_directory(1) / "events.parquet").schema
    assert {n.replace("-2.", "-N.") for n in second.manifest} == {
        n.replace("-1.", "-N.") for n in first.manifest
    }


def test_parquet_columns_take_their_types_from_the_fields_they_read():
    release_cut(now=NOON)
    schema = pq.read_schema(release_directory(1) / "instruments.parquet")
    assert str(schema.field("instrument_id").type) == "int64"
    assert str(schema.field("effective_on").type) == "date32[day]"
    assert str(schema.field("binding").type) == "bool"
    assert str(schema.field("published_at").type) == "timestamp[us, tz=UTC]"
    assert str(schema.field("supersedes_id").type) == "int64"  # empty in most rows
    assert str(schema.field("title").type) == "string"


def test_the_files_verify_against_their_manifest_and_a_changed_byte_is_caught():
    release = release_cut(now=NOON)
    assert release_verify(release=release) == []
    manifest = json.loads((release_directory(1) / "manifest.json").read_text())
    assert manifest["archive_sha256"] == release.archive_sha256
    assert set(manifest["files"]) == set(release.manifest)
    assert {"changelog.json", "codebook.json", "provisions.parquet"} <= set(release.manifest)
    with (release_directory(1) / "provisions.parquet").open("ab") as handle:
        handle.write(b"!")
    assert release_verify(release=release) == ["provisions.parquet"]


def changelog_file(release) -> dict:
    return json.loads((release_directory(release.number) / "changelog.json").read_text())


def test_the_first_changelog_adds_everything_and_the_next_names_what_changed(bob):
    first = release_cut(now=NOON)
    added = changelog_file(first)["instruments"]["added"]
    assert added == sorted(Instrument.objects.published().values_list("pk", flat=True))
    assert first.changelog["instruments"] == {
        "added": first.counts["instruments"],
        "changed": 0,
        "unpublished": 0,
    }
    assert changelog_file(first)["provisions"]["added"] == sorted(
        Provision.objects.published().values_list("pk", flat=True)
    )
    withdrawn = Instrument.objects.published().get(title="California Values Act")
    edited = Provision.objects.published().exclude(instrument=withdrawn).first()
    edited.pinpoint = "§ 99 (corrected)"
    edited.save()
    instrument_unpublish(instrument=withdrawn, user=bob, reason="Under correction")

    second = release_cut(now=NOON + dt.timedelta(days=1))
    changes = changelog_file(second)
    assert changes["previous_release"] == second.changelog["previous_release"] == 1
    assert second.change_counts()["instruments"] == {"added": 0, "unpublished": 1, "changed": 0}
    assert changes["positions_changed"] == second.changelog["positions_changed"]
    assert changes["instruments"] == {"added": [], "unpublished": [withdrawn.pk], "changed": []}
    assert changes["provisions"]["changed"] == [edited.pk]
    assert set(changes["provisions"]["unpublished"]) == set(
        withdrawn.provisions.values_list("pk", flat=True)
    )
    counted = {(row["dimension"], row["level"]) for row in changes["positions_changed"]}
    assert ("detainer-holds", "county") in counted  # SB 54 bound every county
    assert all(row["count"] > 0 for row in changes["positions_changed"])


def test_old_releases_are_never_rewritten():
    first = release_cut(now=NOON)
    before = (release_directory(1) / "policyhub-release-1.zip").read_bytes()
    release_cut(now=NOON + dt.timedelta(seconds=1))
    assert (release_directory(1) / "policyhub-release-1.zip").read_bytes() == before
    assert Release.objects.get(number=1).archive_sha256 == first.archive_sha256


def test_two_releases_in_the_same_second_are_refused():
    release_cut(now=NOON)
    with pytest.raises(ReleaseRefused, match="already cut in this second"):
        release_cut(now=NOON.replace(microsecond=500))
    assert Release.objects.count() == 1


def test_a_release_with_nothing_published_is_refused():
    Instrument.objects.published().update(review_state="draft", reviewed_at=None)
    with pytest.raises(CommandError, match="Nothing is published"):
        call_command("cut_release")
    assert not Release.objects.exists()


def test_the_command_says_the_number_and_checksum():
    out = io.StringIO()
    call_command("cut_release", stdout=out)
    release = Release.objects.get()
    assert "Release 1 cut" in out.getvalue()
    assert release.archive_sha256 in out.getvalue()
    assert files.sha256_of(release_directory(1) / "policyhub-release-1.zip") == (
        release.archive_sha256
    )


def test_a_release_whose_predecessors_files_are_gone_is_refused(releases_dir):
    release_cut(now=NOON)
    (release_directory(1) / "policyhub-release-1.sqlite").unlink()
    with pytest.raises(ReleaseRefused, match="files of release 1 are missing"):
        release_cut(now=NOON + dt.timedelta(days=1))
