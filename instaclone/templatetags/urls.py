"""`{% url %}` as Django's, with the URLs of plain arguments remembered.

A page's navigation alone reversed sixteen URLs, each a walk of the URL resolver: on the
home feed more time than its queries. The URLconf does not change while a process runs,
so a URL named by view name, current app, script prefix, URLconf and arguments that are
plain strings or integers is reversed once. Anything else (a model instance as argument,
`as var`) goes to Django's own node. Installed as a template builtin, so templates keep
writing `{% url %}`.
"""

from collections.abc import Hashable
from functools import lru_cache

from django import template
from django.template.base import Parser, Token
from django.template.context import Context
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()
REMEMBERED_URLS = 4096


@lru_cache(maxsize=REMEMBERED_URLS)
def _reverse(
    view_name: str,
    args: tuple,
    kwargs: tuple,
    current_app: str | None,
    prefix: str,
    urlconf: Hashable,
) -> str:
    # prefix and urlconf are only the key: reverse() reads them from the current thread.
    return reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)


def _current_app(context: Context) -> str | None:
    request = getattr(context, "request", None)
    if request is None:
        return None
    if hasattr(request, "current_app"):
        return request.current_app
    match = getattr(request, "resolver_match", None)
    return match.namespace if match is not None else None


def _plain(value: object) -> bool:
    return type(value) in (str, int)


# The render context's key for `_environment`.
_ENVIRONMENT = object()


def _environment(context: Context) -> tuple[str | None, str, Hashable]:
    """What else a reversed URL depends on: the current app, script prefix and URLconf,
    the same for a whole render (looked up once for it, each is a context-local read)."""
    environment = context.render_context.get(_ENVIRONMENT)
    if environment is None:
        environment = (_current_app(context), get_script_prefix(), get_urlconf())
        context.render_context[_ENVIRONMENT] = environment
    return environment


class RememberedURLNode(URLNode):
    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        # A quoted view name without arguments (most of a page's links): its URL per
        # environment and escaping, kept on the node itself.
        constant = not self.args and not self.kwargs and not self.view_name.filters
        self._constant = constant and isinstance(self.view_name.var, str)
        self._urls: dict[tuple, str] = {}

    def render(self, context: Context) -> str:
        if self.asvar:
            return super().render(context)
        if self._constant:
            key = (*_environment(context), context.autoescape)
            url = self._urls.get(key)
            if url is None:
                url = self._urls[key] = self._render_plain(context)
            return url
        return self._render_plain(context)

    def _render_plain(self, context: Context) -> str:
        args = tuple(arg.resolve(context) for arg in self.args)
        kwargs = tuple(sorted((k, v.resolve(context)) for k, v in self.kwargs.items()))
        if not all(_plain(value) for value in (*args, *(v for _, v in kwargs))):
            return super().render(context)
        url = _reverse(self.view_name.resolve(context), args, kwargs, *_environment(context))
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser: Parser, token: Token) -> URLNode:
    node = django_url(parser, token)
    return RememberedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
