"""Browser journey of a certificate (issue 6): the province's operator issues the certificate of a dossier the
review chain approved, watches the batch finish, the holder downloads it from 我的证书, and anyone verifies it
on the public page — by number, and by uploading the downloaded file. Debian's chromium via Playwright."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import Page, expect

from certificates.models import Certificate, IssuingUnit
from tests.browser.conftest import system_roles  # noqa: F401 — restores the roles the flush removes
from tests.certificates.conftest import approved_declaration
from tests.factories import PASSWORD
from tests.workflow.conftest import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("system_roles")]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "headless": True,
            "args": ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-component-update",
                     "--disable-sync", "--no-first-run"]}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1366, "height": 768}, "locale": "zh-CN",
            "timezone_id": "Asia/Shanghai", "accept_downloads": True}


def url(live_server, name: str, *args) -> str:
    return live_server.url + reverse(name, args=args)


def log_in(page: Page, live_server, user) -> None:
    page.goto(url(live_server, "login"))
    page.get_by_label("登录名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".topbar .who")).to_contain_text(user.name)


def log_out(page: Page, live_server) -> None:
    page.locator(".topbar").get_by_role("button", name="退出").click()
    expect(page).to_have_url(url(live_server, "login"))


def test_issue_download_and_verify_a_certificate(page: Page, live_server, tmp_path):
    world = build_world()
    IssuingUnit.objects.create(code="5100", org=world.root)
    d = approved_declaration(world)
    artifacts = Path(settings.BASE_DIR) / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmation before issuing

    # The province's operator: 证书发放 lists the approved dossier; tick it, give the document number, issue.
    log_in(page, live_server, world.root_op)
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="证书发放").click()
    row = page.locator("#issuable tbody tr").filter(has_text=d.applicant.name)
    expect(row).to_have_count(1)
    row.get_by_role("checkbox").check()
    page.get_by_label("发文文号").fill("川人社职〔2026〕9号")
    page.screenshot(path=str(artifacts / "certificates-issue.png"))
    page.get_by_role("button", name="发放证书（选中人员）").click()
    expect(page.locator(".msg-success")).to_contain_text("已发放 1 本证书")
    expect(page.locator("#batch-progress")).to_contain_text("全部完成")
    cert = Certificate.objects.get(declaration=d)
    expect(page.locator("table")).to_contain_text(cert.number)
    page.screenshot(path=str(artifacts / "certificates-batch.png"))
    log_out(page, live_server)

    # The holder: 我的证书 → download; the file is the one whose hash was recorded.
    log_in(page, live_server, d.applicant)
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="我的证书").click()
    expect(page.locator("table")).to_contain_text(cert.number)
    with page.expect_download() as dl:
        page.get_by_role("link", name="下载电子证书").click()
    saved = tmp_path / "cert.pdf"
    dl.value.save_as(saved)
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == cert.pdf_sha256
    log_out(page, live_server)

    # Anyone: the public page, by number, then by the file.
    page.goto(url(live_server, "verify"))
    page.get_by_label("证书编号").fill(cert.number)
    page.get_by_role("button", name="查验").click()
    result = page.locator("#result")
    expect(result).to_contain_text("证书有效")
    expect(result).to_contain_text(cert.masked_name)
    expect(result).not_to_contain_text(d.applicant.name)
    page.get_by_label("电子证书文件（可选）").set_input_files(str(saved))
    page.get_by_role("button", name="查验").click()
    expect(page.locator("#result")).to_contain_text("上传的文件与签发的电子证书一致")
    page.screenshot(path=str(artifacts / "certificates-verify.png"), full_page=True)
