"""Shared set-up for the declaration tests (issue 4; DCL-1…7, ACC-4, ACC-5).

- every test stores attachments in its own empty directory (`media`), so "no file in storage" can be checked;
- `world`: the demo catalogue and committees (titles.demo.committees_load), the province HR root, 四川省水利厅 with
  its affiliate 四川省水文水资源勘测局 (the applicant's work unit) and an unrelated 四川省农业农村厅, each with its
  first operator;
- `applicant` / `client_of`: an applicant who has accepted the commitment letter, and logged-in clients;
- `start_declaration(client, world)`: starts a 工程系列 副高级 水利水电工程 高级工程师 declaration through the start page;
- `fill_complete(client, d)`: fills every required section through the pages, so that completeness() is empty.

The Playwright overrides (Debian's chromium, 1366×768, Chinese locale) are those of tests/browser/conftest.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from declarations import services
from declarations.models import Declaration
from orgs.kinds import OrgKind
from orgs.models import Org
from tests.browser.conftest import (  # noqa: F401 — fixtures re-exported for the browser journey
    artifacts,
    browser_context_args,
    browser_type_launch_args,
    page,
    system_roles,
)
from tests.factories import create_unit, make_user, module_world, province_root, regions
from titles.catalogue import EvaluationMode, Level
from titles.demo import committees_load
from titles.models import Activity, Committee, QualificationName, Series, Specialty

from .helpers import pdf_upload, png_upload

ENGINEERING_COMMITTEE = "四川省工程技术高级职称评审委员会"
HEALTH_COMMITTEE = "四川省卫生高级职称评审委员会"
TEACHER_COMMITTEE = "四川省中小学教师高级职称评审委员会"
WATER_DEPT = "四川省水利厅"
HYDRO_BUREAU = "四川省水文水资源勘测局"
AGRI_DEPT = "四川省农业农村厅"
SUMMARY_TEXT = (
    "本人长期从事水利水电工程设计与建设管理工作，主持完成多座中型水库的设计和除险加固，"
    "负责工程质量与安全管理，取得了显著的社会效益和经济效益，具备高级工程师的专业技术水平和工作能力。"
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    """An empty storage directory of this test's own."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    return root


@dataclass
class World:
    root: Org  # 四川省人力资源和社会保障厅
    hr_op: User
    water_dept: Org  # 四川省水利厅
    water_op: User
    unit: Org  # 四川省水文水资源勘测局, the applicant's unit
    unit_op: User
    other_unit: Org  # 四川省农业农村厅, unrelated to the applicant
    other_op: User
    committees: dict[str, Committee]

    @property
    def engineering(self) -> Committee:
        return self.committees[ENGINEERING_COMMITTEE]

    @property
    def activity(self) -> Activity:
        return self.engineering.activities.get()

    @property
    def series(self) -> Series:
        return Series.objects.get(code="GC")

    @property
    def specialty(self) -> Specialty:
        return Specialty.objects.get(code="GC01")

    @property
    def qualification(self) -> QualificationName:
        return QualificationName.objects.get(name="高级工程师")

    def start_data(self, **overrides) -> dict:
        """The start form as the page posts it for 工程系列 副高级 水利水电工程 高级工程师 at 四川省水文水资源勘测局."""
        data = {
            "unit": self.unit.pk,
            "mode": EvaluationMode.REVIEW,
            "series": self.series.pk,
            "level": Level.VICE_SENIOR,
            "specialty": self.specialty.pk,
            "qualification": self.qualification.pk,
            "committee": self.engineering.pk,
            "method": "normal",
        }
        data.update(overrides)
        return {k: v for k, v in data.items() if v is not None}


def build_world() -> World:
    regions()
    root, hr_op = province_root()
    ip_center, _ = create_unit(
        actor=hr_op, parent=root, kind=OrgKind.COMMITTEE_OFFICE, name="四川省知识产权服务促进中心"
    )
    committees = {c.name: c for c in committees_load(province=root, ip_center=ip_center, region=regions()["province"])}
    water_dept, water_op = create_unit(actor=hr_op, parent=root, kind=OrgKind.PROV_DEPT, name=WATER_DEPT)
    unit, unit_op = create_unit(actor=water_op, parent=water_dept, kind=OrgKind.PROV_AFFILIATE, name=HYDRO_BUREAU)
    other_unit, other_op = create_unit(actor=hr_op, parent=root, kind=OrgKind.PROV_DEPT, name=AGRI_DEPT)
    return World(root, hr_op, water_dept, water_op, unit, unit_op, other_unit, other_op, committees)


