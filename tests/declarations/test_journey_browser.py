"""Browser journey through issue 4: an applicant registers, logs in, accepts the commitment letter, starts a
工程系列 副高级 水利水电工程 高级工程师 declaration at a unit found by name, fills every required section with
attachments, is shown what is missing, completes it, submits, and finds every edit path closed.

Runs against pytest-django's live server in Debian's chromium (tests/browser/conftest.py). Screenshots (1366×768)
of the start page, the overview, a row form with an error and the submit checklist go to test-artifacts/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import User
from declarations import services
from declarations.models import Achievement, Attachment, Declaration
from tests.factories import next_id_number

from .conftest import HYDRO_BUREAU, SUMMARY_TEXT, build_world
from .helpers import pdf_bytes, png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("system_roles")]

PASSWORD = "Shui@2026li"


def url(live_server, name: str, *args) -> str:
    return live_server.url + reverse(name, args=args)


def shot(page: Page, artifacts: Path, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(artifacts / f"declarations-{name}.png"), full_page=True)


def file(name: str, data: bytes, mime: str) -> dict:
    return {"name": name, "mimeType": mime, "buffer": data}


def save(page: Page, label: str = "保存") -> None:
    page.get_by_role("button", name=label, exact=True).click()
    page.wait_for_load_state()


def add_row(page: Page, live_server, d: Declaration, key: str, values: dict, *, checks=(), upload=None) -> None:
    page.goto(url(live_server, "declarations:row_add", d.pk, key))
    for name, value in values.items():
        page.locator(f"#id_{name}").fill(value)
    for name in checks:
        page.locator(f"#id_{name}").check()
    if upload:
        page.locator("#id_upload").set_input_files(upload)
    save(page)
    expect(page).to_have_url(url(live_server, "declarations:section", d.pk, key))


def test_an_applicant_declares_from_registration_to_a_frozen_submission(page: Page, live_server, artifacts):
    world = build_world()
    idn = next_id_number()

    # --- ACC-4: register, log in
    page.goto(url(live_server, "register"))
    page.get_by_label("身份证号码").fill(idn.lower())
    page.get_by_label("姓名").fill("陈水文")
    page.get_by_label("手机号码").fill("13800138001")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="立即注册").click()
    expect(page).to_have_url(url(live_server, "login"))
    expect(page.locator(".messages")).to_contain_text("注册成功")
    page.get_by_label("登录名").fill(idn)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    applicant = User.objects.get(id_number=idn)

    # --- the commitment letter before the first declaration
    page.goto(url(live_server, "declarations:mine"))
    page.get_by_role("link", name="新增申报").click()
    expect(page).to_have_url(url(live_server, "declarations:commitment"))
    page.get_by_label("我已阅读并同意以上承诺").check()
    page.get_by_role("button", name="我同意，进入申报").click()
    expect(page).to_have_url(url(live_server, "declarations:start"))
    assert services.commitment_accepted(applicant)

    # --- DCL-1: the unit by name search, the cascade, the committee
    page.add_init_script(
        "window.__settled = 0; document.addEventListener('htmx:afterSettle', () => window.__settled++);"
    )
    page.get_by_placeholder("输入单位名称关键字").fill("水文")
    page.get_by_role("button", name="查询").click()
    page.wait_for_load_state()
    page.get_by_label(re.compile(HYDRO_BUREAU)).check()
    for select_id, label in (
        ("#ch-mode", "评审"),
        ("#ch-series", "工程系列"),
        ("#ch-level", "副高级"),
        ("#ch-specialty", "水利水电工程"),
        ("#ch-qualification", "高级工程师"),
    ):
        expect(page.locator(select_id)).to_be_enabled()
        # htmx wires swapped-in selects up when it settles; wait for that after each pick, as a person would.
        settled = page.evaluate("window.__settled || 0")
        page.locator(select_id).select_option(label=label)
        page.wait_for_function("n => (window.__settled || 0) > n", arg=settled)
        expect(page.locator(select_id).locator("option:checked")).to_have_text(label)
    committee = page.locator("#committee-list").get_by_label(world.engineering.name)
    expect(committee).to_be_checked()
    expect(page.get_by_text(world.activity.break_conditions.first().text)).to_be_visible()
    page.locator("#id_method").select_option(label="正常晋升")
    shot(page, artifacts, "start")
    page.get_by_role("button", name="立即申报").click()
    page.wait_for_load_state()
    d = Declaration.objects.get(applicant=applicant)
    expect(page).to_have_url(url(live_server, "declarations:overview", d.pk))
    assert (d.unit, d.qualification.name, d.committee) == (world.unit, "高级工程师", world.engineering)
    shot(page, artifacts, "overview")

    # --- DCL-2/4: single sections, with 保存并下一步
    page.get_by_role("navigation", name="档案袋").get_by_role("link", name="诚信承诺").click()
    page.locator("#id_signer").fill("陈水文")
    page.locator("#id_agreed").check()
    save(page, "保存并下一步")
    expect(page).to_have_url(url(live_server, "declarations:section", d.pk, "basic"))
    page.locator("#id_gender").select_option(label="男")
    for name, value in (
        ("birth_date", "1980-03-15"),
        ("ethnicity", "汉族"),
        ("political_status", "群众"),
        ("work_start_date", "2002-07-01"),
        ("current_title", "工程师"),
        ("current_title_date", "2014-12-01"),
    ):
        page.locator(f"#id_{name}").fill(value)
    page.locator("#id_upload").set_input_files(file("证件照.png", png_bytes((90, 120)), "image/png"))
    save(page)
    expect(page).to_have_url(url(live_server, "declarations:overview", d.pk))
    expect(page.locator(".messages")).to_contain_text("“基本信息”已保存。")

    # a row form refused (end before start): typed text and the chosen file stay
    page.goto(url(live_server, "declarations:row_add", d.pk, "education"))
    for name, value in (
        ("start_date", "2002-07-01"),
        ("end_date", "1998-09-01"),
        ("school", "四川大学"),
        ("major", "水利水电工程"),
        ("education", "大学本科"),
    ):
        page.locator(f"#id_{name}").fill(value)
    page.locator("#id_upload").set_input_files(file("毕业证书.pdf", pdf_bytes(), "application/pdf"))
    save(page)
    expect(page.locator(".error")).to_contain_text("结束时间不能早于开始时间。")
    expect(page.locator("#id_school")).to_have_value("四川大学")
    expect(page.get_by_text("已上传、将随本记录保存：毕业证书.pdf")).to_be_visible()
    shot(page, artifacts, "row-form-error")
    page.locator("#id_end_date").fill("2006-07-01")
    save(page)
    expect(page).to_have_url(url(live_server, "declarations:section", d.pk, "education"))
    expect(page.locator("#rows")).to_contain_text("四川大学")
    expect(page.locator("#rows")).to_contain_text("1 个")  # the kept upload is the row's attachment

    add_row(
        page,
        live_server,
        d,
        "work",
        {"start_date": "2002-07-01", "unit_name": HYDRO_BUREAU, "position": "工程师"},
        checks=("until_now",),
    )
    add_row(page, live_server, d, "assessments", {"year": "2024"})  # result left out: shown as missing below

    # --- the submit page says what is missing, with links
    page.goto(url(live_server, "declarations:submit", d.pk))
    checklist = page.locator("#checklist")
    expect(checklist).to_contain_text("年度考核情况")
    expect(checklist).to_contain_text("第1条缺少：考核结果")
    expect(checklist).to_contain_text("任职后主要专业技术工作业绩")
    expect(checklist).to_contain_text("未上传必传材料“身份证”")
    expect(page.get_by_role("button", name="确认提交")).to_be_disabled()
    shot(page, artifacts, "submit-checklist")

    # --- completing it
    checklist.get_by_role("link", name="年度考核情况").click()
    page.get_by_role("link", name="编辑").click()
    page.locator("#id_result").select_option(label="优秀")
    save(page)
    # an achievement per the committee's template: choosing the template brings its fields, typed text stays
    page.goto(url(live_server, "declarations:row_add", d.pk, "achievements_after"))
    page.locator("#id_title").fill("某中型水库除险加固工程设计")
    page.locator("#id_template").select_option(label="任职后业绩 · 项目业绩")
    expect(page.get_by_label("项目名称")).to_be_visible()
    expect(page.locator("#id_title")).to_have_value("某中型水库除险加固工程设计")
    page.get_by_label("项目名称").fill("某中型水库除险加固")
    page.get_by_label("本人角色").fill("设计负责人")
    page.locator("#id_start_date").fill("2016-03-01")
    page.locator("#id_description").fill("主持设计，负责大坝安全评价与加固方案。")
    page.locator("#id_upload").set_input_files(file("验收报告.pdf", pdf_bytes(), "application/pdf"))
    save(page)
    expect(page).to_have_url(url(live_server, "declarations:section", d.pk, "achievements_after"))
    assert Achievement.objects.get(declaration=d).details["项目名称"] == "某中型水库除险加固"
    page.goto(url(live_server, "declarations:section", d.pk, "summary"))
    page.locator("#id_text").fill(SUMMARY_TEXT)
    save(page)
    page.goto(url(live_server, "declarations:section", d.pk, "materials"))
    for name in ("身份证", "学历学位证书", "现专业技术资格证书", "单位推荐意见表"):
        row = page.locator("#materials tr", has_text=name).first
        row.locator('input[type="file"]').set_input_files(file(f"{name}.pdf", pdf_bytes(), "application/pdf"))
        row.get_by_role("button", name="上传").click()
        page.wait_for_load_state()
        expect(page.locator(".messages")).to_contain_text(f"“{name}”已上传。")
    shot(page, artifacts, "materials")

    page.goto(url(live_server, "declarations:submit", d.pk))
    expect(page.get_by_text("所有必填栏目均已完成")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="确认提交").click()
    page.wait_for_load_state()
    expect(page).to_have_url(url(live_server, "declarations:overview", d.pk))
    expect(page.locator(".messages")).to_contain_text("申报已提交")
    d.refresh_from_db()
    assert d.status == Declaration.Status.SUBMITTED
    assert Attachment.objects.filter(declaration=d, pending=False).count() == 7  # photo, row files, 4 materials

    # --- every edit path is closed
    expect(page.get_by_role("link", name="检查并提交")).to_have_count(0)
    expect(page.get_by_role("link", name="填写")).to_have_count(0)
    for key in ("basic", "education", "materials"):
        page.goto(url(live_server, "declarations:section", d.pk, key))
        main = page.locator(".dossier-main")
        expect(main.get_by_role("button", name="保存")).to_have_count(0)
        expect(main.get_by_role("link", name="添加记录")).to_have_count(0)
        expect(main.get_by_role("link", name="编辑")).to_have_count(0)
        expect(main.locator('input[type="file"]')).to_have_count(0)
    row = d.attachments.exclude(row_id=None).first()
    for edit in (
        url(live_server, "declarations:row_edit", d.pk, row.section, row.row_id),
        url(live_server, "declarations:row_add", d.pk, "education"),
    ):
        page.goto(edit)
        expect(page).to_have_url(url(live_server, "declarations:overview", d.pk))
        expect(page.locator(".messages")).to_contain_text(services.MSG_FROZEN)
    shot(page, artifacts, "submitted")
