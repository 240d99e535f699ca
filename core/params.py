"""Query parameters, parsed in one place.

Fields for a Django form over `request.GET`, each raising Django's `ValidationError` with a
message that says what was wrong and what is allowed; `QueryForm` keys the messages by
parameter. Each surface renders them its own way: a page answers 400 with the messages
listed (`QueryForm.messages`), the API a JSON body naming the parameter
(`core.api.raise_for`). The forms that know the codebook live with it
(`policies/forms.py`); these fields know no app.
"""

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

SHOWN_LENGTH = 80


def today() -> dt.date:
    """The day a question without `as_of` is about: today where the site is run."""
    return timezone.localdate()


def shown(value: str) -> str:
    """A bad value as echoed back in a message: without NUL characters, and not endless."""
    value = value.replace("\x00", "")
    return value if len(value) <= SHOWN_LENGTH else value[:SHOWN_LENGTH] + "…"


def allowed(message: str, choices) -> str:
    return f"{message} Allowed: {', '.join(choices)}."


def whole_number(raw: str) -> int | None:
    """ASCII digits only: `str.isdigit` also accepts '²', which `int` then refuses."""
    return int(raw) if raw.isascii() and raw.isdigit() else None


# The one grammar of a day in a query, on pages and in the API alike: YYYY-MM-DD in ASCII
# digits. Python's and Django's parsers also take 20190601, 2019-W23-6 and other digits
# (Arabic-Indic, superscripts), which no one means and no document promises.
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_day(value: str) -> dt.date | None:
    """The day `value` names in the form YYYY-MM-DD, or None."""
    if not ISO_DAY.fullmatch(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


class DayField(forms.Field):
    """A date, YYYY-MM-DD; empty means today."""

    def to_python(self, value):
        if value in (None, ""):
            return today()
        day = iso_day(value)
        if day is None:
            raise ValidationError(
                f"'{shown(value)}' is not a date of the form YYYY-MM-DD.", code="invalid"
            )
        return day


class PageField(forms.Field):
    """A page number, 1, 2, …; empty means the first."""

    def to_python(self, value):
        if value in (None, ""):
            return 1
        number = whole_number(value)
        if number is None or number < 1:
            raise ValidationError(f"'{shown(value)}' is not a page number (1, 2, …).")
        return number


def past_the_last(number: int) -> str:
    return f"Page {number} is past the last page of results."


def page_size(raw: str, maximum: int) -> int:
    number = whole_number(raw)
    if number is None or not 1 <= number <= maximum:
        raise ValidationError(f"'{shown(raw)}' is not a whole number from 1 to {maximum}.")
    return number


class QueryForm(forms.Form):
    """A form over query parameters: only the parameters it declares are read."""

    def __init__(self, params):
        super().__init__(data={name: params.get(name) for name in self.base_fields})

    def by_parameter(self) -> dict[str, list[str]]:
        return {name: list(messages) for name, messages in self.errors.items()}

    def messages(self) -> list[str]:
        """One line per wrong parameter, as the pages list them."""
        return [f"{name}: {' '.join(msgs)}" for name, msgs in self.by_parameter().items()]


class PageQuery(QueryForm):
    page = PageField(required=False)
