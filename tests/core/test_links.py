"""`{% load links %}`: Django's `{% url %}`, remembered."""

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, set_script_prefix


def both(source: str, **context) -> tuple[str, str]:
    return (
        Template(source).render(Context(context)),
        Template("{% load links %}" + source).render(Context(context)),
    )


@pytest.mark.parametrize(
    ("source", "context"),
    [
        ("{% url 'site:about' %}", {}),
        ("{% url 'site:jurisdiction' slug %}", {"slug": "il-cook-county"}),
        ("{% url 'site:instrument' pk %}", {"pk": 12}),
        ("{% url 'site:jurisdiction' slug=slug %}", {"slug": "ga"}),
        ("{% url 'site:about' as about %}[{{ about }}]", {}),
        ("{% url 'nowhere' as missing %}[{{ missing }}]", {}),
        (
            "{% autoescape off %}{% url 'site:jurisdiction' slug %}{% endautoescape %}",
            {"slug": "ga"},
        ),
    ],
)
def test_the_same_as_djangos(source, context):
    django, ours = both(source, **context)
    assert ours == django
    assert both(source, **context)[1] == django  # remembered


def test_the_script_prefix_is_part_of_what_is_remembered():
    source = "{% url 'site:about' %}"
    try:
        set_script_prefix("/one/")
        first = both(source)
        set_script_prefix("/two/")
        second = both(source)
    finally:
        set_script_prefix("/")
    assert first[0] == first[1] == "/one/about/"
    assert second[0] == second[1] == "/two/about/"


def test_a_link_to_nothing_fails_as_djangos_does():
    with pytest.raises(NoReverseMatch):
        Template("{% load links %}{% url 'nowhere' %}").render(Context({}))


def test_an_object_is_reversed_each_time():
    class Named:
        def __init__(self, text):
            self.text = text

        def __str__(self):
            return self.text

        def __hash__(self):
            return 1

        def __eq__(self, other):
            return True

    first = both("{% url 'site:jurisdiction' o %}", o=Named("ga"))
    second = both("{% url 'site:jurisdiction' o %}", o=Named("tx"))
    assert first == ("/jurisdictions/ga/", "/jurisdictions/ga/")
    assert second == ("/jurisdictions/tx/", "/jurisdictions/tx/")
