"""Static files in service: whitenoise's compressed, hashed names, each name's URL worked out once.

Every page asks for the URLs of its stylesheets, scripts and icon through ``{% static %}``
(six in the shell alone). With the manifest the answer for a name never changes while the
process runs, yet Django looks it up in the manifest, joins it to ``STATIC_URL`` and quotes it
on every call; here it is kept after the first (issue 11).
"""

from __future__ import annotations

from typing import Any

from whitenoise.storage import CompressedManifestStaticFilesStorage


class KeptUrlStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._kept_urls: dict[str, str] = {}

    def url(self, name: str | None, force: bool = False) -> str:
        if force or not name:
            return super().url(name, force)
        found = self._kept_urls.get(name)
        if found is None:
            found = self._kept_urls[name] = super().url(name)
        return found
