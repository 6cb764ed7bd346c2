"""common/staticfiles.py: in service a static file's URL is looked up in the manifest once."""

from __future__ import annotations

from pathlib import Path

import pytest
from whitenoise.storage import CompressedManifestStaticFilesStorage

from shequtong.common.staticfiles import KeptUrlStaticFilesStorage


def test_a_static_url_is_worked_out_once_per_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def manifest_url(self: object, name: str, force: bool = False) -> str:
        asked.append(name)
        return f"/static/{name.replace('.css', '.0a1b2c.css')}"

    monkeypatch.setattr(CompressedManifestStaticFilesStorage, "url", manifest_url)
    storage = KeptUrlStaticFilesStorage(location=str(tmp_path))
    assert storage.url("css/app.css") == storage.url("css/app.css") == "/static/css/app.0a1b2c.css"
    assert storage.url("css/boards.css") == "/static/css/boards.0a1b2c.css"
    assert asked == ["css/app.css", "css/boards.css"]
    storage.url("css/app.css", force=True)  # collectstatic's own look-ups are never kept
    assert asked[-1] == "css/app.css" and len(asked) == 3


def test_a_name_missing_from_the_manifest_is_refused_every_time(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(self: object, name: str, force: bool = False) -> str:
        raise ValueError(f"Missing staticfiles manifest entry for '{name}'")

    monkeypatch.setattr(CompressedManifestStaticFilesStorage, "url", missing)
    storage = KeptUrlStaticFilesStorage(location=str(tmp_path))
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/nope.css")
