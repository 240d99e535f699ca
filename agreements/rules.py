"""The business rules of reading ICE's 287(g) sheets, as plain functions over plain data.

Nothing here touches the database, so each rule can be tested alone and the importer
(`agreements.importer`) stays a matter of loading, calling these and saving.
"""

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlparse

from agreements.models import ListKind, Model287g
from jurisdictions.models import AgencyKind

FILE_NAME = re.compile(
    r"^(?P<list>participating|pending)Agencies(?P<mm>\d{2})(?P<dd>\d{2})(?P<yyyy>\d{4})"
    r"(?P<half>am|pm)?\.xlsx$",
    re.IGNORECASE,
)
CAPTURE_FOLDER = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2})(\d{2})(\d{2})Z$")


def parse_file_name(name: str) -> tuple[str, dt.date, str]:
    """'participatingAgencies05162025am.xlsx' → ('participating', 2025-05-16, 'am')."""
    match = FILE_NAME.match(name)
    if not match:
        raise ValueError(
            f"{name}: not an ICE 287(g) file name (participatingAgencies or pendingAgencies, "
            "then MMDDYYYY and am/pm, .xlsx)"
        )
    try:
        published = dt.date(int(match["yyyy"]), int(match["mm"]), int(match["dd"]))
    except ValueError as exc:
        raise ValueError(f"{name}: the date in the file name is not real ({exc})") from None
    kind = ListKind.PARTICIPATING if match["list"].lower() == "participating" else ListKind.PENDING
    return kind, published, (match["half"] or "").lower()


def parse_capture_folder(name: str) -> dt.datetime | None:
    match = CAPTURE_FOLDER.match(name)
    if not match:
        return None
    return dt.datetime(*map(int, match.groups()), tzinfo=dt.UTC)


# Columns by their (normalised) header. ICE may add, rename or reorder columns.
STATE, AGENCY, TYPE, COUNTY, SUPPORT, SIGNED, MOA, ADDENDUM = (
    "STATE",
    "LAW ENFORCEMENT AGENCY",
    "TYPE",
    "COUNTY",
    "SUPPORT TYPE",
    "SIGNED",
    "MOA",
    "ADDENDUM",
)
KNOWN_COLUMNS = (STATE, AGENCY, TYPE, COUNTY, SUPPORT, SIGNED, MOA, ADDENDUM)
HEADER_ALIASES = {
    "AGENCY": AGENCY,
    "AGENCY NAME": AGENCY,
    "LAW ENFORCEMENT AGENCY NAME": AGENCY,
    "AGENCY TYPE": TYPE,
    "MODEL": SUPPORT,
    "SUPPORT MODEL": SUPPORT,
    "DATE SIGNED": SIGNED,
    "SIGNED DATE": SIGNED,
    "MOA LINK": MOA,
}
REQUIRED_COLUMNS = {
    ListKind.PARTICIPATING: (STATE, AGENCY, SUPPORT, SIGNED),
    ListKind.PENDING: (STATE, AGENCY, SUPPORT),
}


def clean_text(value) -> str:
    """A cell as text: non-breaking spaces and runs of spaces made one space, trimmed."""
    if value is None:
        return ""
    text = str(value).replace("\xa0", " ").replace("’", "'").replace("‘", "'")
    return re.sub(r"\s+", " ", text).strip()


def header_name(value) -> str:
    text = clean_text(value).upper()
    return HEADER_ALIASES.get(text, text)


def missing_columns(list_kind: str, headers: list[str]) -> list[str]:
    return [c for c in REQUIRED_COLUMNS[list_kind] if c not in headers]


