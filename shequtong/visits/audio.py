"""Checking a dictated audio clip attached to a visit: a real audio file of an allowed type and size.

The browser's declared content type and the file name are the uploader's
word; the first bytes say what the file really is.
"""

from __future__ import annotations

from typing import Any

from shequtong.common.errors import ValidationFailed

MAX_BYTES = 10 * 1024 * 1024
_MESSAGE = "录音只能是 WebM、OGG、MP3、M4A、WAV 或 AMR 格式"


def sniff(head: bytes) -> tuple[str, str] | None:
    """(extension, content type) of an audio file from its first bytes, or None."""
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm", "audio/webm"
    if head.startswith(b"OggS"):
        return "ogg", "audio/ogg"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3", "audio/mpeg"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "wav", "audio/wav"
    if head[4:8] == b"ftyp":
        return "m4a", "audio/mp4"
    if head.startswith(b"#!AMR"):
        return "amr", "audio/amr"
    return None


def check_audio(f: Any) -> tuple[str, str]:
    """Return (extension, content type) for an uploaded clip or raise ValidationFailed."""
    if f.size > MAX_BYTES:
        raise ValidationFailed("录音不能超过10MB", field="audio")
    if f.size == 0:
        raise ValidationFailed("录音文件为空", field="audio")
    f.seek(0)
    head = f.read(16)
    f.seek(0)
    found = sniff(head)
    if found is None:
        raise ValidationFailed(_MESSAGE, field="audio")
    return found
