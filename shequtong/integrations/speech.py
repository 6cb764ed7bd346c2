"""Server-side speech-to-text for dictated 面对面 records (FV-2), where the browser has no speech API.

WeChat's built-in browser and most phone browsers in China have no Web Speech
API, so the record form records audio (MediaRecorder) and uploads the clip with
the record. When ``settings.SPEECH_BACKEND`` names an adapter (a dotted path to
a class with ``transcribe``), the visits service asks it for the text; no
adapter is configured by default, and then the typed text is the record's
content. An adapter talks to a system we do not run (a cloud ASR service) and
raises ``SpeechUnavailable`` (worth retrying) or ``SpeechRejected``.
"""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from .errors import IntegrationError


class SpeechError(IntegrationError):
    """The speech service could not turn the clip into text."""


class SpeechUnavailable(SpeechError):
    retryable = True


class SpeechRejected(SpeechError):
    retryable = False


class SpeechBackend(Protocol):
    def transcribe(self, audio: bytes, *, content_type: str, language: str = "zh-CN") -> str:
        """The words spoken in the clip (Simplified Chinese), or raise a SpeechError."""


def configured() -> bool:
    return bool(getattr(settings, "SPEECH_BACKEND", ""))


def backend() -> SpeechBackend | None:
    """The configured adapter, or None (the default: no server-side transcription)."""
    path = getattr(settings, "SPEECH_BACKEND", "")
    return import_string(path)() if path else None
