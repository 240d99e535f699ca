"""Every published state instrument can be checked against the law itself: each provision names
its section, and the instrument quotes at least one sentence taken from the law's own text (the
legislature's, agency's or court's page, or a verbatim copy of the code), never from a summary,
a news story or commentary. Read from the dataset files, so no database is needed."""

import pytest

from policies.loading.dataset import read_dataset
from policies.models import InstrumentKind, SourceKind

# Where the law's own words can be read. A `reference` source is a verbatim copy of a code
# (LawServer, Casetext …), kept where the official page is not on file.
LAW_TEXT_KINDS = {
    SourceKind.STATUTE_TEXT,
    SourceKind.ORDINANCE_TEXT,
    SourceKind.COURT_DECISION,
    SourceKind.COURT_RECORD,
    SourceKind.GUIDANCE,
    SourceKind.REFERENCE,
}
PUBLISHED = {"high", "medium"}


def law_text_problems(instrument: dict) -> list[str]:
    """What keeps a published instrument from resting on the law's text (empty when it does)."""
    kinds = {source["url"]: source["kind"] for source in instrument.get("sources") or []}
    problems = []
    quoted = 0
    for provision in instrument.get("provisions") or []:
        where = provision["dimension"]
        if not str(provision.get("pinpoint") or "").strip():
            problems.append(f"{where}: no section (pinpoint)")
        if not provision.get("quote"):
            continue
        kind = kinds.get(provision.get("quote_source"))
        if kind in LAW_TEXT_KINDS:
            quoted += 1
        else:
            problems.append(f"{where}: the quote comes from a source of kind {kind!r}")
    if instrument.get("provisions") and not quoted:
        problems.append("no provision quotes the text of the law")
    return problems


def published_state_instruments() -> list[dict]:
    return [
        instrument
        for instrument in read_dataset().instruments
        if len(instrument["jurisdiction"]) == 2
        and instrument["confidence"] in PUBLISHED
        and instrument["kind"] != InstrumentKind.RESEARCH_FINDING
    ]


def test_every_published_state_instrument_quotes_the_text_of_the_law():
    instruments = published_state_instruments()
    assert len(instruments) > 50  # the whole country is on file, not an empty folder
    failures = [
        f"{instrument['jurisdiction']} “{instrument['title']}”: {problem}"
        for instrument in instruments
        for problem in law_text_problems(instrument)
    ]
    assert failures == []


def statute(**provision):
    return {
        "title": "An act",
        "provisions": [{"dimension": "detainer-holds", "value": "mandated", **provision}],
        "sources": [
            {"url": "https://legislature.example/act", "kind": "statute-text"},
            {"url": "https://news.example/story", "kind": "news"},
        ],
    }


def test_a_quote_from_the_statute_with_its_section_passes():
    act = statute(
        pinpoint="§ 1(a)", quote="shall comply", quote_source="https://legislature.example/act"
    )
    assert law_text_problems(act) == []


@pytest.mark.parametrize(
    ("provision", "problem"),
    [
        (
            {
                "pinpoint": "§ 1",
                "quote": "must comply",
                "quote_source": "https://news.example/story",
            },
            "detainer-holds: the quote comes from a source of kind 'news'",
        ),
        ({"pinpoint": "§ 1"}, "no provision quotes the text of the law"),
        (
            {"quote": "shall comply", "quote_source": "https://legislature.example/act"},
            "detainer-holds: no section (pinpoint)",
        ),
    ],
)
def test_a_quote_from_the_news_a_missing_quote_or_a_missing_section_is_flagged(provision, problem):
    assert problem in law_text_problems(statute(**provision))
