"""Browser journey through the foundation: login, org tree, one-time passwords, forced password change.

Runs against pytest-django's live server in Debian's chromium (see conftest.py). Screenshots of the key
pages go to test-artifacts/ for a human to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Locator, Page, expect

from accounts.models import RoleAssignment, User
from accounts.validators import PASSWORD_RULES_HELP
from common.checksums import MSG_USCC_CHECK, USCC_CHARSET
from orgs.kinds import OrgKind
from orgs.models import Org
from tests.factories import PASSWORD, next_id_number, next_uscc, province_root, regions

# live_server needs a transactional database; system_roles (conftest.py) restores the migrated roles first.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("system_roles")]

CITY_HR = "眉山市人力资源和社会保障局"
COUNTY_HR = "东坡区人力资源和社会保障局"
FORCED_CHANGE_WARNING = "您正在使用一次性初始密码，请先设置新密码后再使用系统。"


# --------------------------------------------------------------------------------------------- helpers
def url(live_server, name: str, *args) -> str:
    return live_server.url + reverse(name, args=args)


def shot(page: Page, artifacts: Path, name: str) -> None:
    # A screenshot of an unstyled page would be worthless: the stylesheet must have loaded.
    assert page.evaluate(
        "[...document.styleSheets].some(s => s.href && s.href.endsWith('/css/app.css') && s.cssRules.length)"
    ), "static/css/app.css did not load"
    # From the top: a full-page capture of a scrolled page draws the sticky top bar mid-page.
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def log_in(page: Page, live_server, username: str, password: str) -> None:
    page.goto(url(live_server, "login"))
    page.get_by_label("登录名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def log_out(page: Page, live_server) -> None:
    page.locator(".topbar").get_by_role("button", name="退出").click()
    expect(page).to_have_url(url(live_server, "login"))


def open_menu(page: Page, label: str) -> None:
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name=label).click()


def select_region(select: Locator, name: str) -> None:
    """Pick the option whose label (e.g. "四川省 / 眉山市") ends with the region's own name."""
    labels = [lbl.strip() for lbl in select.locator("option").all_inner_texts()]
    matches = [i for i, lbl in enumerate(labels) if name in lbl and lbl.endswith(name)]
    assert len(matches) == 1, f"expected one option ending with {name!r}: {labels}"
    select.select_option(index=matches[0])


def fill_org_form(page: Page, *, kind: str, name: str, uscc: str, region: str, operator: str, id_number: str) -> None:
    page.get_by_label("单位分类").select_option(label=kind)
    page.get_by_label("单位名称").fill(name)
    page.get_by_label("统一社会信用代码").fill(uscc)
    select_region(page.get_by_label("所属行政区域"), region)
    select_region(page.get_by_label("职称业务归属地"), region)
    page.get_by_label("经办人员姓名").fill(operator)
    page.get_by_label("经办人员身份证号码").fill(id_number)


def change_password(page: Page, old: str, new: str) -> None:
    page.locator("#id_old_password").fill(old)
    page.locator("#id_new_password1").fill(new)
    page.locator("#id_new_password2").fill(new)
    page.get_by_role("button", name="确定").click()
    page.wait_for_load_state()


