"""``reverse()`` once per process for what cannot change while it runs.

A page reverses ten to thirty URLs (the tab bar, the home's tiles, its links), and Django's
``reverse`` walks the resolver's tables, looks the language up three times and quotes the
result for each (about a tenth of the resident home's CPU, issue 11). The URL patterns do not
change while a process runs, nor depend on the language here (no ``i18n_patterns``, no
translated routes), so a name with the same arguments under the same URLconf, script prefix
and current app reverses to the same string:

- without arguments, or with string arguments (a board's code): the string is kept, keyed by all of
  these (at most ``MAX_KEPT``; past that, Django's ``reverse`` as ever);
- with non-negative integer arguments only (an id): the URL is reversed once per name and arity
  with stand-in ids and each call formats the ids into that pattern;
- anything else (keyword arguments of other types, negative numbers, objects): Django's ``reverse``.

Used by the ``{% url %}`` tag of every Django template (common/templatetags/reversing.py, a
builtin), the Jinja2 fragments' ``url()``, the tab bar and the tiles.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf
from django.urls import reverse as django_reverse

MAX_KEPT = 4096
_SENTINEL = 900_000_000_000  # an id no table reaches; replaced by the real one
_kept: dict[tuple[Any, ...], str] = {}
_patterns: dict[tuple[Any, ...], str | None] = {}


def _plain(value: Any) -> bool:
    # A str subclass (a TextChoices member: a board's code) reverses as its str(), which the key holds.
    return isinstance(value, str) or type(value) is int


def _keyed(value: Any) -> Any:
    return str(value) if isinstance(value, str) else value


def reverse(viewname: str, args: Sequence[Any] = (), kwargs: dict[str, Any] | None = None,
            current_app: str | None = None) -> str:
    """``django.urls.reverse(viewname, args=args, kwargs=kwargs, current_app=current_app)``, kept (module docstring)."""
    if args and kwargs:
        return django_reverse(viewname, args=args, kwargs=kwargs, current_app=current_app)
    where = (current_app, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    if args and all(type(a) is int and a >= 0 for a in args):
        pattern_key = (viewname, len(args), *where)
        pattern = _patterns.get(pattern_key, "")
        if pattern == "":
            pattern = _patterns[pattern_key] = _pattern(viewname, len(args), current_app)
        if pattern is not None:
            return pattern.format(*args)
    values = args or (kwargs.values() if kwargs else ())
    if not all(_plain(v) for v in values):
        return django_reverse(viewname, args=args, kwargs=kwargs, current_app=current_app)
    key = (viewname, tuple(_keyed(a) for a in args),
           tuple(sorted((k, _keyed(v)) for k, v in kwargs.items())) if kwargs else (), *where)
    url = _kept.get(key)
    if url is None:
        url = django_reverse(viewname, args=args, kwargs=kwargs, current_app=current_app)
        if len(_kept) < MAX_KEPT:
            _kept[key] = url
    return url


def _pattern(viewname: str, arity: int, current_app: str | None) -> str | None:
    """The URL with ``{0}``, ``{1}`` … for its integer arguments; None if the ids do not appear as written."""
    sentinels = [str(_SENTINEL + i) for i in range(arity)]
    try:
        url = django_reverse(viewname, args=[_SENTINEL + i for i in range(arity)], current_app=current_app)
    except NoReverseMatch:
        return None  # a route that takes only some numbers (four digits, say): reverse every time
    pattern = url.replace("{", "{{").replace("}", "}}")
    for i, s in enumerate(sentinels):
        if pattern.count(s) != 1:
            return None  # a converter that writes numbers its own way: reverse every time
        pattern = pattern.replace(s, f"{{{i}}}")
    return pattern


def forget() -> None:
    """Drop what is kept (a test that changes the patterns of a URLconf in place)."""
    _kept.clear()
    _patterns.clear()
