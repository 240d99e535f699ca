"""The rules of RFC 4287 (Atom) that a feed document must meet, as a list of what breaks
them: elements that must occur once, the author of the feed or of every entry, RFC 3339
dates, IRIs for ids and links, text constructs' types, and one alternate link per type."""

import re
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2005/Atom}"
# RFC 3339 date-time (section 3.3 of RFC 4287): a full date, a time and an offset.
DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE
)
# An IRI has a scheme (RFC 3987); a link's href may also be a reference relative to the base.
ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
TEXT_TYPES = {None, "text", "html", "xhtml"}


def _once(element, name, where) -> list[str]:
    found = element.findall(f"{NS}{name}")
    return [] if len(found) == 1 else [f"{where}: atom:{name} {len(found)} times, not once"]


def _at_most_once(element, name, where) -> list[str]:
    found = element.findall(f"{NS}{name}")
    return [] if len(found) <= 1 else [f"{where}: atom:{name} {len(found)} times"]


def _dates(element, where) -> list[str]:
    return [
        f"{where}: atom:{name} {node.text!r} is not an RFC 3339 date-time"
        for name in ("updated", "published")
        for node in element.findall(f"{NS}{name}")
        if not DATE_TIME.match(node.text or "")
    ]


def _texts(element, where) -> list[str]:
    return [
        f"{where}: atom:{name} has type {node.get('type')!r}"
        for name in ("title", "subtitle", "summary", "rights", "content")
        for node in element.findall(f"{NS}{name}")
        if name != "content" and node.get("type") not in TEXT_TYPES
    ]


def _links(element, where) -> list[str]:
    problems = []
    alternates = set()
    for link in element.findall(f"{NS}link"):
        href = link.get("href")
        if not href or " " in href:
            problems.append(f"{where}: atom:link without a usable href ({href!r})")
        if link.get("rel", "alternate") == "alternate":
            key = (link.get("type"), link.get("hreflang"))
            if key in alternates:
                problems.append(f"{where}: two alternate links of type and language {key}")
            alternates.add(key)
    return problems


def _authors(element, where) -> list[str]:
    return [
        f"{where}: atom:author without exactly one atom:name"
        for author in element.findall(f"{NS}author")
        if len(author.findall(f"{NS}name")) != 1 or not author.find(f"{NS}name").text
    ]


def _ids(element, where) -> list[str]:
    return [
        f"{where}: atom:id {node.text!r} is not an IRI"
        for node in element.findall(f"{NS}id")
        if not ABSOLUTE_IRI.match((node.text or "").strip())
    ]


def atom_problems(document: bytes) -> list[str]:
    """What keeps `document` from being a valid Atom feed document; [] when nothing does."""
    try:
        feed = ET.fromstring(document)
    except ET.ParseError as error:
        return [f"not well-formed XML: {error}"]
    if feed.tag != f"{NS}feed":
        return [f"the root is {feed.tag}, not atom:feed"]
    problems = []
    for name in ("id", "title", "updated"):
        problems += _once(feed, name, "feed")
    for name in ("generator", "icon", "logo", "rights", "subtitle"):
        problems += _at_most_once(feed, name, "feed")
    problems += _dates(feed, "feed") + _texts(feed, "feed") + _links(feed, "feed")
    problems += _authors(feed, "feed") + _ids(feed, "feed")
    feed_has_author = feed.find(f"{NS}author") is not None
    for n, entry in enumerate(feed.findall(f"{NS}entry"), start=1):
        where = f"entry {n}"
        for name in ("id", "title", "updated"):
            problems += _once(entry, name, where)
        for name in ("content", "published", "rights", "source", "summary"):
            problems += _at_most_once(entry, name, where)
        problems += _dates(entry, where) + _texts(entry, where) + _links(entry, where)
        problems += _authors(entry, where) + _ids(entry, where)
        if not feed_has_author and entry.find(f"{NS}author") is None:
            problems.append(f"{where}: no atom:author, and the feed has none")
        if entry.find(f"{NS}content") is None and not entry.findall(f"{NS}link"):
            problems.append(f"{where}: neither atom:content nor an alternate atom:link")
        content = entry.find(f"{NS}content")
        if content is not None and content.get("src") and entry.find(f"{NS}summary") is None:
            problems.append(f"{where}: content by src but no atom:summary")
    return problems
