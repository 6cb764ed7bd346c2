"""Checking one uploaded image (project cover, progress photo): a real image of an allowed type and size.

What is stored is the image written again from its pixels, without metadata
(GPS position, camera): common/images.strip_metadata, as boards do for posts.
"""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from PIL import Image, UnidentifiedImageError

from shequtong.common.errors import ValidationFailed
from shequtong.common.images import strip_metadata

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
BAD_TYPE = "只能上传 JPG、PNG 或 WEBP 图片"


def check_image(f: Any, *, field: str) -> ContentFile[bytes]:
    """The image re-encoded without metadata, or ValidationFailed (in Chinese) on ``field``."""
    if f.size > MAX_BYTES:
        raise ValidationFailed("单张图片不能超过5MB", field=field)
    try:
        f.seek(0)
        with Image.open(f) as img:
            fmt = img.format or ""
            width, height = img.size
            if width * height > MAX_PIXELS:
                raise ValidationFailed("图片尺寸过大", field=field)
            img.verify()
        if fmt not in ALLOWED_FORMATS:
            raise ValidationFailed(BAD_TYPE, field=field)
        clean = strip_metadata(f, fmt)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationFailed(BAD_TYPE, field=field) from exc
    return ContentFile(clean, name=f"image.{ALLOWED_FORMATS[fmt]}")


def content_type(name: str) -> str:
    return CONTENT_TYPES.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")
