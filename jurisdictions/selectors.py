"""Finding jurisdictions by the codes people use, for the pages and the API alike.

A code that matches nothing raises Django's `ValidationError` keyed by the parameter it came
from; a page lists the message, the API answers it as JSON (`core.api.exception_handler`).
"""

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from core.lookups import count_of
from core.prepared import Prepared
from jurisdictions.models import Jurisdiction, Level
from jurisdictions.shapes import JURISDICTION_COLUMNS


def state_by_code(*, code: str, parameter: str = "state") -> Jurisdiction:
    """A state or territory by USPS code (IL), FIPS (17) or slug (il)."""
    code = code.strip()
    match = (
        Jurisdiction.objects.filter(level__in=[Level.STATE, Level.TERRITORY])
        .filter(Q(usps=code.upper()) | Q(fips=code) | Q(slug=code.lower()))
        .first()
    )
    if match is None:
        raise ValidationError(
            {
                parameter: [
                    f"No state or territory '{code}': use a USPS code (IL) or FIPS code (17)."
                ]
            }
        )
    return match


def jurisdiction_by_code(*, code: str, parameter: str) -> Jurisdiction:
    """A jurisdiction by FIPS code, slug or OCD id."""
    code = code.strip()
    match = Jurisdiction.objects.filter(Q(fips=code) | Q(slug=code) | Q(ocd_id=code)).first()
    if match is None:
        raise ValidationError(
            {parameter: [f"No jurisdiction '{code}': use a FIPS code, slug or OCD id."]}
        )
    return match


# Both columns are unique, so one row at most, unordered. One plain index lookup each, as
# the floor's query (docs/benchmarks.md): the OR of both columns cost PostgreSQL a bitmap
# of two index scans on every call.
_columns_by_fips = Prepared(
    lambda code: (
        Jurisdiction.objects.filter(fips=code).order_by().values_list(*JURISDICTION_COLUMNS)
    )
)
_columns_by_slug = Prepared(
    lambda code: (
        Jurisdiction.objects.filter(slug=code).order_by().values_list(*JURISDICTION_COLUMNS)
    )
)


def jurisdiction_columns(code: str) -> tuple | None:
    """The JURISDICTION_COLUMNS of the jurisdiction with this FIPS code or slug, in one
    query compiled once per process; None if there is none. A FIPS code is all digits (its
    validator), so any other code is looked up as a slug alone; an all-digit code is a FIPS
    code first, and a slug only if no FIPS code matches (a second query on that miss)."""
    rows = _columns_by_fips(code=code) if code.isdigit() else []
    if not rows:
        rows = _columns_by_slug(code=code)
    return rows[0] if rows else None


def jurisdiction_columns_page(
    jurisdictions: QuerySet, *, offset: int, limit: int
) -> tuple[list[tuple], int | None]:
    """A page of a queryset's jurisdictions as rows of JURISDICTION_COLUMNS, in its order,
    and how many it holds (None when the page is empty): one query, with the count beside
    each row as the floor reads it, and no model instances (a hundred jurisdictions with
    their parents and states were three hundred of them, most of the list's time)."""
    rows = list(
        jurisdictions.annotate(total=count_of(jurisdictions)).values_list(
            *JURISDICTION_COLUMNS, "total"
        )[offset : offset + limit]
    )
    return [row[:-1] for row in rows], (rows[0][-1] if rows else None)


def jurisdictions_by_codes(*, codes: list[str], parameter: str) -> list[Jurisdiction]:
    """Several jurisdictions by FIPS code, slug or OCD id, in the order given, in one query."""
    found = Jurisdiction.objects.filter(
        Q(fips__in=codes) | Q(slug__in=codes) | Q(ocd_id__in=codes)
    ).select_related("state")
    return in_order_of_codes(found, codes=codes, parameter=parameter)


def in_order_of_codes(found, *, codes: list[str], parameter: str) -> list:
    """The jurisdictions `found` for `codes` (anything with `fips`, `slug` and `ocd_id`), in
    the order of the codes, each once; a ValidationError names every code that matched
    nothing."""
    by_code = {}
    for jurisdiction in found:
        for code in (jurisdiction.fips, jurisdiction.slug, jurisdiction.ocd_id):
            if code:
                by_code[code] = jurisdiction
    missing = [code for code in codes if code not in by_code]
    if missing:
        raise ValidationError(
            {
                parameter: [
                    f"No jurisdiction '{code}': use a FIPS code, slug or OCD id."
                    for code in missing
                ]
            }
        )
    ordered = []
    for code in codes:
        if by_code[code] not in ordered:
            ordered.append(by_code[code])
    return ordered
