"""Turn domain errors that escape a view into the right HTTP answer; refuse NUL input; the locale."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers

from .errors import DomainError
from .inputs import MAX_DB_INT, has_nul


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DomainError):
            return render(request, "error.html", {"message": exception.message, "status": exception.status}, status=exception.status)
        return None


class CleanInputMiddleware:
    """Pages: refuse a NUL character (``%00``) in the path, the query string or a posted form,
    and answer 404 for a number in the path too large for any id (``/boards/posts/2⁶⁴/``).

    PostgreSQL cannot compare or store NUL in text, so ``?q=%00`` on a search box
    used to answer 500 (issue 12, item 9). Every page's search box and filter
    reads ``request.GET`` directly, so the check is made once, here, with a 400
    page in Chinese. The API checks its own input (api/parsing.py) and answers
    in its JSON error format, so /api/ is left to it. Multipart forms are left to
    Django's form fields, which refuse NUL themselves. Django's ``<int:…>`` path
    converter accepts any length of digits, and a number above 2⁶³ overflowed the
    query: no object has such an id, so the answer is the usual 404 page.
    """

    message = "请求中含有不允许的空字符（%00），请修改后重试"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith("/api/"):
            if self._has_nul(request):
                return render(request, "error.html", {"message": self.message, "status": 400}, status=400)
            if any(part.isdigit() and int(part) > MAX_DB_INT for part in request.path_info.split("/")):
                raise Http404("no such id")
        return self.get_response(request)

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        if has_nul(request.path_info) or has_nul(dict(request.GET.lists())):
            return True
        if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
            return has_nul(dict(request.POST.lists()))
        return False


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's LocaleMiddleware, without looking for a language in the path of a site that has no
    ``i18n_patterns`` (ours): Django's reads the first path segment as a language code in both halves
    of every request (``/boards/…`` → "boards"), and the failed look-up raises an exception that its
    cache does not keep (the middleware's own time 90 → 45 µs, bench/middleware_cost.py). With ``i18n_patterns`` it is Django's own code."""

    def process_request(self, request: HttpRequest) -> None:
        if is_language_prefix_patterns_used(getattr(request, "urlconf", settings.ROOT_URLCONF))[0]:
            return super().process_request(request)
        translation.activate(translation.get_language_from_request(request, check_path=False))
        request.LANGUAGE_CODE = translation.get_language()  # type: ignore[attr-defined]
        return None

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if is_language_prefix_patterns_used(getattr(request, "urlconf", settings.ROOT_URLCONF))[0]:
            return super().process_response(request, response)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
