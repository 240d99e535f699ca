"""The query about positions, parsed once for the pages and the API alike.

`as_of`, `dimension`, `value` (or `unknown`), `at_least`, `at_most`, `level`, `page`,
`jurisdictions` and `preview` mean the same on `/jurisdictions/`, `/map/`, `/compare/`, a
profile and every positions endpoint; the messages for a wrong one are written here. A page
lists them in a 400 page (`QueryForm.messages`); the API answers
`{"detail": …, "errors": {parameter: [...]}}` (`core.api.raise_for`).
"""

from django import forms
from django.core.exceptions import ValidationError

from core.params import DayField, QueryForm, allowed, shown
from jurisdictions.models import Level
from policies.models import Dimension, DimensionValue
from policies.positions import queries as position_queries
from policies.selectors import MAX_COMPARE

UNKNOWN = "unknown"
MAPPED_LEVELS = (Level.STATE.value, Level.COUNTY.value)


class DimensionField(forms.Field):
    """A dimension of the codebook by slug, with its values (no query beyond the
    codebook's). Empty is the dimension '' when one is required, else none."""

    codebook = None  # the dimensions, when the view has already read them

    def to_python(self, value):
        value = value or ""
        if not value and not self.required:
            return None
        return dimension_by_slug(value, self.codebook)

    def validate(self, value):
        pass  # to_python has said all there is to say, including for an empty value


def dimension_by_slug(slug: str, dimensions: list[Dimension] | None = None) -> Dimension:
    if dimensions is None:
        dimensions = position_queries.codebook()
    for dimension in dimensions:
        if dimension.slug == slug:
            return dimension
    raise ValidationError(
        allowed(f"No dimension '{shown(slug)}'.", [d.slug for d in dimensions]), code="invalid"
    )


def value_by_slug(dimension: Dimension, slug: str, *, or_unknown=False) -> DimensionValue:
    values = list(dimension.values.all())
    for value in values:
        if value.slug == slug:
            return value
    choices = [v.slug for v in values] + ([UNKNOWN] if or_unknown else [])
    raise ValidationError(
        allowed(f"'{shown(slug)}' is not a value of '{dimension.slug}'.", choices)
    )


class PositionQuery(QueryForm):
    """One dimension's positions on a date, and which of them to keep."""

    dimension = DimensionField()
    as_of = DayField(required=False)
    value = forms.CharField(required=False, strip=False)
    at_least = forms.CharField(required=False, strip=False)
    at_most = forms.CharField(required=False, strip=False)

    def __init__(self, params, *, dimension_required=True, codebook=None):
        super().__init__(params)
        self.fields["dimension"].required = dimension_required
        self.fields["dimension"].codebook = codebook

    def clean(self):
        data = super().clean()
        dimension = data.get("dimension")
        data["unknown"] = False
        for name in ("value", "at_least", "at_most"):
            slug = data.get(name)
            data[name] = None
            if not slug or dimension is None:
                continue
            if name == "value" and slug == UNKNOWN:
                data["unknown"] = True
                continue
            try:
                data[name] = value_by_slug(dimension, slug, or_unknown=name == "value")
            except ValidationError as error:
                self.add_error(name, error)
        return data

    def conditions(self) -> dict:
        """The position filters asked for, as `policies.selectors.jurisdictions_with_position`
        takes them."""
        data = self.cleaned_data
        return {name: data[name] for name in ("value", "at_least", "at_most", "unknown")}


class SearchQuery(QueryForm):
    """The list page's own switches: `coded=1` keeps jurisdictions with a coded policy."""

    coded = forms.ChoiceField(
        required=False,
        choices=[("", "any"), ("1", "only with a coded policy")],
        error_messages={
            "invalid_choice": "'%(value)s' is not allowed. Allowed: 1, or leave it out."
        },
    )


class TimelineQuery(QueryForm):
    dimension = DimensionField()


class DayQuery(QueryForm):
    as_of = DayField(required=False)


class MapQuery(QueryForm):
    """A map: one dimension on a date, for every state or every county."""

    dimension = DimensionField()
    level = forms.CharField(required=False)
    as_of = DayField(required=False)

    def __init__(self, params, *, codebook=None):
        super().__init__(params)
        self.fields["dimension"].codebook = codebook

    def clean_level(self):
        level = self.cleaned_data.get("level") or Level.COUNTY.value
        if level not in MAPPED_LEVELS:
            raise ValidationError(allowed(f"'{shown(level)}' cannot be mapped.", MAPPED_LEVELS))
        return level


def too_many_to_compare() -> str:
    return f"At most {MAX_COMPARE} jurisdictions at once."


class CodesField(forms.Field):
    """Jurisdictions side by side: FIPS codes, slugs or OCD ids separated by commas, one to
    MAX_COMPARE of them (which exist is the lookup's to say)."""

    def to_python(self, value):
        codes = [c for c in (part.strip() for part in (value or "").split(",")) if c]
        if not codes:
            raise ValidationError("Give one or more codes, separated by commas.")
        if len(codes) > MAX_COMPARE:
            raise ValidationError(too_many_to_compare())
        return codes

    def validate(self, value):
        pass  # to_python has said all there is to say, including for an empty value


class CompareQuery(QueryForm):
    """The API's comparison (live or as a release had it): which jurisdictions, on what day."""

    jurisdictions = CodesField()
    as_of = DayField(required=False)


def wants_drafts(params) -> bool:
    """`?preview=drafts`: a profile with drafts included, for those who may see them."""
    return params.get("preview") == "drafts"


class CorrectionForm(forms.Form):
    """A reader's report of an error. `website` is a honeypot: hidden from people (by the
    style sheet, not inline), filled in only by robots that fill every field."""

    what_is_wrong = forms.CharField(
        label="What is wrong",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Which value, date or citation, and what it should say.",
        error_messages={"required": "Say what is wrong."},
    )
    source = forms.CharField(
        label="A source that shows it",
        max_length=1000,
        help_text="A link to the law or document, or its citation (the primary text if you can).",
        error_messages={"required": "Give a source: a link or a citation."},
    )
    email = forms.EmailField(
        label="Your e-mail (optional)",
        required=False,
        help_text="Only if you would like an answer; it is never published.",
    )
    website = forms.CharField(required=False, label="Leave this empty")

    def is_spam(self) -> bool:
        return bool(self.cleaned_data.get("website"))
