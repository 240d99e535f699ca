"""`{% url %}` that remembers what it reversed.

`{% load links %}` replaces Django's `{% url %}` in the template that loads it with one that
keeps the last few thousand URLs it reversed, keyed on everything `reverse()` reads (the
view name, its arguments, the current application, the URL configuration and the script
prefix), so the same link costs a dictionary lookup the next time. Django's resolves the
URL pattern anew for every link: a profile page's forty-odd links were a tenth of its CPU
(docs/benchmarks.md). Same syntax, same output, same errors.
"""

from functools import lru_cache

from django import template
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()

# The arguments whose value is what reverse() puts in the URL.
KEYED = (str, int)


@lru_cache(maxsize=4096)
def _reversed(view_name, args: tuple, current_app, urlconf, prefix) -> str:
    # `prefix` is not passed on: reverse() reads it itself, it is here for the key.
    return reverse(view_name, urlconf=urlconf, args=args, current_app=current_app)


class RememberedURLNode(URLNode):
    def render(self, context):
        if self.kwargs or self.asvar:  # as Django's: rare here, not worth a key
            return super().render(context)
        args = tuple(arg.resolve(context) for arg in self.args)
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        if all(type(arg) in KEYED for arg in args):
            url = _reversed(view_name, args, current_app, get_urlconf(), get_script_prefix())
        else:  # a model instance, say: its text may change while its hash (its pk) stays
            url = reverse(view_name, args=args, current_app=current_app)
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = django_url(parser, token)
    return RememberedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
