"""The Jinja2 environment of hot pages and list fragments (docs/architecture.md "Rendering a list").

A hot page is a Jinja2 page (common/pages.py); on a Django page, the loop over a list's rows is
one compiled Jinja2 template rendered through ``{% fragment %}`` (common/templatetags/fragments.py).
A row then costs a few attribute reads and string joins instead of an include
with its own context stack, ~20 variable resolutions and a ``reverse()``.

What a template may use, beyond Jinja2's own:
- ``_("…")`` / ``gettext`` / ``ngettext``: Django's translations, remembered per language and
  message, variables as keywords (``translate``);
- ``icon("home")``: the shell's inline SVG icon (common/icons.py);
- ``static("css/app.css")``: a static file's URL (kept per name, common/staticfiles.py);
- ``url("app:name", pk)``: ``reverse()`` once per URL name and argument count, then
  string formatting for every row (integer arguments; string ones are kept per value,
  anything else falls back to ``reverse()``: common/reversing.py);
- ``idempotency_field()``: a form's fresh idempotency key (as ``{% idempotency_field %}``);
- filters ``truncatechars`` (Django's result, faster), ``localtime(fmt)`` (an aware datetime in the
  site's zone, strftime format), ``urlencode`` (a query-string value), ``linebreaks`` and
  ``linebreaksbr`` (Django's: the text escaped, then its paragraphs and line breaks as HTML);
- what apps register with ``register_global`` in their AppConfig.ready() (``follow_buttons``:
  follows/apps.py), as their Django tags are found by Django without common naming them.
A fragment queries nothing: its rows come prefetched (the list's selector), and
each hot page has a test keeping its query count flat as rows grow (django_assert_max_num_queries).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from django.forms import renderers
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template import defaultfilters
from django.templatetags.static import static
from django.utils import timezone, translation
from django.utils.functional import Promise, cached_property
from django.utils.safestring import SafeString
from jinja2 import Environment
from markupsafe import Markup, escape

from . import reversing
from .icons import svg
from .templatetags.idempotency import idempotency_field


def url(name: str, *args: Any) -> str:
    """``reverse(name, args=args)``, reversed once per name and arity for integer arguments (common/reversing.py)."""
    return reversing.reverse(name, args)


_translated: dict[str | None, dict[str, str]] = {}

# The active language while a Jinja2 template renders, read once per render (``Template.render``):
# Django's ``get_language()`` goes through asgiref's ``Local`` (~2 µs), and a page of 20 rows asks
# for ~85 labels. Nothing activates another language in the middle of a render.
_render_language: contextvars.ContextVar[str | None] = contextvars.ContextVar("render_language", default=None)


def _language() -> str | None:
    return _render_language.get() or translation.get_language()


class _CsrfToken:
    """The request's masked CSRF token, made when first printed and then the same for the whole render.

    Django's Jinja2 backend passes ``csrf_token`` and ``csrf_input`` as lazy values that call
    ``get_token`` each time they are printed, and every call masks the secret anew (32 characters,
    one ``os.urandom`` each): the post page printed it five times. A Django template prints one
    masked token per render too (its context processor's value is evaluated once).
    """

    __slots__ = ("_request", "_value")

    def __init__(self, request: HttpRequest) -> None:
        self._request = request
        self._value: str | None = None

    def __str__(self) -> str:
        if self._value is None:
            self._value = get_token(self._request)
        return self._value


class _CsrfInput:
    """``{{ csrf_input }}``: the hidden field with the render's one masked token."""

    __slots__ = ("_token",)

    def __init__(self, token: _CsrfToken) -> None:
        self._token = token

    def __html__(self) -> str:
        return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(str(self._token))}">'

    __str__ = __html__


