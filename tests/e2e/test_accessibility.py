"""Accessibility and 长辈模式 in the browser (issue 14), over one seeded district.

1. axe-core over the main pages, as a resident, committee staff and an observer, in normal and 长辈模式.

The pages are those the authorisation matrix opens to each of them (tests/web/matrix.py builds
the objects every URL needs and tests/web/authorisation_matrix.py says who gets a 200), so a
page added later is checked without anyone listing it here. axe-core is the npm package
(package.json devDependencies); it is injected into each page and its serious and critical
violations fail the test; in 长辈模式 text contrast must reach 7:1.

2. In 长辈模式, on ten key pages, computed sizes: body text 18px or more, list titles 20px or more,
buttons and other touch targets 44x44px or more; a screenshot of each at 390px width
(E2E_SCREENSHOTS, test-artifacts/e2e by default).

The district is seeded once (tests/web/matrix.py's world); one browser, one context per role.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shequtong.accounts.models import User

from ..factories import PASSWORD, make_cast, make_post, make_tree
from ..web import authorisation_matrix as table
from ..web.matrix import make_world, page_targets
from .conftest import SHOTS, login

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
# node_modules/axe-core (npm ci) or, where node_modules is shared and lacks it, AXE_CORE_JS.
AXE_JS = [Path(p) for p in (os.environ.get("AXE_CORE_JS", ""), ROOT / "node_modules/axe-core/axe.min.js") if p]
ROLES = ("resident_a", "staff_a", "subdistrict_observer")
# Each page is checked once, as the first of ROLES it opens to; these also as every role they open to.
EVERY_ROLE = {"GET web:home", "GET accounts:me", "GET boards:index", "GET boards:board", "GET boards:post[A]",
              "GET cases:detail[A]", "GET letters:detail[A]"}
# Pages that are not HTML documents or that need a live stream: nothing for axe to read.
NOT_PAGES = ("export", "image", "photo", "cover", "banner", "audio", "stream", "captcha", "healthz",
             "open311:", "logout", "messages[", "subcategories", "recipients", "api:", "otp_")
SEVERE = ("serious", "critical")


def axe_source() -> str:
    for path in AXE_JS:
        if path.is_file():
            return path.read_text(encoding="utf-8")
    pytest.fail("axe-core not found: run npm ci (package.json devDependencies) or set AXE_CORE_JS")


def pages_for(world, role: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    out = []
    for t in page_targets(world):
        if t.method != "GET" or t.api or t.key.endswith("[B]") or t.key not in table.TABLE:
            continue
        if any(word in t.key for word in NOT_PAGES):
            continue
        if table.expected(t.key, role) == 200:
            out.append((t.key, t.url))
    return out


def run_axe(page, *, elder: bool = False) -> list[dict]:  # type: ignore[no-untyped-def]
    """Serious and critical violations; in 长辈模式 text contrast must reach 7:1 (WCAG AAA, MIIT 适老化)."""
    return page.evaluate(
        """async (elder) => {
            const r = await axe.run(document, {resultTypes: ['violations'],
                                               rules: {'color-contrast-enhanced': {enabled: elder}}});
            return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').split('\\n').slice(0, 2).join(' ')),
            }));
        }""",
        elder,
    )


def axe_problems(browser, base: str, world, source: str) -> tuple[list[str], set[str]]:  # type: ignore[no-untyped-def]
    found: list[str] = []
    checked: set[tuple[str, str, bool]] = set()
    for role in ROLES:
        user = world.cast.member(role)
        assert user is not None
        pages = [(k, u) for k, u in pages_for(world, role) if k in EVERY_ROLE or k not in {c[1] for c in checked}]
        assert len(pages) >= 10, (role, pages)
        # The strict CSP refuses an inline script: axe is injected into a context that bypasses it.
        ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", bypass_csp=True)
        ctx.add_init_script(source)  # axe in every page of the context, sent to the browser once
        ctx.set_default_timeout(15_000)
        page = ctx.new_page()
        login(page, base, user.username, PASSWORD)
        for elder in (False, True):
            User.objects.filter(pk=user.pk).update(elder_mode=elder)
            for key, url in pages:
                response = page.goto(base + url)
                if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
                    continue
                if page.locator("html[lang]").count() == 0:
                    continue  # an HTMX fragment (visits:people): part of a page, checked on that page
                checked.add((role, key, elder))
                for v in run_axe(page, elder=elder):
                    found.append(f"{key} as {role}{' 长辈模式' if elder else ''}: {v['impact']} {v['id']} ({v['help']}): "
                                 + " | ".join(v["nodes"]))
        ctx.close()
    # Signed out: the login and registration pages.
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", bypass_csp=True)
    ctx.add_init_script(source)
    page = ctx.new_page()
    for path in ("/accounts/login/", "/accounts/register/", "/accounts/claim/"):
        page.goto(base + path)
        checked.add(("anonymous", path, False))
        for v in run_axe(page):
            found.append(f"{path} signed out: {v['impact']} {v['id']} ({v['help']}): " + " | ".join(v["nodes"]))
    ctx.close()
    distinct = {key for _role, key, _elder in checked}
    print(f"axe checked {len(checked)} page views, {len(distinct)} distinct pages")
    return found, distinct


# --- 长辈模式 sizes -------------------------------------------------------------------

MEASURE = """() => {
    const px = (el) => parseFloat(getComputedStyle(el).fontSize);
    const shown = (el) => {
        const r = el.getBoundingClientRect(), st = getComputedStyle(el);
        return r.width > 0 && r.height > 0 && r.right > 0 && st.visibility !== 'hidden' && st.display !== 'none'
            && parseFloat(st.opacity) > 0 && !el.closest('[aria-hidden=true], .visually-hidden, .skip-link');
    };
    const name = (el) => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
        + ' "' + (el.textContent || el.value || '').trim().slice(0, 16) + '"';
    const out = {body: px(document.body), small: [], titles: [], targets: [], titleCount: 0};
    for (const el of document.body.querySelectorAll('*')) {
        if (['SCRIPT', 'STYLE', 'svg', 'path', 'OPTION'].includes(el.tagName) || !shown(el)) continue;
        const text = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
        if (text && px(el) < 18) out.small.push(name(el) + ' ' + px(el) + 'px');
    }
    for (const el of document.querySelectorAll('.list__title')) {
        if (!shown(el)) continue;
        out.titleCount += 1;
        if (px(el) < 20) out.titles.push(name(el) + ' ' + px(el) + 'px');
    }
    const targets = 'button, .weui-btn, .btn-small, .chip, .like, .linkbtn, .msg__at, select, .file-pick__button, '
        + 'input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not(.file-pick__input):not(.date-pick__value), '
        + '.list__item, .tile, .weui-tabbar__item, .weui-navbar__item, .elder-home__item, .topbar__back';
    for (const el of document.querySelectorAll(targets)) {
        if (!shown(el)) continue;
        const r = el.getBoundingClientRect();
        if (r.height < 43.5 || r.width < 43.5) out.targets.push(name(el) + ' ' + Math.round(r.width) + 'x' + Math.round(r.height));
    }
    return out;
}"""


def key_pages(world) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """(name, role, url): what residents use most, and the committee's list of problems."""
    from django.urls import reverse

    a = world.a
    return [
        ("01-home", "resident_a", reverse("web:home")),
        ("02-notices", "resident_a", reverse("boards:board", args=["notice"])),
        ("03-neighbours-aid", "resident_a", reverse("boards:board", args=["neighbours"]) + "?filter=aid"),
        ("04-post", "resident_a", reverse("boards:post", args=[a.post.pk])),
        ("05-letters", "resident_a", reverse("letters:home")),
        ("06-letter-new", "resident_a", reverse("letters:new")),
        ("07-my-problems", "resident_a", reverse("cases:mine")),
        ("08-inbox", "resident_a", reverse("inbox:list")),
        ("09-me", "resident_a", reverse("accounts:me")),
        ("10-committee-cases", "staff_a", reverse("cases:list")),
        ("11-login", "anonymous", reverse("accounts:login")),
    ]


