"""Shared set-up for the title catalogue tests (issue 3): the demo catalogue, its committees and clients.

The Playwright overrides (Debian's chromium, 1366×768, Chinese locale) are the ones of tests/browser/conftest.py,
re-exported so the browser test in this folder uses the same browser set-up.

"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from accounts import services as account_services
from accounts.models import User
from orgs.kinds import OrgKind
from orgs.models import Org
from tests.browser.conftest import (  # noqa: F401 — the browser tests' set-up, shared
    artifacts,
    browser_context_args,
    browser_type_launch_args,
    page,
    system_roles,
)
from tests.factories import create_unit, make_user, province_root, regions
from titles.demo import committees_load
from titles.models import Committee, QualificationName, Series, Specialty

PROVINCE_HR = "四川省人力资源和社会保障厅"
IP_CENTER = "四川省知识产权服务促进中心"
ENGINEERING_COMMITTEE = "四川省工程技术高级职称评审委员会"
IP_COMMITTEE = "四川省知识产权高级职称评审委员会"


@dataclass
class Demo:
    root: Org  # 四川省人力资源和社会保障厅
    hr_op: User  # its operator: hr_province only
    office_op: User  # another operator of the root holding hr_province + office_senior (runs the 4 root committees)
    ip_center: Org  # 四川省知识产权服务促进中心 (committee_office)
    ip_op: User  # its first operator: office_senior there
    committees: dict[str, Committee]

    def series(self, code: str) -> Series:
        return Series.objects.get(code=code)

    def spec(self, code: str) -> Specialty:
        return Specialty.objects.get(code=code)

    def qual(self, name: str) -> QualificationName:
        return QualificationName.objects.get(name=name)


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def give_office_role(actor: User, user: User, org: Org) -> None:
    """The root operator may also act as 高评办 of the committees whose office is the root (real service)."""
    account_services.user_roles_set(actor=actor, user=user, org=org, role_codes=["hr_province", "office_senior"])


@pytest.fixture
def hr(db):
    """(root org, its hr_province operator)."""
    regions()
    return province_root()


@pytest.fixture
def demo(db) -> Demo:
    regions()
    root, hr_op = province_root()
    ip_center, ip_op = create_unit(actor=hr_op, parent=root, kind=OrgKind.COMMITTEE_OFFICE, name=IP_CENTER)
    committees = {c.name: c for c in committees_load(province=root, ip_center=ip_center, region=regions()["province"])}
    # A second root operator who also holds the office role (hr_op stays an HR operator without office rights).
    office_op = make_user(org=root, name="高评办经办", roles=("hr_province",))
    give_office_role(hr_op, office_op, root)
    return Demo(root, hr_op, office_op, ip_center, ip_op, committees)
