"""A server-side arithmetic captcha drawn as a PNG (no external service), asked before more SMS codes.

A challenge is a random sum or difference of small numbers; its answer lives in the cache for
five minutes under a random id and is good for one check, right or wrong.
"""

from __future__ import annotations

import io
import random
import secrets

from django.core.cache import cache
from PIL import Image, ImageDraw, ImageFilter, ImageFont

TTL_SECONDS = 300
PROMPT = "请输入图中算式的结果"
_rng = random.SystemRandom()


def _key(captcha_id: str) -> str:
    return f"captcha:{captcha_id}"


def new_challenge() -> str:
    """Create a challenge; returns its id (the image is drawn by `image_png`)."""
    a, b = _rng.randint(2, 19), _rng.randint(1, 9)
    op = _rng.choice("+-")
    answer = a + b if op == "+" else a - b
    captcha_id = secrets.token_urlsafe(16)
    cache.set(_key(captcha_id), {"q": f"{a} {op} {b} = ?", "a": str(answer)}, TTL_SECONDS)
    return captcha_id


def image_png(captcha_id: str) -> bytes | None:
    data = cache.get(_key(captcha_id))
    if not data:
        return None
    width, height = 150, 50
    img = Image.new("RGB", (width, height), (246, 247, 249))
    draw = ImageDraw.Draw(img)
    for _ in range(6):  # noise lines
        draw.line([(_rng.randint(0, width), _rng.randint(0, height)) for _ in range(2)],
                  fill=(_rng.randint(120, 200), _rng.randint(120, 200), _rng.randint(120, 200)), width=1)
    font = ImageFont.load_default(size=26)
    x = 8
    for ch in data["q"]:
        draw.text((x, _rng.randint(4, 14)), ch, font=font, fill=(_rng.randint(10, 90), _rng.randint(10, 90), 120))
        x += 14 if ch == " " else 17
    for _ in range(120):  # noise dots
        draw.point((_rng.randint(0, width - 1), _rng.randint(0, height - 1)), fill=(90, 90, 90))
    img = img.filter(ImageFilter.SMOOTH)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def check(captcha_id: str | None, answer: str | None) -> bool:
    """True once for the right answer; any check uses the challenge up."""
    if not captcha_id:
        return False
    data = cache.get(_key(captcha_id))
    cache.delete(_key(captcha_id))
    return bool(data) and (answer or "").strip() == data["a"]


def answer_of(captcha_id: str) -> str | None:
    """For tests and the demo's own scripts: the expected answer (never exposed over HTTP)."""
    data = cache.get(_key(captcha_id))
    return data["a"] if data else None
