"""The 人民信箱 journey with the keyboard only (issue 14): a resident writes a letter with a photo,
the committee answers and resolves it, the resident follows the notice in 信箱 and rates it.

Every action inside a page is Tab, Shift+Tab, arrow keys in a radio group, Space, Enter or typing;
the file chooser is opened by pressing Space on the file input (page.expect_file_chooser).
A page is entered by its address (as typed into the address bar).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from shequtong.accounts.roles import Role
from shequtong.cases.models import Case
from shequtong.letters.defaults import ensure_defaults
from shequtong.letters.models import Letter, LetterPhoto

from ..factories import PASSWORD, make_tree, make_with_role
from .conftest import shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MAX_TABS = 120


def tab_to(page, selector: str, *, limit: int = MAX_TABS) -> None:  # type: ignore[no-untyped-def]
    """Press Tab until the element matching ``selector`` has the focus (fails if it is never reached)."""
    focused = page.locator(f"{selector}:focus")
    for _ in range(limit):
        if focused.count():
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} is not reachable with Tab")


def arrow_to(page, selector: str, *, key: str = "ArrowRight", limit: int = 20) -> None:  # type: ignore[no-untyped-def]
    """In a radio group: move (and check) with the arrow key until ``selector`` has the focus."""
    focused = page.locator(f"{selector}:focus")
    for _ in range(limit):
        if focused.count():
            return
        page.keyboard.press(key)
    raise AssertionError(f"{selector} is not reachable with {key}")


def keyboard_login(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.set_default_timeout(60_000)  # the shared test machine can be slow; the steps wait, they do not sleep
    page.goto(base + "/accounts/login/")
    tab_to(page, "#id_username")
    page.keyboard.type(username)
    tab_to(page, "#id_password")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/accounts/login/" not in page.url, page.locator(".form-error").all_inner_texts()


def test_write_with_a_photo_answer_and_rate_with_the_keyboard_only(live_server, new_page, tmp_path: Path):
    ensure_defaults()  # a transactional test starts from a flushed database
    tree = make_tree()
    resident = make_with_role(Role.RESIDENT, tree.comm_a1, username="kbd-res", real_name="张晓明")
    secretary = make_with_role(Role.COMMITTEE_SECRETARY, tree.comm_a1, username="kbd-sec", real_name="陈建国")
    base = live_server.url
    photo_path = tmp_path / "pavement.png"
    Image.new("RGB", (2400, 1800), (180, 170, 160)).save(photo_path)  # a phone-sized photo: shrunk before sending

    # --- The resident writes a letter with a photo --------------------------------------------
    page = new_page()
    keyboard_login(page, base, resident.username)
    page.goto(base + "/letters/new/")
    tab_to(page, "input[name=category]")
    arrow_to(page, "input[name=category][value=construction]")
    expect(page.locator("input[name=category][value=construction]")).to_be_checked()
    expect(page.locator("[data-subcat-group=construction]")).to_be_visible()
    tab_to(page, "[data-subcat-group=construction] input[name=subcategories]")
    page.keyboard.press("Space")
    expect(page.locator("[data-subcat-group=construction] input[name=subcategories]:checked")).to_have_count(1)
    tab_to(page, "#id_title")
    page.keyboard.insert_text("小区南门人行道地砖松动")
    tab_to(page, "#id_content")
    page.keyboard.insert_text("南门人行道地砖松动翘起，老人推车经过容易绊倒，请尽快修复。")
    tab_to(page, "#id_photos")
    with page.expect_file_chooser(timeout=60_000) as chooser:  # the shared machine can be slow
        page.keyboard.press("Space")
    chooser.value.set_files(str(photo_path))
    expect(page.locator("#photos-status")).to_have_text("已选择1张照片")
    shot(page, "kbd-01-letter-with-photo")
    tab_to(page, "button[type=submit]:has-text('提交')")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=提交成功")
    letter = Letter.objects.get()
    photo = LetterPhoto.objects.get(letter=letter)
    assert max(photo.width, photo.height) <= 1600  # shrunk in the browser (2400 px taken)
    expect(page.locator("[data-testid=letter-photos] img")).to_have_count(1)
    shot(page, "kbd-02-letter-submitted")

    # --- The secretary answers and resolves it -------------------------------------------------
    staff = new_page()
    keyboard_login(staff, base, secretary.username)
    staff.goto(base + "/cases/")
    tab_to(staff, f"a[href='/cases/{letter.case_id}/']")
    staff.keyboard.press("Enter")
    staff.wait_for_selector("[data-testid=case-head]")
    expect(staff.locator("[data-testid=case-photos] img")).to_have_count(1)
    tab_to(staff, "textarea[name=note]")
    staff.keyboard.insert_text("已收到，明天联系市政养护单位现场查看。")
    tab_to(staff, "button[value=reply]")
    staff.keyboard.press("Enter")
    staff.wait_for_selector("text=已回复")
    tab_to(staff, "textarea[name=note]")
    staff.keyboard.insert_text("人行道地砖已重新铺设。")
    tab_to(staff, "button[value=resolve]")
    staff.keyboard.press("Enter")
    staff.wait_for_selector("text=已标记已解决")
    shot(staff, "kbd-03-resolved")

    # --- The resident follows the notice in 信箱 and rates ----------------------------------------
    page.goto(base + "/inbox/")
    item = "[data-testid=inbox-item]:has-text('您反映的『小区南门人行道地砖松动』已解决')"
    expect(page.locator(item)).to_have_count(1)
    expect(page.locator(f"{item} [data-testid=inbox-group]")).to_contain_text("此事共 2 条通知")  # the reply (it accepts), 已解决
    shot(page, "kbd-04-inbox-grouped")
    tab_to(page, item)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=notices-about-item]")
    tab_to(page, "a:has-text('查看详情')")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=rating-form]")
    tab_to(page, "input[name=stars]")
    arrow_to(page, "#star-4", key="ArrowDown")
    expect(page.locator("#star-4")).to_be_checked()
    tab_to(page, "textarea[name=feedback]")
    page.keyboard.insert_text("处理很及时，谢谢居委。")
    shot(page, "kbd-05-rating")
    tab_to(page, "button:has-text('提交评价')")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=感谢您的评价")
    case = Case.objects.get(pk=letter.case_id)
    assert case.rating.stars == 4 and case.rating.feedback == "处理很及时，谢谢居委。"
    shot(page, "kbd-06-rated")