# --------------------------------------------------------------------------------------------- tests
@pytest.mark.browser
def test_province_creates_city_which_creates_county(live_server, page: Page, artifacts: Path):
    regions()
    root, province_op = province_root()
    city_op_id, county_op_id = next_id_number(), next_id_number()

    # 1. The province operator logs in through the login page.
    page.goto(url(live_server, "login"))
    expect(page.get_by_role("heading", name="用户登录")).to_be_visible()
    shot(page, artifacts, "01-login")
    log_in(page, live_server, province_op.username, PASSWORD)
    expect(page).to_have_url(url(live_server, "home"))

    # 2. 下级单位管理 from the left menu, then 新增单位 under the root.
    open_menu(page, "下级单位管理")
    expect(page).to_have_url(url(live_server, "org_list"))
    expect(page.get_by_role("heading", name="下级单位管理")).to_be_visible()
    shot(page, artifacts, "02-org-list")
    page.get_by_role("link", name=re.compile(f"在“{root.name}”下新增单位")).click()
    expect(page).to_have_url(url(live_server, "org_create", root.pk))
    expect(page.get_by_role("heading", name="新增单位")).to_be_visible()

    # 3. The 市(州)人社局 with its first operator.
    fill_org_form(
        page,
        kind=OrgKind.HR_CITY.label,
        name=CITY_HR,
        uscc=next_uscc("511400"),
        region="眉山市",
        operator="张眉山",
        id_number=city_op_id,
    )
    shot(page, artifacts, "03-org-create-form")
    page.get_by_role("button", name="创建单位和经办人员").click()

    # 4. The one-time password page.
    expect(page).to_have_url(url(live_server, "one_time_password"))
    expect(page.get_by_role("heading", name=re.compile("初始密码"))).to_be_visible()
    expect(page.locator("#otp-username")).to_have_text(city_op_id)
    initial_password = page.locator("#otp-password").inner_text().strip()
    assert len(initial_password) >= 8
    shot(page, artifacts, "04-one-time-password")

    # 5. Log out; the new operator logs in with the initial password and is forced to change it.
    log_out(page, live_server)
    log_in(page, live_server, city_op_id, initial_password)
    expect(page).to_have_url(url(live_server, "password_change"))
    expect(page.get_by_role("alert")).to_contain_text(FORCED_CHANGE_WARNING)
    shot(page, artifacts, "05-password-change-forced")
    # Any other page leads back to the password change until it is done.
    page.goto(url(live_server, "org_list"))
    expect(page).to_have_url(url(live_server, "password_change"))

    new_password = "Meishan#2026ok"
    change_password(page, initial_password, new_password)

    # 6. The home page lists the org and the role.
    expect(page).to_have_url(url(live_server, "home"))
    expect(page.get_by_text("密码修改成功。")).to_be_visible()
    orgs_table = page.locator("section.card", has=page.get_by_role("heading", name="我的单位与角色"))
    expect(orgs_table.get_by_role("link", name=CITY_HR)).to_be_visible()
    expect(orgs_table.get_by_text("市(州)人社局经办人员(职称)")).to_be_visible()
    shot(page, artifacts, "06-home-city-operator")

    # 7. The city operator creates a 县(区)人社局 under its own org.
    open_menu(page, "下级单位管理")
    expect(page).to_have_url(url(live_server, "org_list"))
    page.get_by_role("link", name=re.compile(f"在“{CITY_HR}”下新增单位")).click()
    fill_org_form(
        page,
        kind=OrgKind.HR_COUNTY.label,
        name=COUNTY_HR,
        uscc=next_uscc("511402"),
        region="东坡区",
        operator="李东坡",
        id_number=county_op_id,
    )
    page.get_by_role("button", name="创建单位和经办人员").click()
    expect(page).to_have_url(url(live_server, "one_time_password"))
    expect(page.locator("#otp-username")).to_have_text(county_op_id)
    expect(page.locator("#otp-password")).not_to_be_empty()
    shot(page, artifacts, "07-one-time-password-county")
    page.get_by_role("link", name="我已记录，继续").click()
    expect(page.get_by_role("heading", name=COUNTY_HR)).to_be_visible()
    shot(page, artifacts, "08-org-detail-county")
    open_menu(page, "下级单位管理")
    expect(page.get_by_role("row", name=re.compile(COUNTY_HR))).to_contain_text("县(区)人社局")
    shot(page, artifacts, "09-org-list-city")
    # The one-time password is gone once the page was left.
    page.goto(url(live_server, "one_time_password"))
    expect(page).to_have_url(url(live_server, "home"))
    expect(page.get_by_role("alert")).to_contain_text("初始密码只显示一次")

    # 8. The database agrees.
    city = Org.objects.get(name=CITY_HR)
    county = Org.objects.get(name=COUNTY_HR)
    assert (city.kind, city.parent_id, city.region.name, city.locality.name) == (
        OrgKind.HR_CITY,
        root.pk,
        "眉山市",
        "眉山市",
    )
    assert (county.kind, county.parent_id, county.region.name, county.locality.name) == (
        OrgKind.HR_COUNTY,
        city.pk,
        "东坡区",
        "东坡区",
    )
    assert county.path.startswith(city.path) and county.depth == city.depth + 1  # the tree agrees with parent
    city_op = User.objects.get(username=city_op_id)
    assert city_op.org_id == city.pk and city_op.is_unit_admin and not city_op.must_change_password
    assert city_op.check_password(new_password)
    assert RoleAssignment.objects.filter(user=city_op, org=city, role__code="hr_city").exists()
    county_op = User.objects.get(username=county_op_id)
    assert county_op.org_id == county.pk and county_op.is_unit_admin and county_op.must_change_password


