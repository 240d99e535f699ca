"""What every page and endpoint answered on the seed data, recorded so that a change to the
code's layout can be shown to change no answer, byte for byte.

The recording is made by the test `tests/policyhub/recorded/test_replay.py` run with
`RECORD_RESPONSES=1`, on the test database with the seed data loaded, once per database
vendor (the ordering of text and full-text search differ between SQLite and PostgreSQL).
Without the variable the same test replays every request and compares; answers meant to
change are listed in INTENDED_CHANGES with their reasons.

What changes from day to day is normalised before comparing: today's date (the default
`as_of`) and the time the seed was loaded (`updated_at`, `reviewed_at`).
"""

import base64
import gzip
import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

from django.db import connection
from django.test import Client
from django.utils import timezone

HERE = Path(__file__).parent
HEADERS_KEPT = ("Content-Type", "Content-Disposition", "Location", "Allow")

# Answers meant to change, each with its reason: URL -> the status it has now and, where the
# body is still comparable, the edits that turn the recorded body into today's (each edit
# must find its text, so a stale entry fails). Without edits only the status is compared.
# The recording was taken again when the curated dataset moved into the project (and the
# answers that had been meant to change by then are in it), and again when releases, change
# feeds and double coding added their links and text to the pages: nothing is meant to differ.
INTENDED_CHANGES: dict[str, dict] = {}
# Edits for every answer under a path (none since the recording was taken again).
EDITS_UNDER: dict[str, list[tuple[str, str]]] = {}


def recording_path() -> Path:
    return HERE / f"responses-{connection.vendor}.json.gz"