class Template(jinja2.Template):
    """A Jinja2 template that reads the active language once for its render (``_language``) and
    prints one masked CSRF token however many forms it has (``_CsrfToken``)."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        context = dict(*args, **kwargs)
        request = context.get("request")
        if request is not None and isinstance(context.get("csrf_token"), Promise):  # the backend's lazy values
            token = _CsrfToken(request)
            context["csrf_token"], context["csrf_input"] = token, _CsrfInput(token)
        language = _render_language.set(translation.get_language())
        try:
            return super().render(context)
        finally:
            _render_language.reset(language)


def gettext(message: str) -> str:
    """``translation.gettext``, remembered per language: catalogs do not change while a process runs."""
    language = _language()
    table = _translated.get(language)
    if table is None:
        table = _translated.setdefault(language, {})
    text = table.get(message)
    if text is None:
        text = table[message] = translation.gettext(message)
    return text


def translate(message: str, **variables: Any) -> Markup:
    """``_("…")`` in a template: ``gettext``, safe as markup (translations are ours), and with keyword
    variables formatted in escaped (``_("%(name)s，您好", name=n)``, the msgid of Django's
    ``blocktranslate``). Unlike Jinja2's own newstyle gettext, a message without variables is not
    %-formatted: it costs a dictionary look-up, as most calls (a row's labels) are of that kind."""
    text = Markup(gettext(message))  # noqa: S704 - our catalog's text; variables are escaped by %
    return text % variables if variables else text


def ntranslate(singular: str, plural: str, number: int, **variables: Any) -> Markup:
    """``ngettext(singular, plural, n, n=n)`` in a template, as ``translate``."""
    variables.setdefault("num", number)
    return Markup(translation.ngettext(singular, plural, number)) % variables  # noqa: S704 - as translate


_truncations: dict[str | None, tuple[str, int]] = {}


def _truncation() -> tuple[str, int]:
    """The language's truncation text (Django's, "%(truncated_text)s…") and how many characters it adds."""
    language = _language()
    kept = _truncations.get(language)
    if kept is None:
        pattern = translation.pgettext("String to return when truncating text", "%(truncated_text)s…")
        mark = pattern % {"truncated_text": ""} if "%(truncated_text)s" in pattern else pattern
        kept = _truncations[language] = (pattern, sum(1 for c in mark if not unicodedata.combining(c)))
    return kept


def truncatechars(value: Any, length: Any) -> str:
    """Django's ``truncatechars`` (the same text), without the lazy ``Truncator`` it builds per call:
    ~2 µs instead of ~19 for a row's excerpt. Text with combining characters goes to Django's."""
    value = str(value)  # Django's filter is a @stringfilter
    try:
        limit = int(length)
    except ValueError:
        return value
    if limit <= 0:
        return ""
    text = unicodedata.normalize("NFC", value)
    if len(text) <= limit:  # combining characters only make it count shorter
        return text
    if any(map(unicodedata.combining, text[: limit + 1])):
        return defaultfilters.truncatechars(value, limit)  # type: ignore[no-any-return]
    pattern, width = _truncation()
    head = text[: max(limit - width, 0)]
    if "%(truncated_text)s" in pattern:
        return pattern % {"truncated_text": head}
    return head if head.endswith(pattern) else f"{head}{pattern}"


def localtime(value: dt.datetime | None, fmt: str = "%m-%d %H:%M") -> str:
    if value is None:
        return ""
    # The site's zone given, not looked up per row: nothing activates another (asgiref's Local is slow).
    return timezone.localtime(value, timezone.get_default_timezone()).strftime(fmt)


def urlencode(value: Any) -> str:
    return quote(str(value), safe="/")


def linebreaks(value: Any) -> SafeString:
    """Django's ``|linebreaks``: the text escaped (not when it is HTML already), in ``<p>`` and ``<br>``."""
    return defaultfilters.linebreaks_filter(value, autoescape=not hasattr(value, "__html__"))  # type: ignore[no-any-return]


def linebreaksbr(value: Any) -> SafeString:
    """Django's ``|linebreaksbr``: the text escaped (not when it is HTML already), newlines as ``<br>``."""
    return defaultfilters.linebreaksbr(value, autoescape=not hasattr(value, "__html__"))  # type: ignore[no-any-return]


# Globals of apps above common (registered in their AppConfig.ready()), and the environments built.
_app_globals: dict[str, Any] = {}
_environments: list[Environment] = []


def register_global(name: str, value: Any) -> None:
    """Give every Jinja2 template ``name`` (an app's helper, e.g. follows' ``follow_buttons``)."""
    _app_globals[name] = value
    for env in _environments:
        env.globals[name] = value


class WidgetRenderer(renderers.Jinja2):
    """Django's own widget templates in their Jinja2 version (django/forms/jinja2), for a form on a hot page.

    A ``<select>`` of a dozen options rendered by the Django template engine costs an include and its
    context per option; the same markup from Jinja2 costs a few string joins. Jinja2 drops the
    trailing newline of an included template, which Django keeps after each ``<option>``:
    common/widgets/ has the one template that differs by it (select.html), so the HTML is byte for
    byte Django's. A form opts in with ``default_renderer = WidgetRenderer()``.
    """

    @cached_property
    def engine(self) -> Any:
        return self.backend({
            "APP_DIRS": True, "NAME": "djangoforms-jinja2", "OPTIONS": {},
            "DIRS": [Path(__file__).parent / "widgets", Path(renderers.__file__).parent / "jinja2"],
        })


def environment(**options: Any) -> Environment:
    options.setdefault("extensions", []).append("jinja2.ext.i18n")
    env = Environment(**options)  # noqa: S701 - autoescape is set in settings.TEMPLATES
    env.template_class = Template
    # The i18n extension's calls with our functions: _() straight to translate (no alias per call).
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    env.globals.update(_=translate, gettext=translate, ngettext=ntranslate, url=url, icon=svg, static=static,
                       idempotency_field=idempotency_field, **_app_globals)
    env.filters.update(truncatechars=truncatechars, localtime=localtime, urlencode=urlencode,
                       linebreaks=linebreaks, linebreaksbr=linebreaksbr)
    _environments.append(env)
    return env
