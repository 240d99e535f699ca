"""Provenance in plain words for the templates (see public/words.py)."""

from django import template

from public import words

register = template.Library()


@register.filter
def lead(answer):
    return words.lead(answer)


@register.filter
def beside(answer):
    return words.beside(answer)


@register.filter
def decides(provenance: str) -> str:
    return words.DECIDES.get(provenance, provenance)
