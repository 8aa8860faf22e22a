"""Browser: the cascading choice re-renders through htmx; 工程系列 → 副高级 → 水利水电工程 → 高级工程师 lists
四川省工程技术高级职称评审委员会 with its notice; once its activity has closed the committee is gone.

Runs in Debian's chromium against pytest-django's live server (set-up shared with tests/browser/conftest.py).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, create_unit, province_root, regions
from titles.demo import committees_load
from titles.models import Activity, Committee

from .conftest import ENGINEERING_COMMITTEE, IP_CENTER

# live_server needs a transactional database, whose flush also empties the roles of the data migration:
# system_roles (tests/browser/conftest.py) puts them back first.
db = pytest.mark.django_db(transaction=True)

NONE_OPEN = "没有符合所选条件且正在进行评审活动的评委会"


def log_in(page: Page, live_server, username: str) -> None:
    page.goto(live_server.url + reverse("login"))
    page.get_by_label("登录名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(live_server.url + reverse("home"))


# htmx wires up swapped-in content only when it settles (~20 ms after the swap): a select changed before that
# sends no request. A person is never that quick, Playwright is — so every pick waits for the settle.
COUNT_SETTLES = "window.__settled = 0; document.addEventListener('htmx:afterSettle', () => window.__settled++);"


def pick(page: Page, select_id: str, label: str, next_id: str | None) -> None:
    """Choose an option; htmx swaps the piece, after which the next select is enabled."""
    settled = page.evaluate("window.__settled")
    page.locator(f"#{select_id}").select_option(label=label)
    page.wait_for_function("n => window.__settled > n", arg=settled)
    if next_id:
        expect(page.locator(f"#{next_id}")).to_be_enabled()
    expect(page.locator(f"#{select_id} option:checked")).to_contain_text(label)


def choose_engineering(page: Page) -> None:
    pick(page, "ch-mode", "评审", "ch-series")
    # Only series with a qualification allowing 评审 — and 副高级 is offered for 工程系列.
    pick(page, "ch-series", "工程系列", "ch-level")
    pick(page, "ch-level", "副高级", "ch-specialty")
    expect(page.locator("#ch-specialty option")).to_have_count(1 + 15)  # 请选择 + 4 roots + 11 sub-specialties
    pick(page, "ch-specialty", "水利水电工程", "ch-qualification")
    expect(page.locator("#ch-qualification option")).to_have_text(["请选择", "高级工程师"])
    pick(page, "ch-qualification", "高级工程师", None)


def shot(page: Page, artifacts: Path, name: str) -> Path:
    page.evaluate("window.scrollTo(0, 0)")
    path = artifacts / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.mark.browser
@pytest.mark.usefixtures("system_roles")
@db
def test_engineering_choice_lists_the_committee_with_its_notice_until_the_activity_closes(
    live_server, page: Page, artifacts: Path
):
    regions()
    root, op = province_root()
    ip_center, _ = create_unit(actor=op, parent=root, kind="committee_office", name=IP_CENTER)
    committees_load(province=root, ip_center=ip_center, region=regions()["province"])
    committee = Committee.objects.get(name=ENGINEERING_COMMITTEE)
    activity = committee.activities.get()
    assert page.viewport_size == {"width": 1366, "height": 768}
    page.add_init_script(COUNT_SETTLES)

    log_in(page, live_server, op.username)
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name=re.compile("^评委会查询")).click()
    expect(page).to_have_url(live_server.url + reverse("titles:choose"))
    expect(page.locator("#ch-series")).to_be_disabled()

    choose_engineering(page)
    card = page.locator(".committee-card", has_text=ENGINEERING_COMMITTEE)
    expect(card).to_have_count(1)
    expect(page.locator(".committee-card")).to_have_count(1)
    expect(card).to_contain_text(activity.title)
    expect(card).to_contain_text("全省工程技术人员（水利水电、电子信息、土木建筑、电力等专业）")
    expect(card).to_contain_text("028-86110001")
    expect(card.get_by_role("radio")).to_be_checked()
    card.get_by_text("查看评审通知").click()
    notice = card.locator(".rich")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(f"现开展{activity.year}年度{ENGINEERING_COMMITTEE}评审工作")
    expect(notice.locator("li")).to_have_count(3)
    shot(page, artifacts, "titles-01-choice-committee")

    # Confirming the choice goes through the server-side check.
    page.get_by_role("button", name="确认选择").click()
    expect(page.get_by_role("heading", name="已确认申报选择")).to_be_visible()
    expect(page.locator("dl.kv")).to_contain_text(ENGINEERING_COMMITTEE)

    # The activity closed yesterday: redo the choice, the committee is gone.
    Activity.objects.filter(pk=activity.pk).update(closes_on=timezone.localdate() - dt.timedelta(days=1))
    page.goto(live_server.url + reverse("titles:choose"))
    choose_engineering(page)
    expect(page.locator(".committee-card")).to_have_count(0)
    expect(page.get_by_text(NONE_OPEN)).to_be_visible()
    expect(page.locator("#choice-piece")).not_to_contain_text(ENGINEERING_COMMITTEE)
    shot(page, artifacts, "titles-02-choice-none-open")
