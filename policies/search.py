"""Full-text search over published instruments.

On PostgreSQL, a query is read like a web search (words, "quoted phrases", `or`, `-word`)
with English stemming, matched against the title, citation and summary (weighed in that
order) through a stored
`tsvector` column with a GIN index (migration `policies/0009`), and the results come most
relevant first. SQLite, the embedded database for a laptop, has no such column: there the
same parameter finds the words as substrings of the same three fields, all of them.
"""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import RawSQL

CONFIG = "english"
# Kept by PostgreSQL itself (GENERATED ALWAYS … STORED); the model does not declare it,
# so SQLite databases and the migration state stay free of PostgreSQL types.
DOCUMENT_COLUMN = "search_document"
# A word in the title weighs most, then the citation, then the summary.
DOCUMENT_SQL = " || ".join(
    f"setweight(to_tsvector('{CONFIG}', coalesce({column}, '')), '{weight}')"
    for column, weight in (("title", "A"), ("citation", "B"), ("summary", "C"))
)


def full_text_available() -> bool:
    return connection.vendor == "postgresql"


def search_instruments(instruments: QuerySet, text: str) -> QuerySet:
    """The instruments matching `text`, most relevant first where relevance is known."""
    if not full_text_available():
        for word in text.split():
            instruments = instruments.filter(
                Q(title__icontains=word) | Q(citation__icontains=word) | Q(summary__icontains=word)
            )
        return instruments
    query = SearchQuery(text, config=CONFIG, search_type="websearch")
    table = instruments.model._meta.db_table
    document = RawSQL(f'"{table}"."{DOCUMENT_COLUMN}"', (), output_field=SearchVectorField())
    return (
        instruments.alias(search_document=document)
        .filter(search_document=query)
        .annotate(search_rank=SearchRank(F("search_document"), query))
        .order_by("-search_rank", "pk")
    )
