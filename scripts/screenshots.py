"""Take screenshots of the main pages for a visual check (development aid).

Usage: .venv/bin/python scripts/screenshots.py [base_url] [out_dir]
Logs in as demo accounts and saves PNGs; needs a running server with the demo district.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(sys.argv[2] if len(sys.argv) > 2 else "test-artifacts/screens")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

SHOTS = [
    (None, ["/accounts/login/", "/accounts/register/"]),
    ("demo-resident", ["/", "/inbox/", "/accounts/me/"]),
    ("demo-secretary", ["/", "/manage/", "/accounts/manage/reviews/", "/accounts/manage/roles/"]),
    ("demo-subdistrict", ["/", "/observe/", "/data/"]),
    ("demo-district", ["/", "/observe/"]),
]


def demo_code() -> str:
    import base64

    from django_otp.oath import totp

    return f"{totp(base64.b32decode('SHEQUTONGDEMOSHEQUTONGDEMO234567')):06d}"  # demo/otp.py DEMO_TOTP_SECRET


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for username, paths in SHOTS:
            ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1, locale="zh-CN")
            page = ctx.new_page()
            if username:
                page.goto(BASE + "/accounts/login/")
                page.fill("#id_username", username)
                page.fill("#id_password", "Demo@2026")
                page.click("button[type=submit]")
                page.wait_for_load_state("networkidle")
                if "/accounts/otp/" in page.url:  # demo staff: the published second factor (demo/otp.py)
                    page.fill("#id_token", demo_code())
                    page.click("button[type=submit]")
                    page.wait_for_load_state("networkidle")
            for path in paths:
                page.goto(BASE + path)
                page.wait_for_load_state("networkidle")
                name = f"{username or 'anon'}{path.replace('/', '_')}.png"
                page.screenshot(path=str(OUT / name), full_page=True)
                print(OUT / name)
            ctx.close()
        browser.close()


if __name__ == "__main__":
    main()