def urls() -> list[str]:
    """The requests recorded: every page and endpoint, with good and bad parameters."""
    from policies.models import Instrument, ReviewState

    published = list(
        Instrument.objects.filter(review_state=ReviewState.PUBLISHED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    drafts = list(
        Instrument.objects.exclude(review_state=ReviewState.PUBLISHED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    instruments = [*published[:3], *published[-2:], *drafts[:1]]
    pages = [
        "/",
        "/healthz",
        "/nowhere/",
        "/jurisdictions/",
        "/jurisdictions/?q=Cook",
        "/jurisdictions/?q=17031",
        "/jurisdictions/?state=IL&level=county",
        "/jurisdictions/?level=state&sort=name",
        "/jurisdictions/?level=county&sort=level&page=3",
        "/jurisdictions/?parent=17",
        "/jurisdictions/?dimension=detainer-holds&as_of=2019-06-01&level=state",
        "/jurisdictions/?state=CA&level=county&dimension=detainer-holds&as_of=2016-06-01"
        "&value=limited-to-serious-offenses",
        "/jurisdictions/?dimension=detainer-holds&value=unknown&level=state&as_of=2019-06-01",
        "/jurisdictions/?dimension=detainer-holds&level=county&state=IL",
        "/jurisdictions/?as_of=2019-13-01",
        "/jurisdictions/?as_of=yesterday&dimension=detainer-holds",
        "/jurisdictions/?dimension=nope",
        "/jurisdictions/?dimension=detainer-holds&value=nope",
        "/jurisdictions/?sort=nope",
        "/jurisdictions/?page=0",
        "/jurisdictions/?page=999",
        "/jurisdictions/?page=abc",
        "/jurisdictions/?page=%C2%B2",
        "/jurisdictions/?level=galaxy",
        "/jurisdictions/?state=ZZ",
        "/jurisdictions/?parent=nope",
        "/jurisdictions/?q=Cook+County%2C+IL",
        "/jurisdictions/?q=cook+il",
        "/jurisdictions/?q=Harris+County+Sheriff",
        "/jurisdictions/?q=Atlantis&level=county",
        "/jurisdictions/?coded=1&state=IL",
        "/jurisdictions/?coded=yes",
        "/jurisdictions/il-cook-county/positions.csv?as_of=2019-06-01",
        "/jurisdictions/tx-harris-county/positions.json?as_of=2019-06-01",
        "/jurisdictions/il-cook-county/positions.csv?as_of=bad",
        "/jurisdictions/il/",
        "/jurisdictions/il-cook-county/",
        "/jurisdictions/il-cook-county/?as_of=2019-06-01",
        "/jurisdictions/ca/?as_of=2016-06-01",
        "/jurisdictions/tx/?as_of=2018-06-01",
        "/jurisdictions/il-cook-county/?as_of=bad",
        "/jurisdictions/il-cook-county/?preview=drafts",
        "/jurisdictions/no-such-place/",
        "/compare/",
        "/compare/?j=06&j=48&j=17031&as_of=2019-06-01",
        "/compare/?j=ca&j=tx",
        "/compare/?j=17031&add=Texas&as_of=2019-06-01",
        "/compare/?j=17031&add=Cook&as_of=2019-06-01",
        "/compare/?add=zzzzzz",
        "/compare/?j=nope&j=06",
        "/compare/?j=01&j=02&j=04&j=05&j=06&j=08&j=09",
        "/compare/?j=06&as_of=bad",
        "/map/",
        "/map/?dimension=detainer-holds&level=state&as_of=2019-06-01",
        "/map/?dimension=courthouse-arrests&level=county&as_of=2021-01-01",
        "/map/?dimension=nope&level=city&as_of=bad",
        "/map/?as_of=2020-02-29",
        "/map/?dimension=detainer-holds&level=county&state=CA&as_of=2019-06-01",
        "/map/?state=ZZ",
        "/map/map.svg?dimension=detainer-holds&level=state&as_of=2019-06-01",
        "/map/places/state.json",
        *(f"/instruments/{pk}/" for pk in instruments),
        "/instruments/999999/",
        "/codebook/",
        "/sources/",
        "/sources/?q=gov",
        "/sources/?kind=statute-text",
        "/sources/?q=a&page=1",
        "/sources/?page=99",
        "/sources/?page=%C2%B2",
        "/sources/?kind=nope",
        "/downloads/",
        "/about/",
    ]
    api = "/api/v1"
    endpoints = [
        f"{api}/",
        f"{api}/nowhere/",
        f"{api}/jurisdictions/",
        f"{api}/jurisdictions/?level=state&format=csv",
        f"{api}/jurisdictions/?state=IL&level=county&page=2&page_size=20",
        f"{api}/jurisdictions/?ordering=-name&page_size=5",
        f"{api}/jurisdictions/?ocd_id=ocd-division/country:us/state:il/county:cook",
        f"{api}/jurisdictions/?updated_since=2000-01-01&page_size=3",
        f"{api}/jurisdictions/17031/",
        f"{api}/jurisdictions/il-cook-county/",
        f"{api}/jurisdictions/99999/",
        f"{api}/jurisdictions/?page=0",
        f"{api}/jurisdictions/?page=999",
        f"{api}/jurisdictions/?page=%C2%B2",
        f"{api}/jurisdictions/?page_size=0",
        f"{api}/jurisdictions/?page_size=1001",
        f"{api}/jurisdictions/?page_size=%C2%B2",
        f"{api}/jurisdictions/?format=xml",
        f"{api}/jurisdictions/?ordering=nope",
        f"{api}/jurisdictions/?updated_since=bad",
        f"{api}/jurisdictions/?state=ZZ",
        f"{api}/agencies/",
        f"{api}/agencies/?format=csv",
        f"{api}/dimensions/",
        f"{api}/dimensions/?format=csv",
        f"{api}/dimensions/detainer-holds/",
        f"{api}/instruments/",
        f"{api}/instruments/?format=csv",
        f"{api}/instruments/?q=detainer",
        f"{api}/instruments/?state=CA&in_force_on=2019-06-01",
        f"{api}/instruments/?dimension=detainer-holds&ordering=-effective_on",
        f"{api}/instruments/?dimension=nope",
        f"{api}/instruments/?kind=nope",
        *(f"{api}/instruments/{pk}/" for pk in instruments),
        f"{api}/instruments/{instruments[0]}/?format=csv",
        f"{api}/provisions/",
        f"{api}/provisions/?format=csv",
        f"{api}/provisions/?dimension=detainer-holds&value=judicial-warrant-only",
        f"{api}/provisions/?value=nope",
        f"{api}/sources/",
        f"{api}/sources/?format=csv",
        f"{api}/events/",
        f"{api}/events/?format=csv&state=TX",
        f"{api}/positions/?dimension=detainer-holds&as_of=2019-06-01&level=state",
        f"{api}/positions/?dimension=detainer-holds&as_of=2019-06-01&level=county"
        "&at_least=judicial-warrant-only",
        f"{api}/positions/?dimension=detainer-holds&as_of=2019-06-01&at_most=judicial-warrant-only"
        "&level=state",
        f"{api}/positions/?dimension=detainer-holds&as_of=2019-06-01&value=unknown"
        "&level=state&page=2&page_size=10",
        f"{api}/positions/?dimension=detainer-holds&as_of=2016-06-01&state=CA"
        "&value=limited-to-serious-offenses",
        f"{api}/positions/?dimension=detainer-holds&as_of=2019-06-01&format=csv",
        f"{api}/positions/?dimension=courthouse-arrests&format=csv&level=state",
        f"{api}/positions/?dimension=detainer-holds&level=state",
        f"{api}/positions/",
        f"{api}/positions/?dimension=nope",
        f"{api}/positions/?dimension=detainer-holds&as_of=bad",
        f"{api}/positions/?dimension=detainer-holds&value=nope",
        f"{api}/positions/?dimension=detainer-holds&at_least=nope",
        f"{api}/positions/?dimension=detainer-holds&at_most=nope&format=csv",
        f"{api}/positions/?dimension=detainer-holds&page=0",
        f"{api}/positions/?dimension=detainer-holds&page=%C2%B2",
        f"{api}/positions/?dimension=detainer-holds&level=nope",
        f"{api}/positions/?dimension=detainer-holds&state=ZZ",
        f"{api}/positions/timeline/?jurisdiction=17031&dimension=detainer-holds",
        f"{api}/positions/timeline/?jurisdiction=06&dimension=detainer-holds&format=csv",
        f"{api}/positions/timeline/?dimension=detainer-holds",
        f"{api}/positions/timeline/?jurisdiction=nope&dimension=detainer-holds",
        f"{api}/positions/timeline/?jurisdiction=06&dimension=nope",
        f"{api}/compare/?jurisdictions=06,48,17031&as_of=2019-06-01",
        f"{api}/compare/?jurisdictions=06,48,17031&as_of=2019-06-01&format=csv",
        f"{api}/compare/?jurisdictions=06",
        f"{api}/compare/",
        f"{api}/compare/?jurisdictions=06,nope",
        f"{api}/compare/?jurisdictions=06&as_of=bad",
        f"{api}/compare/?jurisdictions=" + ",".join(f"{n:02d}" for n in range(1, 57)),
        f"{api}/map/?dimension=detainer-holds&as_of=2019-06-01",
        f"{api}/map/?dimension=detainer-holds&as_of=2019-06-01&level=state&format=csv",
        f"{api}/map/?dimension=detainer-holds",
        f"{api}/map/?dimension=detainer-holds&level=city",
        f"{api}/map/?dimension=nope",
        f"{api}/map/",
        f"{api}/bulk/",
        *(
            f"{api}/bulk/?table={table}"
            for table in (
                "jurisdictions",
                "agencies",
                "dimension_values",
                "instruments",
                "provisions",
                "sources",
                "citations",
                "events",
                "positions",
            )
        ),
        f"{api}/bulk/?table=nope",
        f"{api}/schema/",
        f"{api}/schema/?format=json",
    ]
    return pages + endpoints


def normalise(text: str) -> str:
    today = timezone.localdate()
    text = re.sub(
        r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?", "<DATETIME>", text
    )
    text = text.replace(today.isoformat(), "<TODAY>")
    for form in (f"{today:%B} {today.day}, {today.year}", f"{today.day} {today:%B} {today.year}"):
        text = text.replace(form, "<TODAY>")
    return text


def body_of(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def answer(client: Client, url: str) -> dict:
    response = client.get(url)
    body = body_of(response)
    kept = {h: response[h] for h in HEADERS_KEPT if response.has_header(h)}
    if kept.get("Content-Type", "").startswith("application/zip"):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            text = json.dumps(
                {name: normalise(archive.read(name).decode()) for name in archive.namelist()},
                indent=1,
            )
    else:
        try:
            text = normalise(body.decode())
        except UnicodeDecodeError:
            text = "base64:" + base64.b64encode(body).decode()
    return {"status": response.status_code, "headers": kept, "body": text}


def record_all(client: Client) -> dict:
    return {url: answer(client, url) for url in urls()}


def save(recording: dict) -> None:
    data = json.dumps(recording, indent=1, sort_keys=True).encode()
    # mtime=0: the same recording gives the same file, so git sees no change.
    with gzip.GzipFile(recording_path(), "wb", mtime=0) as out:
        out.write(data)


def load() -> dict:
    with gzip.open(recording_path()) as source:
        return json.load(source)


def digest(entry: dict) -> str:
    return hashlib.sha256(entry["body"].encode()).hexdigest()[:12]


def expected(url: str, recorded: dict) -> dict | None:
    """What `url` should answer now: the recording with the intended edits made, or None
    when only the status can be compared."""
    change = INTENDED_CHANGES.get(url, {})
    if change and "edits" not in change:
        return None
    body = recorded["body"]
    path = url.split("?")[0]
    for old, new in EDITS_UNDER.get(path, []):
        body = body.replace(old, new)
    for old, new in change.get("edits", []):
        if old not in body and new in body:
            continue  # recorded again after the change: the edit is already there
        assert old in body, f"{url}: the intended edit finds no {old!r}"
        body = body.replace(old, new)
    return {**recorded, "status": change.get("status", recorded["status"]), "body": body}
