"""信箱 pages: one's own messages only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shequtong.common import access
from shequtong.common.pagination import paginate

from . import selectors, services


@access.login
def message_list(request: HttpRequest) -> HttpResponse:
    return render(request, "inbox/list.html", {"page_obj": paginate(request, selectors.messages_for(request.user))})


@access.login
def message_detail(request: HttpRequest, message_id: int) -> HttpResponse:
    message = services.mark_read(actor=request.user, message_id=message_id)
    return render(request, "inbox/detail.html", {"message": message})