@pytest.mark.browser
def test_weak_password_is_refused_with_the_rules(live_server, page: Page, artifacts: Path):
    _, province_op = province_root()
    log_in(page, live_server, province_op.username, PASSWORD)
    open_menu(page, "修改密码")
    expect(page).to_have_url(url(live_server, "password_change"))
    expect(page.get_by_text(PASSWORD_RULES_HELP).first).to_be_visible()  # the rules, in the field help

    change_password(page, PASSWORD, "zhicheng2026x")

    expect(page).to_have_url(url(live_server, "password_change"))
    error = page.locator(".field.has-error .error", has_text="密码不符合规则")
    expect(error).to_have_text("密码不符合规则：须包含大写字母、包含特殊符号（如 !@#$%）。")
    shot(page, artifacts, "10-password-change-weak")
    province_op.refresh_from_db()
    assert province_op.check_password(PASSWORD)


@pytest.mark.browser
def test_org_form_keeps_typed_values_after_server_error(live_server, page: Page, artifacts: Path):
    regions()
    root, province_op = province_root()
    valid = next_uscc("511400")
    bad_check = USCC_CHARSET[(USCC_CHARSET.index(valid[-1]) + 1) % len(USCC_CHARSET)]
    bad_uscc = valid[:-1] + bad_check
    id_number = next_id_number()

    log_in(page, live_server, province_op.username, PASSWORD)
    page.goto(url(live_server, "org_create", root.pk))
    fill_org_form(
        page,
        kind=OrgKind.HR_CITY.label,
        name=CITY_HR,
        uscc=bad_uscc,
        region="眉山市",
        operator="张眉山",
        id_number=id_number,
    )
    page.get_by_role("button", name="创建单位和经办人员").click()
    page.wait_for_load_state()

    expect(page).to_have_url(url(live_server, "org_create", root.pk))
    expect(page.get_by_role("alert")).to_contain_text("请根据提示修改标红的内容后再提交。")
    expect(page.locator(".field.has-error")).to_contain_text(MSG_USCC_CHECK)
    expect(page.get_by_label("单位分类")).to_have_value(OrgKind.HR_CITY.value)
    expect(page.get_by_label("单位名称")).to_have_value(CITY_HR)
    expect(page.get_by_label("统一社会信用代码")).to_have_value(bad_uscc)
    for field in ("所属行政区域", "职称业务归属地"):
        chosen = page.get_by_label(field).locator("option:checked").inner_text()
        assert chosen.strip().endswith("眉山市"), (field, chosen)
    expect(page.get_by_label("经办人员姓名")).to_have_value("张眉山")
    expect(page.get_by_label("经办人员身份证号码")).to_have_value(id_number)
    shot(page, artifacts, "11-org-form-error")
    assert not Org.objects.filter(name=CITY_HR).exists()
    assert not User.objects.filter(username=id_number).exists()