def unknown_columns(headers: list[str]) -> list[str]:
    return [h for h in headers if h and h not in KNOWN_COLUMNS]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def canonical_name(name: str) -> str:
    """The agency name with spelling differences removed: case, spaces, apostrophes and
    punctuation, "&", "Dept."/"Department", "Sheriff's Department"/"Sheriff's Office",
    "Co."/"County", "Ft."/"Fort", "St."/"Saint"."""
    text = _ascii(clean_text(name)).lower().replace("&", " and ")
    text = re.sub(r"'s\b", "s", text)
    text = re.sub(r"[^a-z0-9 ]", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\bsheriff s\b", "sheriffs", text)
    text = re.sub(r"\b(sheriffs|sheriff)( office| department| dept)?\b", "sheriffs office", text)
    text = re.sub(r"\bdept\b", "department", text)
    text = re.sub(r"\bco\b", "county", text)
    text = re.sub(r"\bft\b", "fort", text)
    text = re.sub(r"\bst\b", "saint", text)
    return text


def agency_kind(name: str, ice_type: str) -> str:
    lowered = name.lower()
    if "sheriff" in lowered:
        return AgencyKind.SHERIFF
    if re.search(r"correction|jail|detention", lowered):
        return AgencyKind.CORRECTIONS
    if ice_type == "state agency":
        return AgencyKind.STATE_AGENCY
    if "police" in lowered or "public safety" in lowered:
        return AgencyKind.POLICE
    return AgencyKind.OTHER


SUPPORT_TYPES = {
    "jail enforcement model": Model287g.JAIL_ENFORCEMENT,
    "jail enforcement": Model287g.JAIL_ENFORCEMENT,
    "jem": Model287g.JAIL_ENFORCEMENT,
    "task force model": Model287g.TASK_FORCE,
    "task force": Model287g.TASK_FORCE,
    "tfm": Model287g.TASK_FORCE,
    "warrant service officer": Model287g.WARRANT_SERVICE_OFFICER,
    "warrant service officer model": Model287g.WARRANT_SERVICE_OFFICER,
    "wso": Model287g.WARRANT_SERVICE_OFFICER,
}


def support_model(text: str) -> str | None:
    return SUPPORT_TYPES.get(clean_text(text).lower())


AGENCY_TYPES = {"county": "county", "municipality": "municipality", "state agency": "state agency"}

# "05/08/2025", "5/8/25", and the typo "05/082025" (month, day and year run together).
TEXT_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/?(\d{2}|\d{4})$")


def parse_signed(value: str) -> tuple[dt.date | None, str]:
    """A signing date from a cell stored as text: (date, note). ISO dates are how the
    importer stores real date cells; anything else was typed as text and is noted."""
    text = clean_text(value)
    if not text:
        return None, "no signing date"
    try:
        return dt.date.fromisoformat(text[:10]), ""
    except ValueError:
        pass
    match = TEXT_DATE.match(text)
    if match:
        month, day, year = (int(g) for g in match.groups())
        year += 2000 if year < 100 else 0
        try:
            return dt.date(year, month, day), f"signing date typed as text: {text!r}"
        except ValueError:
            pass
    return None, f"unreadable signing date: {text!r}"


def moa_link(text: str, url: str) -> tuple[str, str]:
    """(state, url) of a MOA cell: 'linked' where ICE links the signed agreement,
    'pending' for "link pending", 'none' otherwise. Outlook safe-links are unwrapped."""
    text = clean_text(text).lower()
    if not url and text.startswith("http"):
        url = clean_text(text)
    if url:
        parsed = urlparse(url)
        if parsed.netloc.endswith("safelinks.protection.outlook.com"):
            url = parse_qs(parsed.query).get("url", [url])[0]
    if "pending" in text:
        return "pending", ""
    if url:
        return "linked", url
    return "none", ""


NOT_GIVEN = {"", "#n/a", "n/a", "na", "none", "-"}
COUNTY_SUFFIX = re.compile(
    r"\s+(county|parish|borough|census area|city and borough|municipality)$", re.IGNORECASE
)


def county_key(name: str) -> str:
    """'St. Johns County' → 'saint johns'; 'City of Richmond' → 'richmond city'."""
    text = _ascii(clean_text(name)).lower().replace("-", " ")
    text = re.sub(r"^city of (.+)$", r"\1 city", text)
    text = COUNTY_SUFFIX.sub("", text)
    text = re.sub(r"[.']", "", text)
    text = re.sub(r"\bst\b", "saint", text)
    text = re.sub(r"\bste\b", "sainte", text)
    text = re.sub(r"\bft\b", "fort", text)
    return re.sub(r"\s+", " ", text).strip()


def county_cells(text: str) -> list[str]:
    """The counties a COUNTY cell names: none for "#N/A", several for "A County / B County"."""
    text = clean_text(text)
    if text.lower() in NOT_GIVEN:
        return []
    parts = re.split(r"\s*(?:,|/|;|&|\band\b)\s*", text)
    return [p for p in parts if p]


COUNTY_IN_NAME = re.compile(
    r"^(?P<county>.+?)\s+(county|parish)\b.*\b(sheriff|jail|correction|detention)", re.I
)


def county_from_agency_name(name: str) -> str | None:
    match = COUNTY_IN_NAME.match(clean_text(name))
    return match["county"] if match else None


PLACE_SUFFIX = re.compile(
    r"\s+(city|town|village|borough|township|cdp|municipality|plantation|"
    r"city and borough|consolidated government|metropolitan government|unified government)"
    r"( \(balance\))?$",
    re.IGNORECASE,
)


def place_name_key(name: str) -> str:
    """A gazetteer place's name without the Census kind: 'Pasadena city' → 'pasadena'."""
    return county_key(PLACE_SUFFIX.sub("", clean_text(name)))


PLACE_NOISE = re.compile(
    r"\b(police department|police dept|department of public safety|public safety department|"
    r"public safety|police)\b",
    re.IGNORECASE,
)


def place_key(agency_name: str) -> str:
    """The place a municipal department serves: 'City of St. Cloud Police Department' →
    'saint cloud'."""
    text = PLACE_NOISE.sub("", clean_text(agency_name))
    text = re.sub(r"^(city|town|village|borough) of\s+", "", text.strip(), flags=re.I)
    return county_key(text)


# ---------------------------------------------------------------------------------------
# Reconciling one agency's rows with its known agreements


@dataclass(frozen=True)
class Known:
    """An agreement already recorded for the agency."""

    id: int
    model: str
    signed_on: dt.date
    listed: bool  # on the previous sheet of the list
    status: str  # active / ended / superseded


@dataclass(frozen=True)
class Listed:
    """A row of the new sheet for the agency."""

    index: int
    model: str
    signed_on: dt.date


@dataclass
class Plan:
    seen: list[tuple[int, int]] = field(default_factory=list)  # (row index, agreement id)
    reappeared: list[tuple[int, int]] = field(default_factory=list)
    corrected: list[tuple[int, int]] = field(default_factory=list)
    renewed: list[tuple[int, int]] = field(default_factory=list)  # (row, old agreement)
    switched: list[tuple[int, int]] = field(default_factory=list)  # (row, old agreement)
    added: list[int] = field(default_factory=list)
    ended: list[int] = field(default_factory=list)


def reconcile(known: list[Known], rows: list[Listed], previous_published: dt.date | None) -> Plan:
    """What one agency's rows on a new sheet mean for its agreements (the shared README's
    rules, as the Deportation Data Project reads the lists):

    - a row with a known agreement's model and date is that agreement (listed again if it
      had dropped off);
    - a same-model row with a new date replacing an agreement listed on the previous sheet
      is a *correction* of the date, unless the new date is after the previous sheet was
      published: then it is a *renewal*, signed since;
    - a same-model row with a later date than an agreement that has already ended is a
      *renewal* of it;
    - a row of another model replacing an agreement that drops off in the same sheet is a
      *switch*; anything else is an *addition*;
    - a listed agreement that no row matches has *ended*.
    """
    plan = Plan()
    # Where a superseded agreement and a live one share model and date, the live one wins.
    by_exact = {}
    for k in sorted(known, key=lambda k: (k.status != "superseded", k.id)):
        by_exact[(k.model, k.signed_on)] = k
    matched: set[int] = set()
    rest: list[Listed] = []
    for row in rows:
        agreement = by_exact.get((row.model, row.signed_on))
        if agreement is not None and agreement.id not in matched:
            matched.add(agreement.id)
            target = plan.seen if agreement.listed else plan.reappeared
            target.append((row.index, agreement.id))
        else:
            rest.append(row)

    dropped = [k for k in known if k.listed and k.id not in matched]
    renewable = [k for k in known if not k.listed and k.status == "ended" and k.id not in matched]
    for row in sorted(rest, key=lambda r: (r.model, r.signed_on, r.index)):
        same = [k for k in dropped if k.model == row.model]
        if same:
            old = min(same, key=lambda k: (abs((k.signed_on - row.signed_on).days), k.id))
            dropped.remove(old)
            renewal = previous_published is not None and row.signed_on > previous_published
            (plan.renewed if renewal else plan.corrected).append((row.index, old.id))
            continue
        older = [k for k in renewable if k.model == row.model and k.signed_on < row.signed_on]
        if older:
            old = max(older, key=lambda k: (k.signed_on, k.id))
            renewable.remove(old)
            plan.renewed.append((row.index, old.id))
            continue
        other = [k for k in dropped if k.model != row.model]
        if other:
            old = min(other, key=lambda k: (k.signed_on, k.id))
            dropped.remove(old)
            plan.switched.append((row.index, old.id))
            continue
        plan.added.append(row.index)
    plan.ended = sorted(k.id for k in dropped)
    return plan
