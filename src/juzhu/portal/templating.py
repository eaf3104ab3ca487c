"""The portal's template engine: Jinja2 through Django's own backend (ADR 0006 addendum).

The portal's pages are read by holders at the enrolment peak; Django's template language
spent about half of the status page's CPU walking some 260 variable lookups a page. Jinja2
compiles each template to Python once per process. The portal's templates live in
``portal/jinja2/``; the back office, the letters and the admin keep Django's templates.

What the templates may use besides Jinja2's own: ``url(name, *args)`` and ``static(path)``,
Django's ``date`` (format strings as in Django), ``default_if_none`` and ``linebreaksbr``
filters; ``csrf_input`` and ``request`` come from the backend. A value that is callable is
never printed: Django's language calls a method it is given, Jinja2 would print
``<bound method …>``; here rendering fails instead, so a template that forgot its ``()``
cannot ship a page with that text in it.
"""

from __future__ import annotations

import functools
from typing import Any

from django.http import HttpRequest
from django.template import defaultfilters
from django.template.backends.utils import csrf_input
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse
from jinja2 import ChainableUndefined, Environment, Undefined


def url(name: str, *args: Any) -> str:
    try:
        return _reverse(get_script_prefix(), name, args)
    except TypeError:  # an argument that cannot be a cache key (none of the portal's)
        return reverse(name, args=args or None)


@functools.lru_cache(maxsize=4096)
def _reverse(prefix: str, name: str, args: tuple[Any, ...]) -> str:
    """The same name, arguments and prefix give the same path for the life of the process
    (the URL configuration is fixed at start): a page's six header and back links, and a
    holder's own permit links, are worked out once, not on every page."""
    return reverse(name, args=args or None)


def csrf_once(request: HttpRequest) -> dict[str, Any]:
    """The CSRF field, masked once per page: the backend's own ``csrf_input`` is lazy and
    masks the token anew for every form that prints it (the header alone has three)."""
    return {"csrf_input": csrf_input(request)}


def _printable(value: Any) -> Any:
    if callable(value) and not isinstance(value, str | Undefined):
        raise TypeError(f"a template printed a callable ({value!r}): call it or pass its value")
    return value


class PortalEnvironment(Environment):
    """``a.b`` on a dict is its item first, as in Django's language: the plan and the pages'
    context are dicts, and Jinja2's own order (the attribute, then the item) raised and
    caught an AttributeError for each of the plan page's some 370 lookups. A key named
    like a dict's method (``items``) is now the key, as it was under Django's language;
    a dict without that key still gives the method (``errors.items()``)."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def environment(**options: Any) -> Environment:
    # Undefined names and their attributes render empty, as in Django's language (the
    # backend's own choice, DebugUndefined under DEBUG, would print "{{ name }}" instead)
    options["undefined"] = ChainableUndefined
    options.pop("autoescape", None)  # always on, whatever the settings say
    env = PortalEnvironment(autoescape=True, finalize=_printable, **options)
    env.globals.update(url=url, static=static)
    env.filters.update(
        date=defaultfilters.date,
        default_if_none=defaultfilters.default_if_none,
        linebreaksbr=defaultfilters.linebreaksbr,
    )
    return env
