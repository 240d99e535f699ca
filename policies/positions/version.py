"""The version of the published data, for caches that must never serve stale answers.

`bump()` runs in the same transaction as every change to stored positions (each
`position_store.rebuild`), to jurisdictions and to the codebook; `current()` is one indexed
read. A cache keyed on `current()` is invalidated in every process at once, by its key.
"""

import uuid

from django.db.models import Subquery
from django.utils import timezone

from policies.models import DataVersion

SINGLETON = 1


def current() -> str:
    tokens = DataVersion.objects.filter(pk=SINGLETON).values_list("token", flat=True)[:1]
    return as_text(tokens[0] if tokens else None)


def token_subquery() -> Subquery:
    """The version's token as a column of another query (None before the first bump)."""
    return Subquery(DataVersion.objects.filter(pk=SINGLETON).values("token")[:1])


def as_text(token: uuid.UUID | None) -> str:
    return token.hex if token is not None else "none"


def bump() -> None:
    DataVersion.objects.update_or_create(
        pk=SINGLETON, defaults={"token": uuid.uuid4(), "changed_at": timezone.now()}
    )
