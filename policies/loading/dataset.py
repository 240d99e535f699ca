"""The curated dataset: reading and checking fixtures/policies/*.yaml.

One file per state, DC and territory (`tx.yaml`), in the format documented in
fixtures/policies/README.md, plus files whose name starts with an underscore for what
belongs to no state (`_background.yaml`: background reading). This module reads the files
and checks their shape, every message naming the file, the entry and the field; it touches
no database. `policies.loading.seed` loads what it returns.

Several files may speak for one state: those given later, or named `<usps>.<more>.yaml`
after the plain `<usps>.yaml` in the same folder, are read later, and an entry they share
with an earlier file (an instrument of the same jurisdiction and title, an event, an
agency, a place, a source's description) replaces the earlier one. That is how research
files refine the project's own.
"""

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.conf import settings

from jurisdictions.models import AgencyKind
from policies.dates import parse_partial_date
from policies.models import EventKind, InstrumentKind, InstrumentStatus, SourceKind

DEFAULT_POLICIES_DIR = settings.BASE_DIR / "fixtures" / "policies"
CONFIDENCES = ("high", "medium", "unverified")
PUBLISHED_CONFIDENCE = {"high", "medium"}
FINDING_CONFIDENCE = "high"

STATE_FILE_KEYS = {
    "state",
    "agencies",
    "places",
    "instruments",
    "suspensions",
    "findings",
    "events",
}
SHARED_FILE_KEYS = {"background"}
INSTRUMENT_KEYS = {
    "jurisdiction",
    "agency",
    "title",
    "kind",
    "citation",
    "enacted",
    "effective",
    "ended",
    "status",
    "supersedes",
    "confidence",
    "draft_reason",
    "binding",
    "summary",
    "provisions",
    "sources",
}
INSTRUMENT_REQUIRED = ("jurisdiction", "title", "kind", "status", "confidence", "summary")
PROVISION_KEYS = {"dimension", "value", "pinpoint", "exceptions", "quote", "quote_source", "notes"}
SOURCE_KEYS = {"title", "url", "publisher", "kind"}
SUSPENSION_KEYS = {"instrument", "dimensions", "order", "from", "until", "until_reason", "source"}
FINDING_KEYS = {"jurisdiction", "dimension", "value", "from", "until", "reviewed_on", "searched"}
# `until`: the day a law on the question took effect, when the search found one that is not yet
# confirmed (a draft): the finding claims "no law" only up to it.
FINDING_REQUIRED = tuple(sorted(FINDING_KEYS - {"until"}))
EVENT_KEYS = {"jurisdiction", "date", "kind", "title", "source"}
AGENCY_KEYS = {"name", "kind", "jurisdiction"}
PLACE_KEYS = {"fips", "name", "ocd_id"}
BACKGROUND_KEYS = {"title", "url", "publisher", "kind", "note"}


class DatasetError(ValueError):
    """A dataset file is missing, malformed or inconsistent; the message says where."""


@dataclass
class Dataset:
    """Everything the files hold, each entry with `where` (file and entry) for messages.
    Later files have already replaced what they share with earlier ones."""

    files: list[Path] = field(default_factory=list)
    states: list[str] = field(default_factory=list)  # USPS codes of the state files read
    places: list[dict] = field(default_factory=list)
    agencies: list[dict] = field(default_factory=list)
    instruments: list[dict] = field(default_factory=list)
    suspensions: list[dict] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    background: list[dict] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)  # "tx.research.yaml replaced …"


def finding_title(dimension_slug: str) -> str:
    """A finding is stored as an instrument; one per jurisdiction and dimension."""
    return f"Reviewed: no law found ({dimension_slug})"


def dataset_files(paths: list[Path] | None = None) -> list[Path]:
    """The files to read, in reading order: for each path (a folder or a file) in turn,
    underscore files first, then each state's plain file before its other files."""
    paths = [DEFAULT_POLICIES_DIR] if not paths else [Path(p) for p in paths]
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                path.glob("*.yaml"),
                key=lambda f: (
                    not f.name.startswith("_"),
                    f.name.split(".")[0],
                    f.name != f"{f.name.split('.')[0]}.yaml",
                    f.name,
                ),
            )
            if not found:
                raise DatasetError(f"No dataset files (*.yaml) in {path}.")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise DatasetError(
                f"Dataset not found: {path} (pass a folder of <usps>.yaml files or one file)."
            )
    return files