@pytest.fixture(scope="module")
def _module_world(django_db_setup, django_db_blocker):
    """The world is built once per test module inside an outer transaction that is rolled back afterwards; each
    test runs in a savepoint inside it (pytest-django's `db`), so tests still cannot see each other's changes.
    Tests change world rows through querysets (update), never through these shared instances."""
    with module_world(django_db_blocker, build_world) as w:
        yield w


@pytest.fixture
def world(_module_world, db) -> World:
    return _module_world


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def new_applicant(name: str = "张工", *, commitment: bool = True) -> User:
    user = make_user(org=None, name=name)
    if commitment:
        services.commitment_accept(user=user)
    return user


@pytest.fixture
def applicant(world) -> User:
    return new_applicant("张水利")


@pytest.fixture
def client(applicant) -> Client:
    """The applicant's logged-in client."""
    return client_for(applicant)


def start_declaration(client: Client, world: World, **overrides) -> Declaration:
    """Start a 工程系列 副高级 declaration through the start page; returns the new draft."""
    before = set(Declaration.objects.values_list("pk", flat=True))
    resp = client.post(reverse("declarations:start"), world.start_data(**overrides))
    assert resp.status_code == 302, resp.content.decode()[:3000]
    d = Declaration.objects.exclude(pk__in=before).get()
    assert resp["Location"] == reverse("declarations:overview", args=[d.pk])
    return d


@pytest.fixture
def draft(client, world) -> Declaration:
    return start_declaration(client, world)


def section_url(d: Declaration, key: str, *args: object, action: str = "") -> str:
    name = {"": "section", "add": "row_add", "edit": "row_edit", "delete": "row_delete", "detail": "row_detail"}[action]
    return reverse(f"declarations:{name}", args=[d.pk, key, *args])


# Every required field of every section, as the forms post them.
SINGLE_SECTIONS = {
    "commitment": {"signer": "张水利", "signed_on": "2026-03-01", "agreed": "on"},
    "basic": {
        "gender": "male",
        "birth_date": "1980-01-02",
        "ethnicity": "汉族",
        "political_status": "中共党员",
        "email": "zhang@example.com",
        "address": "成都市青羊区",
        "work_start_date": "2002-07-01",
        "position": "科长",
        "current_title": "工程师",
        "current_title_date": "2015-12-01",
    },
    "summary": {"text": SUMMARY_TEXT},
}
ROWS = {
    "education": {
        "start_date": "1998-09-01",
        "end_date": "2002-07-01",
        "school": "四川大学",
        "major": "水利水电工程",
        "education": "大学本科",
        "degree": "工学学士",
        "study_form": "全日制",
    },
    "work": {
        "start_date": "2002-07-01",
        "until_now": "on",
        "unit_name": HYDRO_BUREAU,
        "position": "工程师",
        "duties": "水文测验与水资源评价",
    },
    "achievements_after": {
        "title": "某中型水库除险加固工程设计",
        "start_date": "2016-03-01",
        "end_date": "2018-06-30",
        "description": "主持设计，负责大坝安全评价与加固方案。",
    },
    "assessments": {"year": "2024", "result": "excellent", "assessor": HYDRO_BUREAU},
}


def fill_complete(client: Client, d: Declaration) -> None:
    """Fill every required section through the pages (photo, rows, summary, committee materials)."""
    for key, data in SINGLE_SECTIONS.items():
        payload = dict(data)
        if key == "basic":
            payload["upload"] = png_upload("证件照.png")
        resp = client.post(section_url(d, key), payload)
        assert resp.status_code == 302, (key, resp.content.decode()[:3000])
    for key, data in ROWS.items():
        resp = client.post(section_url(d, key, action="add"), {**data, "go": "save"})
        assert resp.status_code == 302, (key, resp.content.decode()[:3000])
    for mat in d.activity.materials.filter(required=True):
        resp = client.post(section_url(d, "materials"), {"material": mat.pk, "upload": pdf_upload(f"{mat.name}.pdf")})
        assert resp.status_code == 302
    missing = services.completeness(Declaration.objects.get(pk=d.pk))
    assert missing == [], [(m.section.key, m.problems) for m in missing]


@pytest.fixture
def complete(client, draft) -> Declaration:
    fill_complete(client, draft)
    return Declaration.objects.get(pk=draft.pk)


def submit(client: Client, d: Declaration) -> Declaration:
    resp = client.post(reverse("declarations:submit", args=[d.pk]))
    assert resp.status_code == 302, resp.content.decode()[:3000]
    d.refresh_from_db()
    assert d.status == Declaration.Status.SUBMITTED
    return d
