"""common.middleware.LocaleMiddleware: Django's, without the path look-up a site without i18n_patterns never uses."""

from __future__ import annotations

import pytest
from django.http import HttpResponse, HttpResponseNotFound
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation

from shequtong.common.middleware import LocaleMiddleware


@pytest.mark.parametrize(("path", "headers", "cookies", "answer"), [
    ("/boards/b/neighbours/", {}, {}, HttpResponse),
    ("/en/boards/", {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}, {}, HttpResponse),
    ("/", {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}, {"django_language": "zh-hans"}, HttpResponseNotFound),
    ("/zh-hans/nothing/", {"HTTP_ACCEPT_LANGUAGE": "fr"}, {"django_language": "xx"}, HttpResponseNotFound),
])
def test_the_same_language_and_headers_as_django_s(rf, path, headers, cookies, answer):
    def view(request):
        response = answer("x")
        response["Vary"] = "Cookie"
        return response

    seen = []
    for middleware_class in (DjangoLocaleMiddleware, LocaleMiddleware):
        request = rf.get(path, **headers)
        request.COOKIES.update(cookies)
        with translation.override(None):
            response = middleware_class(view)(request)
            seen.append((request.LANGUAGE_CODE, translation.get_language(), dict(response.headers),
                         response.status_code))
    assert seen[0] == seen[1]
    assert seen[1][2]["Vary"] == "Cookie, Accept-Language" and seen[1][2]["Content-Language"] == "zh-hans"


def test_with_i18n_patterns_it_is_django_s_own(rf, monkeypatch):
    from shequtong.common import middleware

    called = []
    monkeypatch.setattr(middleware, "is_language_prefix_patterns_used", lambda urlconf: (True, False))
    monkeypatch.setattr(DjangoLocaleMiddleware, "process_request", lambda self, request: called.append("request"))
    monkeypatch.setattr(DjangoLocaleMiddleware, "process_response",
                        lambda self, request, response: called.append("response") or response)
    LocaleMiddleware(lambda request: HttpResponse())(rf.get("/"))
    assert called == ["request", "response"]
