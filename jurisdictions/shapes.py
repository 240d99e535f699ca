"""How a jurisdiction is shown inside other answers, declared once (see core/shapes.py)."""

from typing import TypedDict

from jurisdictions.models import Jurisdiction, Level


class JurisdictionRef(TypedDict):
    """A jurisdiction as mentioned inside another object."""

    slug: str
    name: str
    level: Level
    fips: str | None
    ocd_id: str | None


def jurisdiction_ref(jurisdiction: Jurisdiction) -> JurisdictionRef:
    return {
        "slug": jurisdiction.slug,
        "name": jurisdiction.name,
        "level": jurisdiction.level,
        "fips": jurisdiction.fips,
        "ocd_id": jurisdiction.ocd_id,
    }
