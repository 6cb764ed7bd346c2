"""Re-encoding uploaded images without their metadata (issue 12 item 6).

A phone photo carries EXIF: the GPS position where it was taken (often the
resident's home), the camera, the time; XMP, IPTC and comments can carry more.
Every uploaded image is decoded and written again from its pixels only:
the EXIF orientation is applied to the pixels first (so the picture stays
upright once the tag is gone), and nothing of the file's metadata is passed to
the encoder except the ICC colour profile (colour rendition; it names no person
or place), an animated GIF's frame timing and loop, and transparency.

Any app accepting an image upload calls `strip_metadata` after checking the
file (boards/images.py does for post images).
"""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageOps

# Encoder options per format: good quality, no metadata.
_SAVE_OPTIONS: dict[str, dict[str, Any]] = {
    "JPEG": {"quality": 90, "optimize": True},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 90},
    "GIF": {},
}
# What may travel from the original to the new file (never exif, xmp, comment, text chunks, IPTC, dpi).
_KEEP = ("icc_profile", "transparency", "duration", "loop", "background", "disposal")


def strip_metadata(data: Any, fmt: str) -> bytes:
    """The image in `data` (a file or bytes) as `fmt` again, upright and without metadata."""
    if isinstance(data, bytes | bytearray):
        data = io.BytesIO(data)
    data.seek(0)
    out = io.BytesIO()
    with Image.open(data) as img:
        frames = getattr(img, "n_frames", 1)
        keep = {k: img.info[k] for k in _KEEP if k in img.info}
        if fmt == "GIF" and frames > 1:
            clean = [_clean_frame(f) for f in _frames(img, frames)]
            clean[0].save(out, format=fmt, save_all=True, append_images=clean[1:], **keep)
        else:
            frame = _clean_frame(ImageOps.exif_transpose(img) or img)
            if fmt == "JPEG" and frame.mode not in ("RGB", "L", "CMYK"):
                frame = frame.convert("RGB")
            frame.save(out, format=fmt, **_SAVE_OPTIONS.get(fmt, {}),
                       **{k: v for k, v in keep.items() if k == "icc_profile" or fmt in ("PNG", "GIF")})
    return out.getvalue()


def _frames(img: Image.Image, count: int) -> list[Image.Image]:
    frames = []
    for i in range(count):
        img.seek(i)
        frames.append(img.copy())
    return frames


def _clean_frame(frame: Image.Image) -> Image.Image:
    """A copy of the pixels with no info dictionary and an empty EXIF (the encoders look at both)."""
    frame = frame.copy()
    frame.info = {}
    exif = frame.getexif()
    exif.clear()
    return frame
