"""Create .env from .env.example with fresh development keys (never overwrites)."""

from __future__ import annotations

import base64
import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    env = ROOT / ".env"
    if env.exists():
        return 0
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    fresh = {
        "FIELD_ENCRYPTION_KEY=": "FIELD_ENCRYPTION_KEY=" + base64.b64encode(os.urandom(32)).decode(),
        "BLIND_INDEX_KEY=": "BLIND_INDEX_KEY=" + base64.b64encode(os.urandom(32)).decode(),
        "AUDIT_CHAIN_KEY=": "AUDIT_CHAIN_KEY=" + secrets.token_urlsafe(40),
        "# DJANGO_SECRET_KEY=<50+ random characters>": "DJANGO_SECRET_KEY=" + secrets.token_urlsafe(50),
    }
    lines = [fresh.get(line.strip(), line) for line in text.splitlines()]
    env.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("created .env with fresh development keys")
    return 0


if __name__ == "__main__":
    sys.exit(main())