def read_dataset(paths: list[Path] | None = None) -> Dataset:
    dataset = Dataset(files=dataset_files(paths))
    keyed: dict[str, dict[tuple, dict]] = {
        name: {} for name in ("places", "agencies", "instruments", "events", "background")
    }
    for path in dataset.files:
        _read_file(path, dataset, keyed)
    dataset.places = list(keyed["places"].values())
    dataset.agencies = list(keyed["agencies"].values())
    dataset.instruments = list(keyed["instruments"].values())
    dataset.events = list(keyed["events"].values())
    dataset.background = list(keyed["background"].values())
    return dataset


def _load_yaml(path: Path) -> dict:
    try:
        with path.open(encoding="utf-8") as f:
            data = yaml.safe_load(f) or {}
    except yaml.YAMLError as exc:
        raise DatasetError(f"{path.name}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise DatasetError(f"{path.name}: the file must be a mapping of keys (state, …).")
    return data


def _read_file(path: Path, dataset: Dataset, keyed: dict) -> None:
    data = _load_yaml(path)
    name = path.name
    if name.startswith("_"):
        _unknown_keys(data, SHARED_FILE_KEYS, name)
        for index, spec in enumerate(_list(data, "background", name)):
            where = f"{name}: background[{index}]"
            _check_keys(spec, BACKGROUND_KEYS, ("title", "url"), where)
            kind = _choice(SourceKind, spec.get("kind", "analysis"), f"{where}: kind")
            _put(
                keyed["background"], (spec["url"],), {**spec, "kind": kind, "where": where}, dataset
            )
        return

    _unknown_keys(data, STATE_FILE_KEYS, name)
    state = str(data.get("state") or "").strip()
    expected = name.split(".")[0].upper()
    if state != expected:
        raise DatasetError(
            f"{name}: `state` is {state or 'missing'}; a file named {name} holds state {expected}."
        )
    if state not in dataset.states:
        dataset.states.append(state)

    def located(entry: dict, where: str) -> dict:
        return {**entry, "state": state, "file": name, "path": str(path), "where": where}

    for index, spec in enumerate(_list(data, "places", name)):
        where = f"{name}: places[{index}]"
        _check_keys(spec, PLACE_KEYS, ("fips", "name"), where)
        fips = _fips(spec["fips"], f"{where}: fips", length=7)
        _put(keyed["places"], (fips,), located({**spec, "fips": fips}, where), dataset)

    for index, spec in enumerate(_list(data, "agencies", name)):
        where = f"{name}: agency “{spec.get('name', index)}”"
        _check_keys(spec, AGENCY_KEYS, ("name", "kind", "jurisdiction"), where)
        _choice(AgencyKind, spec["kind"], f"{where}: kind")
        fips = _fips(spec["jurisdiction"], f"{where}: jurisdiction")
        entry = located({**spec, "jurisdiction": fips}, where)
        _put(keyed["agencies"], (fips, spec["name"]), entry, dataset)

    titles: set[str] = set()
    file_instruments: dict[str, dict] = {}
    for index, spec in enumerate(_list(data, "instruments", name)):
        entry = located(_instrument(spec, name, index), "")
        if entry["title"] in titles:
            raise DatasetError(f"{name}: instrument “{entry['title']}” appears twice in the file.")
        titles.add(entry["title"])
        entry["where"] = f"{name}: instrument “{entry['title']}”"
        file_instruments[entry["title"]] = entry
        _put(keyed["instruments"], (entry["jurisdiction"], entry["title"]), entry, dataset)

    for entry in file_instruments.values():
        superseded = entry.get("supersedes")
        if superseded and superseded not in file_instruments:
            raise DatasetError(
                f"{entry['where']}: `supersedes` names “{superseded}”, which is not an "
                "instrument in this file."
            )
        if superseded:
            # Found again by its natural key: a later file may have replaced it.
            entry["supersedes_key"] = (file_instruments[superseded]["jurisdiction"], superseded)

    for index, spec in enumerate(_list(data, "suspensions", name)):
        dataset.suspensions.append(located(_suspension(spec, name, index, file_instruments), ""))
        dataset.suspensions[-1]["where"] = f"{name}: suspensions[{index}]"

    for index, spec in enumerate(_list(data, "findings", name)):
        where = f"{name}: findings[{index}]"
        _check_keys(spec, FINDING_KEYS, FINDING_REQUIRED, where)
        finding = {
            **spec,
            "jurisdiction": _fips(spec["jurisdiction"], f"{where}: jurisdiction"),
            "from": _partial(spec["from"], f"{where}: from"),
            "until": _partial(spec["until"], f"{where}: until") if spec.get("until") else None,
            "reviewed_on": _day(spec["reviewed_on"], f"{where}: reviewed_on"),
        }
        if not str(spec["searched"]).strip():
            raise DatasetError(f"{where}: `searched` must say what was searched, and where.")
        instrument = _finding_instrument(finding)
        instrument["where"] = f"{name}: finding “{instrument['title']}”"
        key = (instrument["jurisdiction"], instrument["title"])
        _put(keyed["instruments"], key, located(instrument, instrument["where"]), dataset)
        dataset.findings.append(located(finding, where))

    for index, spec in enumerate(_list(data, "events", name)):
        where = f"{name}: event “{spec.get('title', index)}”"
        _check_keys(spec, EVENT_KEYS, tuple(sorted(EVENT_KEYS)), where)
        _choice(EventKind, spec["kind"], f"{where}: kind")
        fips = _fips(spec["jurisdiction"], f"{where}: jurisdiction")
        date = _partial(spec["date"], f"{where}: date")
        entry = located({**spec, "jurisdiction": fips, "date": date}, where)
        _put(keyed["events"], (fips, date, spec["title"]), entry, dataset)


def _instrument(spec: dict, name: str, index: int) -> dict:
    where = f"{name}: instrument “{spec.get('title') or f'#{index + 1}'}”"
    _check_keys(spec, INSTRUMENT_KEYS, INSTRUMENT_REQUIRED, where)
    _choice(InstrumentKind, spec["kind"], f"{where}: kind")
    _choice(InstrumentStatus, spec["status"], f"{where}: status")
    if spec["confidence"] not in CONFIDENCES:
        raise DatasetError(
            f"{where}: `confidence` is {spec['confidence']!r}; use one of {', '.join(CONFIDENCES)}."
        )
    published = spec["confidence"] in PUBLISHED_CONFIDENCE
    if not published and not str(spec.get("draft_reason") or "").strip():
        raise DatasetError(
            f"{where}: `draft_reason` is required when confidence is unverified: say what "
            "could not be confirmed."
        )
    if not isinstance(spec.get("binding", False), bool):
        raise DatasetError(f"{where}: `binding` must be true or false.")
    for date_field in ("enacted", "effective", "ended"):
        if spec.get(date_field) not in (None, ""):
            spec = {**spec, date_field: _partial(spec[date_field], f"{where}: {date_field}")}
    sources = []
    for s_index, source in enumerate(spec.get("sources") or []):
        s_where = f"{where}: sources[{s_index}]"
        _check_keys(source, SOURCE_KEYS, ("title", "url", "kind"), s_where)
        _choice(SourceKind, source["kind"], f"{s_where}: kind")
        sources.append(source)
    urls = {source["url"] for source in sources}
    provisions, dimensions = [], set()
    for p_index, provision in enumerate(spec.get("provisions") or []):
        p_where = f"{where}: provisions[{p_index}]"
        _check_keys(provision, PROVISION_KEYS, ("dimension", "value"), p_where)
        p_where = f"{where}: provision “{provision['dimension']}”"
        if provision["dimension"] in dimensions:
            raise DatasetError(f"{p_where}: the instrument codes this dimension twice.")
        dimensions.add(provision["dimension"])
        if published and not str(provision.get("pinpoint") or "").strip():
            raise DatasetError(
                f"{p_where}: `pinpoint` is required to publish (confidence "
                f"{spec['confidence']}): give the section, or make the instrument "
                "unverified with a draft_reason."
            )
        if provision.get("quote"):
            if provision.get("quote_source") not in urls:
                raise DatasetError(
                    f"{p_where}: `quote_source` must be the URL of one of the instrument's "
                    f"sources (got {provision.get('quote_source')!r})."
                )
        elif provision.get("quote_source"):
            raise DatasetError(f"{p_where}: `quote_source` is given without a `quote`.")
        provisions.append(provision)
    if published and not sources:
        raise DatasetError(f"{where}: `sources` is required to publish: list the primary text.")
    return {
        **spec,
        "jurisdiction": _fips(spec["jurisdiction"], f"{where}: jurisdiction"),
        "binding": bool(spec.get("binding", False)),
        "provisions": provisions,
        "sources": sources,
        "last_verified_on": None,
    }


def _finding_instrument(finding: dict) -> dict:
    """A finding as the instrument that stores it (see InstrumentKind.RESEARCH_FINDING)."""
    return {
        "jurisdiction": finding["jurisdiction"],
        "title": finding_title(finding["dimension"]),
        "kind": InstrumentKind.RESEARCH_FINDING.value,
        "citation": "",
        "effective": finding["from"],
        **({"ended": finding["until"]} if finding["until"] else {}),
        "status": (
            InstrumentStatus.SUPERSEDED if finding["until"] else InstrumentStatus.IN_FORCE
        ).value,
        "confidence": FINDING_CONFIDENCE,
        "draft_reason": "",
        "binding": False,
        "summary": " ".join(str(finding["searched"]).split()),
        "provisions": [
            {"dimension": finding["dimension"], "value": finding["value"], "pinpoint": ""}
        ],
        "sources": [],
        "last_verified_on": finding["reviewed_on"],
        "is_finding": True,
    }


def _suspension(spec: dict, name: str, index: int, instruments: dict) -> dict:
    where = f"{name}: suspensions[{index}]"
    _check_keys(spec, SUSPENSION_KEYS, ("instrument", "dimensions", "order", "from"), where)
    instrument = instruments.get(spec["instrument"])
    if instrument is None:
        raise DatasetError(
            f"{where}: `instrument` names “{spec['instrument']}”, which is not an instrument "
            "in this file."
        )
    dimensions = spec["dimensions"]
    if not isinstance(dimensions, list) or not dimensions:
        raise DatasetError(f"{where}: `dimensions` must list the provisions it suspends.")
    coded = {p["dimension"] for p in instrument["provisions"]}
    for dimension in dimensions:
        if dimension not in coded:
            raise DatasetError(
                f"{where}: `dimensions` names {dimension!r}, which “{spec['instrument']}” "
                "does not code."
            )
    starts = _day(spec["from"], f"{where}: from")
    ends = _day(spec["until"], f"{where}: until") if spec.get("until") else None
    if ends is not None and ends <= starts:
        raise DatasetError(f"{where}: `until` ({ends}) must come after `from` ({starts}).")
    source = spec.get("source")
    if source is not None:
        _check_keys(source, SOURCE_KEYS, ("title", "url", "kind"), f"{where}: source")
        _choice(SourceKind, source["kind"], f"{where}: source: kind")
    return {
        **spec,
        "jurisdiction": instrument["jurisdiction"],
        "from": starts,
        "until": ends,
    }


# ---------------------------------------------------------------------------------------
# Small checks


def _put(index: dict, key: tuple, entry: dict, dataset: Dataset) -> None:
    earlier = index.get(key)
    if earlier is not None and earlier.get("path") != entry.get("path"):
        dataset.replaced.append(f"{entry['where']} replaces {earlier['where']}")
    index[key] = entry


def _list(data: dict, key: str, name: str) -> list:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise DatasetError(f"{name}: `{key}` must be a list.")
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise DatasetError(f"{name}: {key}[{index}] must be a mapping of keys.")
    return value


def _unknown_keys(data: dict, allowed: set, where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise DatasetError(
            f"{where}: unknown key {', '.join(f'`{k}`' for k in unknown)}; the format allows "
            f"{', '.join(sorted(allowed))}."
        )


def _check_keys(spec: dict, allowed: set, required: tuple, where: str) -> None:
    if not isinstance(spec, dict):
        raise DatasetError(f"{where}: must be a mapping of keys.")
    _unknown_keys(spec, allowed, where)
    for key in required:
        if spec.get(key) in (None, "", []):
            raise DatasetError(f"{where}: `{key}` is required.")


def _choice(choices, value, where: str) -> str:
    if value not in choices.values:
        raise DatasetError(
            f"{where}: {value!r} is not allowed; use one of {', '.join(choices.values)}."
        )
    return value


def _fips(value, where: str, length: int | None = None) -> str:
    text = str(value).strip()
    lengths = (length,) if length else (2, 5, 7)
    if not text.isdigit() or len(text) not in lengths:
        raise DatasetError(
            f"{where}: {value!r} is not a FIPS code of {' or '.join(map(str, lengths))} digits "
            "(quote it in YAML so leading zeros stay)."
        )
    return text


def _partial(value, where: str) -> str:
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    try:
        parse_partial_date(text)
    except ValueError as exc:
        raise DatasetError(f"{where}: {exc}") from None
    return text


def _day(value, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise DatasetError(f"{where}: {value!r} is not a day (YYYY-MM-DD).") from None
