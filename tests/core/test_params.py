"""Query parameters parsed once: the fields every form uses."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from core.params import DayField, PageField, PageQuery, page_size, today


def test_an_empty_date_is_today_and_a_bad_one_says_the_form_it_takes():
    assert DayField(required=False).clean("") == today()
    assert DayField(required=False).clean("2019-06-01") == dt.date(2019, 6, 1)
    with pytest.raises(ValidationError, match="'2019-13-01' is not a date of the form"):
        DayField(required=False).clean("2019-13-01")


@pytest.mark.parametrize("raw", ["0", "-1", "abc", "²", "١", "1.5"])
def test_only_ascii_digits_from_one_make_a_page_number(raw):
    with pytest.raises(ValidationError, match="is not a page number"):
        PageField(required=False).clean(raw)


def test_a_page_query_names_the_parameter_in_its_messages():
    query = PageQuery({"page": "²"})
    assert not query.is_valid()
    assert query.by_parameter() == {"page": ["'²' is not a page number (1, 2, …)."]}
    assert query.messages() == ["page: '²' is not a page number (1, 2, …)."]
    first = PageQuery({})
    assert first.is_valid() and first.cleaned_data["page"] == 1


def test_a_page_size_is_a_whole_number_up_to_the_maximum():
    assert page_size("1000", 1000) == 1000
    for raw in ("0", "1001", "²"):
        with pytest.raises(ValidationError, match="from 1 to 1000"):
            page_size(raw, 1000)
