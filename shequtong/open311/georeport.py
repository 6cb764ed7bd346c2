"""Our cases as Open311 GeoReport v2 (read-only): services, requests, discovery, in JSON and XML.

What is published is what any resident may know about a problem: its
category, status, dates, the community it belongs to and its text with
phone and ID numbers masked. Who raised it is never published. Which cases
are published at all is decided in selectors.py (settings.OPEN311_PUBLISHED_SOURCES).
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET  # noqa: S405 - we only build XML here, never parse it
from typing import Any

from django.utils import timezone

from shequtong.cases.models import Case
from shequtong.common import masking
from shequtong.common.categories import Category
from shequtong.common.text import for_xml

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
DESCRIPTION_MAX = 4000


def mask_text(text: str) -> str:
    """Free text as published: numbers masked however written, characters XML cannot carry dropped."""
    return for_xml(masking.mask_text(text))


def iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def services() -> list[dict[str, Any]]:
    return [
        {"service_code": code, "service_name": str(label), "description": f"{label}类问题", "metadata": False,
         "type": "realtime", "keywords": str(label), "group": "问题跟踪"}
        for code, label in Category.choices
    ]


def service_definition(code: str) -> dict[str, Any] | None:
    """GET services/<code>: our services take no extra attributes, so the definition lists none."""
    if code not in Category.values:
        return None
    return {"service_code": code, "attributes": []}


def request_of(case: Case) -> dict[str, Any]:
    closed = not case.is_open
    status_notes = case.get_status_display()
    if case.grid_result and closed:
        status_notes = f"{status_notes}：{mask_text(case.grid_result)}"
    community = case.community
    return {
        "service_request_id": str(case.pk),
        "status": "closed" if closed else "open",
        "status_notes": status_notes,
        "service_name": case.get_category_display(),
        "service_code": case.category,
        "description": mask_text(f"{case.title}\n\n{case.content}")[:DESCRIPTION_MAX],
        "agency_responsible": community.name,
        "service_notice": None,
        "requested_datetime": iso(case.created_at),
        "updated_datetime": iso(case.updated_at),
        "expected_datetime": None,
        "address": f"上海市宝山区{community.subdistrict.name}{community.name}",
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


def error(code: int, description: str) -> list[dict[str, Any]]:
    return [{"code": code, "description": description}]


# --- XML: the same structures, the element names of the GeoReport v2 XML format ----------

def _append(parent: ET.Element, name: str, value: Any) -> None:
    el = ET.SubElement(parent, name)
    if isinstance(value, bool):
        el.text = "true" if value else "false"
    elif isinstance(value, list):
        for item in value:
            _append(el, name[:-1] if name.endswith("s") else "item", item)
    elif isinstance(value, dict):
        for k, v in value.items():
            _append(el, k, v)
    elif value is not None:
        el.text = for_xml(str(value))


def to_xml(root_name: str, item_name: str, items: list[dict[str, Any]]) -> bytes:
    root = ET.Element(root_name)
    for item in items:
        el = ET.SubElement(root, item_name)
        for k, v in item.items():
            _append(el, k, v)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False)


def object_to_xml(root_name: str, data: dict[str, Any]) -> bytes:
    root = ET.Element(root_name)
    for k, v in data.items():
        _append(root, k, v)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False)
