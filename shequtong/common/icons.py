"""The app's line icons (24×24, stroke: currentColor): one SVG per name, built once.

Used by ``{% icon name %}`` (common/templatetags/icons.py), the ``web/icon.html`` include that
older templates use, and ``icon(name)`` in Jinja2 fragments. An unknown name gets a dot.
"""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe

_OPEN = '<svg class="icon" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">'
_CLOSE = "</svg>"

PATHS: dict[str, str] = {
    'home': '<path d="M3 11l9-7 9 7"/><path d="M5 10v10h5v-6h4v6h5V10"/>',
    'mail': '<rect x="3" y="5" width="18" height="14" rx="2"/><path d="M3 7l9 6 9-6"/>',
    'me': '<circle cx="12" cy="8" r="4"/><path d="M4 21c1-4 4.5-6 8-6s7 2 8 6"/>',
    'manage': '<rect x="4" y="4" width="7" height="7" rx="1.5"/><rect x="13" y="4" width="7" height="7" rx="1.5"/><rect x="4" y="13" width="7" height="7" rx="1.5"/><rect x="13" y="13" width="7" height="7" rx="1.5"/>',
    'observe': '<circle cx="11" cy="11" r="6"/><path d="M20 20l-4.5-4.5"/>',
    'search': '<circle cx="10.5" cy="10.5" r="6.5"/><path d="M20 20l-4.8-4.8"/><path d="M7.5 9h6"/><path d="M7.5 12h4"/>',
    'data': '<path d="M4 20V10"/><path d="M10 20V4"/><path d="M16 20v-7"/><path d="M22 20H2"/>',
    'notice': '<path d="M4 10v4h3l6 4V6L7 10z"/><path d="M17 9a4 4 0 010 6"/>',
    'people': '<circle cx="9" cy="8" r="3"/><circle cx="17" cy="9" r="2.5"/><path d="M3 20c.8-3.5 3.3-5 6-5s5.2 1.5 6 5"/><path d="M15 15.5c2.6-.4 4.8 1 5.5 4.5"/>',
    'shield': '<path d="M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z"/><path d="M9 12l2 2 4-4"/>',
    'check': '<path d="M5 12l5 5 9-10"/>',
    'key': '<circle cx="8" cy="15" r="4"/><path d="M11 12l9-9"/><path d="M17 6l2 2"/>',
    'warn': '<path d="M12 3l10 18H2z"/><path d="M12 10v5"/><path d="M12 18h.01"/>',
    'chat': '<path d="M4 5h16v11H9l-5 4z"/>',
    'heart': '<path d="M12 20s-8-5-8-11a4.5 4.5 0 018-2.8A4.5 4.5 0 0120 9c0 6-8 11-8 11z"/>',
    'party': '<path d="M5 21V4"/><path d="M5 4h12l-3 4 3 4H5"/>',
    'doctor': '<rect x="4" y="4" width="16" height="16" rx="3"/><path d="M12 8v8M8 12h8"/>',
    'building': '<rect x="5" y="3" width="14" height="18" rx="1"/><path d="M9 7h2M13 7h2M9 11h2M13 11h2M9 15h2M13 15h2"/>',
    'service': '<circle cx="12" cy="12" r="8"/><path d="M12 8v4l3 2"/>',
    'vote': '<rect x="4" y="10" width="16" height="10" rx="1"/><path d="M8 10l4-6 4 6"/>',
    'letter': '<path d="M4 4h16v16H4z"/><path d="M8 9h8M8 13h8M8 17h5"/>',
    'district': '<path d="M2 20l6-10 4 6 3-4 7 8z"/><circle cx="17" cy="6" r="2"/>',
    'pen': '<path d="M4 20l4-1 11-11-3-3L5 16z"/><path d="M14 6l3 3"/>',
    'visit': '<circle cx="7" cy="7" r="2.5"/><circle cx="17" cy="7" r="2.5"/><path d="M2.5 17c.6-3 2.3-4.5 4.5-4.5s3.9 1.5 4.5 4.5"/><path d="M12.5 17c.6-3 2.3-4.5 4.5-4.5s3.9 1.5 4.5 4.5"/><path d="M9 20h6"/>',
    'rural': '<path d="M12 21v-9"/><path d="M12 12c0-4 3-7 8-7 0 4-3 7-8 7z"/><path d="M12 14c0-3-2.5-5.5-7-5.5 0 3 2.5 5.5 7 5.5z"/><path d="M5 21h14"/>',
    'log': '<path d="M3 11l18-8-8 18-2-8z"/><path d="M11 13L21 3"/>',
}
_DEFAULT = '<circle cx="12" cy="12" r="3"/>'

_SVG: dict[str, SafeString] = {name: mark_safe(_OPEN + paths + _CLOSE) for name, paths in PATHS.items()}  # noqa: S308 - constants
_FALLBACK = mark_safe(_OPEN + _DEFAULT + _CLOSE)  # noqa: S308 - a constant


def svg(name: str) -> SafeString:
    return _SVG.get(name, _FALLBACK)
