"""How the API shows a jurisdiction and an agency, declared once (see core/shapes.py):
inside other answers (`JurisdictionRef`, `AgencyRef`) and as resources of their own
(`Jurisdiction`, `Agency`), each filled by one builder here."""

import datetime as dt
from typing import Annotated, TypedDict

from core.shapes import (
    Link,
    RelatedSlug,
    Timestamp,
    links,
    resource_shape,
    timestamp,
)
from jurisdictions import models
from jurisdictions.models import AgencyKind, Level


class JurisdictionRef(TypedDict):
    """A jurisdiction as mentioned inside another object."""

    slug: str
    name: str
    level: Level
    fips: str | None
    ocd_id: str | None


# A jurisdiction as /api/v1/jurisdictions/ answers (JSON and CSV).
Jurisdiction = resource_shape(models.Jurisdiction)(
    TypedDict(
        "Jurisdiction",
        {
            **JurisdictionRef.__annotations__,
            "usps": str | None,
            "parent": Annotated[str | None, RelatedSlug()],
            "parent_fips": str | None,
            "state": str | None,  # the state's USPS code
            "url": Link,
            "site_url": Link,
            "updated_at": Timestamp,
        },
    )
)

# The columns `jurisdiction_of` reads: a third of those of the three tables joined.
JURISDICTION_COLUMNS = (
    "slug",
    "name",
    "level",
    "fips",
    "ocd_id",
    "usps",
    "updated_at",
    "parent__slug",
    "parent__fips",
    "state__usps",
)


def jurisdiction_ref(jurisdiction: models.Jurisdiction) -> JurisdictionRef:
    return {
        "slug": jurisdiction.slug,
        "name": jurisdiction.name,
        "level": jurisdiction.level,
        "fips": jurisdiction.fips,
        "ocd_id": jurisdiction.ocd_id,
    }


def jurisdiction_of(jurisdiction: models.Jurisdiction, request) -> Jurisdiction:
    parent, state = jurisdiction.parent, jurisdiction.state
    return jurisdiction_from_columns(
        (
            jurisdiction.slug,
            jurisdiction.name,
            jurisdiction.level,
            jurisdiction.fips,
            jurisdiction.ocd_id,
            jurisdiction.usps,
            jurisdiction.updated_at,
            parent.slug if parent else None,
            parent.fips if parent else None,
            state.usps if state else None,
        ),
        request,
    )


def jurisdiction_from_columns(row: tuple, request) -> Jurisdiction:
    """The answer from the values of JURISDICTION_COLUMNS, in that order: a jurisdiction
    read as one row, without a model instance."""
    return jurisdictions_from_columns([row], request)[0]


def jurisdictions_from_columns(rows: list[tuple], request) -> list[Jurisdiction]:
    """`jurisdiction_from_columns` for the rows of a list, each view's address made once."""
    url, site_url = links(request, "api:jurisdiction-detail"), links(request, "site:jurisdiction")
    return [_answer(row, url, site_url) for row in rows]


def _answer(row: tuple, url, site_url) -> Jurisdiction:
    slug, name, level, fips, ocd_id, usps, updated_at, parent, parent_fips, state = row
    return {
        "slug": slug,
        "name": name,
        "level": level,
        "fips": fips,
        "ocd_id": ocd_id,
        "usps": usps,
        "parent": parent,
        "parent_fips": parent_fips,
        "state": state,
        "url": url(fips or slug),
        "site_url": site_url(slug),
        "updated_at": timestamp(updated_at),
    }


# --- agencies (/api/v1/agencies/) -----------------------------------------------------------


class AgencyRef(TypedDict):
    """An agency as mentioned inside another object."""

    slug: str
    name: str
    kind: AgencyKind


@resource_shape()
class AgencyAgreement(TypedDict):
    """One of the agency's 287(g) agreements as ICE lists them (`/api/v1/agreements/`)."""

    key: str
    model: str
    signed_on: dt.date
    status: str


@resource_shape(models.Agency)
class Agency(TypedDict):
    slug: str
    name: str
    kind: AgencyKind
    ori: str | None
    jurisdiction: JurisdictionRef
    agreements: list[AgencyAgreement]
    updated_at: Timestamp


def agency_ref(agency: models.Agency) -> AgencyRef:
    return {"slug": agency.slug, "name": agency.name, "kind": agency.kind}


def agency_of(agency: models.Agency, request) -> Agency:
    return {
        "slug": agency.slug,
        "name": agency.name,
        "kind": agency.kind,
        "ori": agency.ori,
        "jurisdiction": jurisdiction_ref(agency.jurisdiction),
        # `agreements` is the agreements app's reverse relation (ICE's 287(g) lists).
        "agreements": [
            {
                "key": agreement.key,
                "model": agreement.model,
                "signed_on": agreement.signed_on,
                "status": agreement.status,
            }
            for agreement in agency.agreements.all()
        ],
        "updated_at": timestamp(agency.updated_at),
    }