def elder_problems(browser, base: str, world) -> list[str]:  # type: ignore[no-untyped-def]
    found: list[str] = []
    shots = SHOTS / "elder"
    shots.mkdir(parents=True, exist_ok=True)
    pages: dict[str, object] = {}
    for name, role, url in key_pages(world):
        if role not in pages:
            ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
            ctx.set_default_timeout(15_000)
            page = ctx.new_page()
            user = world.cast.member(role)
            if user is None:
                # Signed out, 长辈模式 is switched on the login page itself.
                page.goto(base + "/accounts/login/")
                page.get_by_test_id("elder-switch").get_by_role("button").click()
                page.wait_for_selector("body.elder")
            else:
                User.objects.filter(pk=user.pk).update(elder_mode=True)
                login(page, base, user.username, PASSWORD)
            pages[role] = page
        page = pages[role]
        page.goto(base + url)  # type: ignore[attr-defined]
        assert page.locator("body.elder").count() == 1, f"{name}: not in 长辈模式"  # type: ignore[attr-defined]
        m = page.evaluate(MEASURE)  # type: ignore[attr-defined]
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]
        if m["body"] < 18:
            found.append(f"{name}: body text {m['body']}px < 18px")
        found += [f"{name}: text below 18px: {x}" for x in m["small"]]
        found += [f"{name}: list title below 20px: {x}" for x in m["titles"]]
        found += [f"{name}: touch target below 44x44px: {x}" for x in m["targets"]]
        if name in ("02-notices", "07-my-problems", "10-committee-cases", "08-inbox"):
            assert m["titleCount"] > 0, f"{name}: no list titles measured (nothing seeded?)"
        if name == "01-home":
            found += elder_home_problems(page)
        if name == "10-committee-cases":
            found += date_picker_problems(page)
        if name == "11-login":
            found += focus_problems(page)
    # A form with a file input: the picker speaks Chinese.
    page = pages["resident_a"]
    from django.urls import reverse

    page.goto(base + reverse("boards:new", args=["neighbours"]))  # type: ignore[attr-defined]
    picker = page.locator(".file-pick__button")  # type: ignore[attr-defined]
    if picker.count() != 1 or picker.inner_text() != "选择图片" or "Choose" in page.inner_text("main"):  # type: ignore[attr-defined]
        found.append("boards:new: the image input is not the Chinese file picker")
    for page in pages.values():
        page.context.close()  # type: ignore[attr-defined]
    return found


