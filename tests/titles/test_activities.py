"""TTL-4 through HTTP: a committee office operator creates a review activity with its materials, achievement
templates and 破格 conditions, publishes it, and from then on its rules are locked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from titles import services
from titles.models import Activity, Committee

from .conftest import ENGINEERING_COMMITTEE, IP_COMMITTEE, Demo, client_for
from .helpers import text, titles_state

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LOCKED = "评审活动已发布，申报规则（需求材料、业绩成果模板、破格条件、专用信息项、日期、通知）不能再修改。"
DATES = "申报截止日期不能早于申报开始日期。"
EVIL_NOTICE = (
    '<p onclick="steal()">请按时<strong>申报</strong><script>alert(1)</script>。</p>'
    '<a href="javascript:alert(2)" onmouseover="x()">申报指南</a><img src="x" onerror="alert(3)">'
    "<ul><li>材料真实</li></ul>"
)


def activity_post(
    title="2099年度工程技术高级评审",
    opens=TODAY,
    closes=TODAY + dt.timedelta(days=60),
    notice="",
    materials=(("身份证", True, "正反面"), ("继续教育证明", False, "")),
    templates=(("任职后业绩", "项目业绩", "项目名称\n本人角色"),),
    conditions=("获省部级科技奖一等奖",),
    teacher=False,
    health=False,
    year=2099,
) -> dict:
    data = {
        "year": year,
        "title": title,
        "opens_on": opens.isoformat(),
        "closes_on": closes.isoformat(),
        "edit_deadline_days": 10,
        "notice": notice,
    }
    if teacher:
        data["teacher_section"] = "on"
    if health:
        data["health_section"] = "on"
    extra = 1
    data.update({"m-TOTAL_FORMS": len(materials) + extra, "m-INITIAL_FORMS": 0})
    for i, (name, required, desc) in enumerate(materials):
        data.update({f"m-{i}-name": name, f"m-{i}-description": desc})
        if required:
            data[f"m-{i}-required"] = "on"
    data.update({"t-TOTAL_FORMS": len(templates) + extra, "t-INITIAL_FORMS": 0})
    for i, (cat, name, fields) in enumerate(templates):
        data.update({f"t-{i}-category": cat, f"t-{i}-name": name, f"t-{i}-fields_text": fields})
    data.update({"c-TOTAL_FORMS": len(conditions) + extra, "c-INITIAL_FORMS": 0})
    for i, t in enumerate(conditions):
        data[f"c-{i}-text"] = t
    return data


@pytest.fixture
def engineering(demo: Demo) -> Committee:
    return demo.committees[ENGINEERING_COMMITTEE]


@pytest.fixture
def office(demo: Demo):
    return client_for(demo.office_op)


def create_activity(client, committee, **kw):
    return client.post(reverse("titles:activity_create", args=[committee.pk]), activity_post(**kw))


@pytest.fixture
def draft(office, engineering) -> Activity:
    resp = create_activity(office, engineering)
    assert resp.status_code == 302, text(resp.content)
    return Activity.objects.get(year=2099)


# --------------------------------------------------------------------------------------------- create
def test_office_operator_creates_a_draft_activity_with_materials_templates_and_break_conditions(
    demo, office, engineering
):
    form = office.get(reverse("titles:activity_create", args=[engineering.pk]))
    assert form.status_code == 200
    page = form.content.decode()
    assert 'name="m-0-name"' in page and 'name="t-0-category"' in page and 'name="c-0-text"' in page
    assert f"{TODAY.year}年度{ENGINEERING_COMMITTEE}评审" in page

    resp = create_activity(office, engineering, teacher=False, health=False)
    a = Activity.objects.get(year=2099)
    assert resp.status_code == 302 and resp.url == reverse("titles:activity", args=[a.pk])
    assert (a.committee, a.status, a.edit_deadline_days) == (engineering, Activity.Status.DRAFT, 10)
    assert [(m.name, m.required, m.description) for m in a.materials.all()] == [
        ("身份证", True, "正反面"),
        ("继续教育证明", False, ""),
    ]
    assert [(t.category, t.name, t.field_list) for t in a.achievement_templates.all()] == [
        ("任职后业绩", "项目业绩", ["项目名称", "本人角色"])
    ]
    assert [b.text for b in a.break_conditions.all()] == ["获省部级科技奖一等奖"]

    detail = text(office.get(resp.url).content)
    for shown in (
        "草稿",
        "身份证 是 正反面",
        "继续教育证明 否",
        "任职后业绩 · 项目业绩 项目名称、本人角色",
        "获省部级科技奖一等奖",
        "退回修改期限 10 天",
        "专用信息项 无",
    ):
        assert shown in detail, shown
    assert "2099年度工程技术高级评审" in text(office.get(reverse("titles:activities")).content)


def test_health_and_teacher_sections_default_from_the_series_and_are_stored(demo, office):
    ws = demo.committees["四川省卫生高级职称评审委员会"]
    page = office.get(reverse("titles:activity_create", args=[ws.pk])).content.decode()
    assert 'name="health_section" id="id_health_section" checked' in page
    assert 'name="teacher_section" id="id_teacher_section" checked' not in page
    create_activity(office, ws, health=True, teacher=True)
    a = Activity.objects.get(year=2099)
    assert a.health_section and a.teacher_section
    assert "专用信息项 中小学教师信息 卫生技术信息" in text(office.get(reverse("titles:activity", args=[a.pk])).content)


def test_draft_can_be_edited_and_its_rules_replaced(office, draft):
    page = office.get(reverse("titles:activity_edit", args=[draft.pk])).content.decode()
    assert 'value="身份证"' in page
    resp = office.post(
        reverse("titles:activity_edit", args=[draft.pk]),
        activity_post(title="改名后的活动", materials=(("学历证书", True, ""),), conditions=()),
    )
    assert resp.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "改名后的活动"
    assert [m.name for m in draft.materials.all()] == ["学历证书"]
    assert list(draft.break_conditions.all()) == []


def test_template_without_category_is_refused(office, engineering):
    before = titles_state()
    resp = create_activity(office, engineering, templates=(("", "项目业绩", "项目名称"),))
    assert resp.status_code == 200 and "请填写业绩成果类型。" in text(resp.content)
    assert titles_state() == before


# --------------------------------------------------------------------------------------------- dates
def test_close_date_before_open_date_is_refused_by_the_form(office, engineering):
    before = titles_state()
    resp = create_activity(office, engineering, opens=TODAY, closes=TODAY - dt.timedelta(days=1))
    assert resp.status_code == 200
    page = resp.content.decode()
    assert DATES in text(page) and 'value="2099年度工程技术高级评审"' in page
    assert titles_state() == before


def test_close_date_before_open_date_is_refused_by_the_service(demo, engineering):
    before = titles_state()
    with pytest.raises(ValidationError) as exc:
        services.activity_save(
            actor=demo.office_op,
            committee=engineering,
            year=2099,
            title="x",
            notice="",
            opens_on=TODAY,
            closes_on=TODAY - dt.timedelta(days=1),
        )
    assert exc.value.message_dict == {"closes_on": [DATES]}
    assert titles_state() == before


def test_close_date_before_open_date_violates_the_database_constraint(engineering):
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.create(
            committee=engineering, year=2099, title="x", opens_on=TODAY, closes_on=TODAY - dt.timedelta(days=1)
        )
    assert not Activity.objects.filter(year=2099).exists()


# --------------------------------------------------------------------------------------------- notice
def test_notice_is_sanitised_when_stored_and_rendered(demo, office, engineering):
    create_activity(office, engineering, notice=EVIL_NOTICE)
    a = Activity.objects.get(year=2099)
    for bad in ("<script", "alert(1)", "onclick", "onmouseover", "onerror", "javascript:", "<img"):
        assert bad not in a.notice, bad
    assert "<strong>申报</strong>" in a.notice and "<li>材料真实</li>" in a.notice
    assert "请按时" in a.notice and "申报指南" in a.notice

    page = office.get(reverse("titles:activity", args=[a.pk])).content.decode()
    notice = page.split('class="card notice"')[1].split("</section>")[0]
    for bad in ("<script", "onclick", "onmouseover", "onerror", "javascript:"):
        assert bad not in notice, bad
    assert "请按时<strong>申报</strong>" in notice and "申报指南" in notice


# --------------------------------------------------------------------------------------------- publish and lock
def test_publishing_requires_at_least_one_material(office, engineering):
    create_activity(office, engineering, materials=())
    a = Activity.objects.get(year=2099)
    resp = office.post(reverse("titles:activity_publish", args=[a.pk]), follow=True)
    assert "发布前请至少设置一项评委会需求材料。" in text(resp.content)
    a.refresh_from_db()
    assert a.status == Activity.Status.DRAFT and a.published_at is None


def test_activity_of_a_deregistered_committee_cannot_be_published(demo, office, draft, engineering):
    services.committee_deregister(actor=demo.hr_op, committee=engineering, reason="撤销")
    resp = office.post(reverse("titles:activity_publish", args=[draft.pk]), follow=True)
    assert services.MSG_COMMITTEE_INACTIVE in text(resp.content)
    assert Activity.objects.get(pk=draft.pk).status == Activity.Status.DRAFT


def test_no_new_activity_for_a_deregistered_committee(demo, office, engineering):
    services.committee_deregister(actor=demo.hr_op, committee=engineering, reason="撤销")
    before = Activity.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.activity_save(
            actor=demo.office_op,
            committee=engineering,
            year=2026,
            title="x",
            notice="",
            opens_on=dt.date(2026, 1, 1),
            closes_on=dt.date(2026, 2, 1),
        )
    assert services.MSG_COMMITTEE_INACTIVE in exc.value.messages
    assert Activity.objects.count() == before


def test_published_activity_rules_are_locked(demo, office, draft, engineering):
    resp = office.post(reverse("titles:activity_publish", args=[draft.pk]), follow=True)
    assert "评审活动已发布，申报规则自此锁定。" in text(resp.content)
    draft.refresh_from_db()
    assert draft.status == Activity.Status.PUBLISHED and draft.published_at is not None
    detail = resp.content.decode()
    assert "已发布" in text(detail) and "保存截止日期" in text(detail)
    assert reverse("titles:activity_edit", args=[draft.pk]) not in detail
    assert reverse("titles:activity_publish", args=[draft.pk]) not in detail

    # GET edit: back to the activity with the lock message.
    resp = office.get(reverse("titles:activity_edit", args=[draft.pk]))
    assert resp.status_code == 302 and resp.url == reverse("titles:activity", args=[draft.pk])
    assert LOCKED in text(office.get(resp.url).content)

    # A forged POST to edit changes nothing.
    before = titles_state()
    resp = office.post(
        reverse("titles:activity_edit", args=[draft.pk]),
        activity_post(title="偷改", materials=(("新材料", True, ""),), notice="<p>新通知</p>"),
    )
    assert resp.status_code == 302
    # Publishing again changes nothing either.
    office.post(reverse("titles:activity_publish", args=[draft.pk]))
    assert titles_state() == before

    # The services refuse as well.
    with pytest.raises(ValidationError) as exc:
        services.activity_rules_set(actor=demo.office_op, activity=draft, materials=[{"name": "新材料"}])
    assert exc.value.messages == [LOCKED]
    with pytest.raises(ValidationError):
        services.activity_save(
            actor=demo.office_op,
            committee=engineering,
            activity=draft,
            year=2099,
            title="偷改",
            notice="",
            opens_on=draft.opens_on,
            closes_on=draft.closes_on,
        )
    with pytest.raises(ValidationError):
        services.activity_publish(actor=demo.office_op, activity=draft)
    assert titles_state() == before


def test_only_the_close_date_of_a_published_activity_may_move(demo, office, draft):
    office.post(reverse("titles:activity_publish", args=[draft.pk]))
    url = reverse("titles:activity_close_date", args=[draft.pk])
    later = draft.closes_on + dt.timedelta(days=15)
    resp = office.post(url, {"closes_on": later.isoformat()}, follow=True)
    assert "申报截止日期已更新。" in text(resp.content)
    assert Activity.objects.get(pk=draft.pk).closes_on == later

    before = titles_state()
    resp = office.post(url, {"closes_on": (draft.opens_on - dt.timedelta(days=1)).isoformat()}, follow=True)
    assert "新的截止日期不能早于申报开始日期。" in text(resp.content)
    resp = office.post(url, {"closes_on": "不是日期"}, follow=True)
    assert "请输入有效的日期。" in text(resp.content)
    assert titles_state() == before


# --------------------------------------------------------------------------------------------- who may
def test_ip_centre_office_runs_the_ip_committee_activities(demo):
    client = client_for(demo.ip_op)
    ip = demo.committees[IP_COMMITTEE]
    listing = text(client.get(reverse("titles:activities")).content)
    assert f"为“{IP_COMMITTEE}”新建活动" in listing and ENGINEERING_COMMITTEE not in listing
    resp = create_activity(client, ip)
    assert resp.status_code == 302
    assert Activity.objects.get(year=2099).committee == ip


def test_another_office_gets_404_on_the_activity_pages(demo, draft, engineering):
    _assert_404_everywhere(client_for(demo.ip_op), draft, engineering)


def test_hr_operator_without_office_role_gets_404_on_the_activity_pages(demo, draft, engineering):
    client = client_for(demo.hr_op)
    assert client.get(reverse("titles:activities")).status_code == 404
    _assert_404_everywhere(client, draft, engineering)
    # The HR operator still sees the committee, with its activities listed but not linked.
    page = client.get(reverse("titles:committee", args=[engineering.pk])).content.decode()
    assert "2099年度工程技术高级评审" in page and reverse("titles:activity", args=[draft.pk]) not in page
    assert "新建评审活动" not in page


def _assert_404_everywhere(client, draft, committee):
    before = titles_state()
    for url in (
        reverse("titles:activity", args=[draft.pk]),
        reverse("titles:activity_edit", args=[draft.pk]),
        reverse("titles:activity_create", args=[committee.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("titles:activity_edit", args=[draft.pk]), activity_post(title="偷改")).status_code == 404
    assert (
        client.post(reverse("titles:activity_create", args=[committee.pk]), activity_post(title="偷建")).status_code
        == 404
    )
    assert client.post(reverse("titles:activity_publish", args=[draft.pk])).status_code == 404
    assert (
        client.post(reverse("titles:activity_close_date", args=[draft.pk]), {"closes_on": "2099-12-31"}).status_code
        == 404
    )
    assert titles_state() == before


def test_services_refuse_an_actor_outside_the_office(demo, draft, engineering):
    with pytest.raises(PermissionDenied):
        services.activity_publish(actor=demo.ip_op, activity=draft)
    with pytest.raises(PermissionDenied):
        services.activity_rules_set(actor=demo.hr_op, activity=draft, materials=[{"name": "x"}])
    assert Activity.objects.get(pk=draft.pk).status == Activity.Status.DRAFT


# --------------------------------------------------------------------------------------------- Django admin
@pytest.fixture
def su_client(db):
    from accounts.models import User
    from tests.factories import PASSWORD, next_id_number

    idn = next_id_number()
    su = User.objects.create_superuser(username=idn, id_number=idn, name="系统管理员", password=PASSWORD)
    su.must_change_password = False
    su.save()
    return client_for(su)


def admin_activity_post(a: Activity, **over) -> dict:
    data = {
        "committee": a.committee_id,
        "year": a.year,
        "title": a.title,
        "notice": a.notice,
        "opens_on": a.opens_on.isoformat(),
        "closes_on": a.closes_on.isoformat(),
        "edit_deadline_days": a.edit_deadline_days,
        "status": a.status,
        "published_at_0": "",
        "published_at_1": "",
    }
    for prefix in ("materials", "achievement_templates", "break_conditions"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    data.update(over)
    return data


def test_admin_sanitises_the_notice_of_a_draft(su_client, draft):
    url = reverse("admin:titles_activity_change", args=[draft.pk])
    resp = su_client.post(url, admin_activity_post(draft, notice=EVIL_NOTICE))
    assert resp.status_code == 302, text(resp.content)[-800:]
    draft.refresh_from_db()
    assert "<script" not in draft.notice and "onclick" not in draft.notice and "请按时" in draft.notice


def test_admin_cannot_change_the_rules_of_a_published_activity(demo, su_client, draft):
    services.activity_publish(actor=demo.office_op, activity=draft)
    page = su_client.get(reverse("admin:titles_activity_change", args=[draft.pk])).content.decode()
    assert 'name="materials-0-name"' not in page and 'name="notice"' not in page and 'name="closes_on"' in page
    material = draft.materials.first()
    assert (
        'name="name"'
        not in su_client.get(reverse("admin:titles_activitymaterial_change", args=[material.pk])).content.decode()
    )
    before = titles_state()
    su_client.post(
        reverse("admin:titles_activitymaterial_change", args=[material.pk]),
        {"activity": draft.pk, "name": "偷改", "required": "on", "sort": 0},
    )
    su_client.post(reverse("admin:titles_activitymaterial_delete", args=[material.pk]), {"post": "yes"})
    su_client.post(reverse("admin:titles_activitymaterial_add"), {"activity": draft.pk, "name": "偷加", "sort": 0})
    assert titles_state() == before
