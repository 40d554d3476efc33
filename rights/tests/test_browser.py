"""The rights page and the desk in headless Chromium, as a person and the DPO use them.

Writes docs/ screenshots when LK_SCREENSHOTS_DIR is set (see docs/rights.md).
"""

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User

from rights.models import RightsRequest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shots(tmp_path) -> Path:
    return Path(os.environ.get("LK_SCREENSHOTS_DIR") or tmp_path)


def _dismiss_banner(page) -> None:
    page.wait_for_selector("#lk-consent:not([hidden])")
    page.locator("button[value=reject_all]").click()
    page.wait_for_selector("#lk-consent", state="hidden")


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_person_sends_a_request_from_the_rights_page(browser_page, tmp_path, language):
    page = browser_page
    page.set_extra_http_headers({"Accept-Language": language})
    page.goto("/rights/")
    _dismiss_banner(page)
    page.screenshot(path=_shots(tmp_path) / f"rights-page-{language}.png", full_page=True)
    page.locator("input[value=access]").check()
    page.fill("#id_email", "ivan.petrov@example.com")
    page.locator("form[action='/rights/'] button[type=submit]").click()
    page.wait_for_selector("strong")
    reference = RightsRequest.objects.get().reference
    assert reference in page.content()


def test_the_dpo_sees_the_request_on_the_desk(browser_page, tmp_path):
    user = User.objects.create_user("dpo", password="a-long-dpo-password-1", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name="dpo")[0])
    page = browser_page
    page.goto("/rights/")
    _dismiss_banner(page)
    page.locator("input[value=erasure]").check()
    page.fill("#id_phone", "+7 916 123-45-67")
    page.locator("form[action='/rights/'] button[type=submit]").click()
    page.wait_for_selector("strong")
    page.goto("/admin/login/?next=/desk/rights/")
    page.fill("#id_username", "dpo")
    page.fill("#id_password", "a-long-dpo-password-1")
    page.locator("input[type=submit]").click()
    page.wait_for_selector("h1:has-text('Rights requests')")
    assert "call back to verify" in page.content()
    page.screenshot(path=_shots(tmp_path) / "rights-desk.png", full_page=True)
    page.get_by_role("link", name=RightsRequest.objects.get().reference).click()
    page.get_by_role("button", name="Called back: the person confirmed").click()
    page.wait_for_selector("text=locate")
    assert RightsRequest.objects.get().verified_via == "phone"
    page.screenshot(path=_shots(tmp_path) / "rights-desk-detail.png", full_page=True)