def elder_home_problems(page) -> list[str]:  # type: ignore[no-untyped-def]
    """长辈模式 home: the five big entries, and the full grid one tap away with each label on one line."""
    found = []
    entries = page.locator("[data-testid=elder-home] a").all_inner_texts()
    expected = ["社区公告", "人民信箱", "互助", "信箱", "我的"]  # 信箱 may carry "3条未读"
    if len(entries) != len(expected) or not all(e.strip().startswith(x) for e, x in zip(entries, expected, strict=True)):
        found.append(f"01-home: the 长辈模式 home entries are {entries}")
    page.locator(".elder-more summary").click()
    labels = page.evaluate("""() => Array.from(document.querySelectorAll('.elder-more .tile__label')).map(l => [
        l.textContent.trim(), l.getBoundingClientRect().height / parseFloat(getComputedStyle(l).fontSize)])""")
    if "警民直通车" not in [text for text, _lines in labels]:
        found.append("01-home: 警民直通车 missing from 更多服务")
    found += [f"01-home: tile label wraps: {text}" for text, lines in labels if lines > 1.9]
    m = page.evaluate(MEASURE)
    found += [f"01-home 更多服务: touch target below 44x44px: {x}" for x in m["targets"]]
    found += [f"01-home 更多服务: text below 18px: {x}" for x in m["small"]]
    return found


def focus_problems(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Keyboard: the login form in reading order from the (autofocused) username, each with a visible
    focus ring; a skip link before everything else."""
    found, order = [], []
    active = """() => { const e = document.activeElement, st = getComputedStyle(e);
        return [e.id || e.className || e.tagName, st.outlineStyle, parseFloat(st.outlineWidth)]; }"""
    for step in range(4):
        if step:
            page.keyboard.press("Tab")
        el = page.evaluate(active)
        order.append(el[0])
        if el[1] == "none" or el[2] < 2:
            found.append(f"11-login: no visible focus on {el[0]} ({el[1]} {el[2]}px)")
    if order != ["id_username", "id_password", "weui-btn weui-btn_primary", "btn-small btn-small--fill"]:
        found.append(f"11-login: focus order {order}")
    for _ in range(4):
        page.keyboard.press("Shift+Tab")
    if page.evaluate(active)[0] != "skip-link":
        found.append("11-login: no skip link before the form")
    return found


def date_picker_problems(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The date filters are 年 / 月 / 日 selects whatever the browser's language, and fill the real field."""
    boxes = page.locator(".date-pick")
    if boxes.count() == 0:
        return ["10-committee-cases: no 年/月/日 date picker"]
    units = page.evaluate("""() => Array.from(document.querySelector('.date-pick').querySelectorAll('select'))
        .map(s => s.options[0].textContent)""")
    if units != ["年", "月", "日"]:
        return [f"10-committee-cases: the date picker's parts are {units}"]
    page.locator("summary").first.click()
    first = boxes.first.locator("select")
    first.nth(0).select_option("2026")
    first.nth(1).select_option("3")
    first.nth(2).select_option("9")
    value = page.evaluate("() => document.querySelector('.date-pick').nextElementSibling.value")
    return [] if value == "2026-03-09" else [f"10-committee-cases: the date picker wrote {value!r}"]


def test_main_pages_accessible_and_elder_mode_sizes(live_server, browser, transactional_db):
    source = axe_source()
    world = make_world(make_cast(make_tree()))
    # A 社区公告 for the resident's home and the notices board.
    make_post(world.cast.staff_a, world.cast.a, board="notice", title="小区二次供水水箱清洗通知", body="本周六8:00-14:00停水。")
    base = live_server.url

    sizes = elder_problems(browser, base, world)
    axe, distinct = axe_problems(browser, base, world, source)
    assert len(distinct) >= 40, sorted(distinct)
    assert not sizes, f"{len(sizes)} 长辈模式 size problems:\n" + "\n".join(sizes)
    assert not axe, f"{len(axe)} serious/critical axe violations:\n" + "\n".join(axe)
