"""Checking images attached to posts: real images of an allowed type and size, and not too many.

The declared content type and file name are the uploader's word; Pillow reads
the bytes to find what the file really is. What is stored is the image written
again without its metadata (GPS position, camera, comments), turned upright
(common/images.strip_metadata).
"""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from PIL import Image, UnidentifiedImageError

from shequtong.common.errors import ValidationFailed
from shequtong.common.images import strip_metadata

MAX_IMAGES = 9
MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a decompression bomb is refused before it is decoded
ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}


def check_images(files: list[Any]) -> list[tuple[ContentFile[bytes], str]]:
    """Return (clean file, extension) for each file, or raise ValidationFailed with a message in Chinese.

    The clean file is the image re-encoded without metadata; the upload itself is never stored.
    """
    if len(files) > MAX_IMAGES:
        raise ValidationFailed(f"最多上传{MAX_IMAGES}张图片", field="images")
    checked = []
    for f in files:
        if f.size > MAX_BYTES:
            raise ValidationFailed("单张图片不能超过5MB", field="images")
        try:
            f.seek(0)
            with Image.open(f) as img:
                fmt = img.format or ""
                width, height = img.size
                if width * height > MAX_PIXELS:
                    raise ValidationFailed("图片尺寸过大", field="images")
                img.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
            raise ValidationFailed("只能上传 JPG、PNG、GIF 或 WEBP 图片", field="images") from exc
        if fmt not in ALLOWED_FORMATS:
            raise ValidationFailed("只能上传 JPG、PNG、GIF 或 WEBP 图片", field="images")
        try:
            clean = strip_metadata(f, fmt)
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
            raise ValidationFailed("只能上传 JPG、PNG、GIF 或 WEBP 图片", field="images") from exc
        checked.append((ContentFile(clean, name=f"image.{ALLOWED_FORMATS[fmt]}"), ALLOWED_FORMATS[fmt]))
    return checked
