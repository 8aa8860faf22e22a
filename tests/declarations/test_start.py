"""DCL-1 starting a declaration (unit search, catalogue choice, committee, method, entrusted review) and DCL-7
eligibility (one open declaration per person, year and level; none after 作废/不通过 that year)."""

from __future__ import annotations

import re

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from declarations import services
from declarations.models import (
    Attachment,
    BasicInfo,
    Declaration,
    Education,
    Profile,
    WorkExperience,
)
from orgs.kinds import OrgKind
from orgs.models import Org
from tests.factories import create_unit
from titles.catalogue import EvaluationMode, Level
from titles.models import BreakCondition, QualificationName, Specialty
from titles.services import MSG_CHOICE

from .conftest import HEALTH_COMMITTEE, HYDRO_BUREAU, client_for, new_applicant, start_declaration
from .helpers import pdf_upload, stored_files, text, upload

START = reverse("declarations:start")


def start_page(client, **params):
    return client.get(START, params)


# --------------------------------------------------------------------------------------------- the work unit
def test_the_unit_search_finds_active_units_by_part_of_their_name(client, world):
    closed, _ = create_unit(
        actor=world.water_op, parent=world.water_dept, kind=OrgKind.PROV_AFFILIATE, name="四川省水文站（已撤销）"
    )
    Org.objects.filter(pk=closed.pk).update(is_active=False)
    page = start_page(client, q="水文")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'name="unit" value="{world.unit.pk}"' in html and HYDRO_BUREAU in text(html)
    assert f'value="{closed.pk}"' not in html and "已撤销" not in text(html)
    # several words narrow the search; an unknown name says units must be opened first
    assert HYDRO_BUREAU in text(start_page(client, q="四川 勘测").content)
    assert "没有找到名称包含“不存在的单位”的已开通单位" in text(start_page(client, q="不存在的单位").content)


def test_a_forged_post_naming_an_inactive_unit_is_refused(client, world):
    Org.objects.filter(pk=world.unit.pk).update(is_active=False)
    resp = client.post(START, world.start_data())
    assert resp.status_code == 400
    assert "请选择已开通的工作单位。" in text(resp.content)
    assert not Declaration.objects.exists()


def test_the_unit_is_required(client, world):
    resp = client.post(START, world.start_data(unit=None))
    assert resp.status_code == 400
    assert "请先查询并选择工作单位。" in text(resp.content)
    assert not Declaration.objects.exists()


# --------------------------------------------------------------------------------------------- the catalogue choice
def test_the_start_page_offers_the_open_committee_and_its_break_conditions(client, world):
    params = {k: v for k, v in world.start_data().items() if k not in ("unit", "committee", "method")}
    page = text(start_page(client, **params).content)
    assert world.engineering.name in page
    for cond in world.activity.break_conditions.all():
        assert cond.text in page
    assert "正常晋升" in page and "破格" in page and "改系列" in page
    assert "委托评审" in page


def test_starting_creates_a_draft_of_the_chosen_catalogue_entry_committee_and_activity(client, world, applicant):
    d = start_declaration(client, world)
    assert d.applicant == applicant and d.unit == world.unit and d.status == Declaration.Status.DRAFT
    assert (d.mode, d.series, d.level, d.specialty, d.qualification) == (
        EvaluationMode.REVIEW,
        world.series,
        Level.VICE_SENIOR,
        world.specialty,
        world.qualification,
    )
    assert d.committee == world.engineering and d.activity == world.activity and d.year == world.activity.year
    assert d.method == Declaration.Method.NORMAL and not d.entrusted
    overview = client.get(reverse("declarations:overview", args=[d.pk]))
    assert "申报已创建（草稿）" in text(overview.content)
    assert "高级工程师" in text(overview.content) and HYDRO_BUREAU in text(overview.content)


@pytest.mark.parametrize(
    ("field", "forged", "message"),
    [
        ("specialty", lambda w: Specialty.objects.get(code="WS01").pk, MSG_CHOICE["specialty"]),
        ("qualification", lambda w: QualificationName.objects.get(name="工程师").pk, MSG_CHOICE["qualification"]),
        ("qualification", lambda w: QualificationName.objects.get(name="副主任医师").pk, MSG_CHOICE["qualification"]),
        ("committee", lambda w: w.committees[HEALTH_COMMITTEE].pk, MSG_CHOICE["committee"]),
        ("committee", lambda w: None, MSG_CHOICE["committee"]),
        ("mode", lambda w: EvaluationMode.INITIAL, MSG_CHOICE["level"]),
        ("level", lambda w: Level.SENIOR, MSG_CHOICE["qualification"]),
    ],
    ids=[
        "specialty-of-another-series",
        "qualification-of-another-level",
        "qualification-of-another-series",
        "committee-of-another-series",
        "no-committee-for-review",
        "initial-for-senior",
        "level-not-matching",
    ],
)
def test_a_forged_combination_the_cascade_would_not_offer_is_refused(client, world, field, forged, message):
    resp = client.post(START, world.start_data(**{field: forged(world)}))
    assert resp.status_code == 400
    assert message in text(resp.content)
    assert not Declaration.objects.exists()


def test_a_committee_whose_activity_has_closed_is_refused(client, world):
    world.activity.__class__.objects.filter(pk=world.activity.pk).update(status="closed")
    resp = client.post(START, world.start_data())
    assert resp.status_code == 400
    assert MSG_CHOICE["committee"] in text(resp.content)
    assert not Declaration.objects.exists()


# --------------------------------------------------------------------------------------------- method
def test_break_promotion_requires_one_of_the_activity_s_conditions(client, world):
    resp = client.post(START, world.start_data(method="break"))
    assert resp.status_code == 400 and services.MSG_BREAK in text(resp.content)
    other = BreakCondition.objects.filter(activity__committee__name=HEALTH_COMMITTEE).first()
    resp = client.post(START, world.start_data(method="break", break_conditions=[other.pk]))
    assert resp.status_code == 400 and services.MSG_BREAK in text(resp.content)
    assert not Declaration.objects.exists()

    cond = world.activity.break_conditions.first()
    d = start_declaration(client, world, method="break", break_conditions=[cond.pk])
    assert d.method == Declaration.Method.BREAK
    assert list(d.break_conditions.all()) == [cond]


@pytest.mark.parametrize("method", ["normal", "change_series"])
def test_break_conditions_are_refused_for_the_other_methods(client, world, method):
    cond = world.activity.break_conditions.first()
    resp = client.post(START, world.start_data(method=method, break_conditions=[cond.pk]))
    assert resp.status_code == 400
    assert services.MSG_BREAK_ONLY in text(resp.content)
    assert not Declaration.objects.exists()


def test_change_of_series_is_a_method_of_its_own(client, world):
    d = start_declaration(client, world, method="change_series")
    assert d.method == Declaration.Method.CHANGE_SERIES and d.get_method_display() == "改系列"


def test_an_unknown_method_is_refused(client, world):
    resp = client.post(START, world.start_data(method="shortcut"))
    assert resp.status_code == 400
    assert not Declaration.objects.exists()


# --------------------------------------------------------------------------------------------- entrusted review
def test_entrusted_review_requires_a_proof_upload(client, world, media):
    resp = client.post(START, world.start_data(entrusted="on"))
    assert resp.status_code == 400
    assert services.MSG_ENTRUST_PROOF in text(resp.content)
    assert not Declaration.objects.exists() and not Attachment.objects.exists()
    assert stored_files(media) == []


def test_entrusted_review_with_a_proof_attaches_it_to_the_new_dossier(client, world):
    d = start_declaration(client, world, entrusted="on", entrust_proof=pdf_upload("委托评审函.pdf"))
    assert d.entrusted
    proof = Attachment.objects.get()
    assert (proof.declaration, proof.field, proof.pending, proof.display_name) == (
        d,
        "entrust_proof",
        False,
        "委托评审函.pdf",
    )
    materials = client.get(reverse("declarations:section", args=[d.pk, "materials"]))
    assert "委托评审函.pdf" in text(materials.content)


def test_a_bad_proof_file_is_refused_and_nothing_is_kept(client, world, media):
    resp = client.post(
        START, world.start_data(entrusted="on", entrust_proof=upload("委托函.pdf", b"MZ\x90\x00" + b"\x00" * 200))
    )
    assert resp.status_code == 400
    assert "只能上传 JPG/PNG 图片或 PDF 文件。" in text(resp.content)
    assert not Declaration.objects.exists() and not Attachment.objects.exists()
    assert stored_files(media) == []


def test_a_refused_start_form_keeps_the_uploaded_proof_and_a_repost_without_the_file_succeeds(client, world):
    # refused by the service (破格 without a condition)…
    resp = client.post(START, world.start_data(method="break", entrusted="on", entrust_proof=pdf_upload("委托函.pdf")))
    assert resp.status_code == 400
    stash = Attachment.objects.get()
    assert stash.pending and stash.declaration is None
    html = resp.content.decode()
    assert "已上传：委托函.pdf" in text(html)
    assert f'name="stash" value="{stash.pk}"' in html
    # …then posted again with the stash id and without choosing the file again
    d = start_declaration(client, world, entrusted="on", stash=stash.pk)
    stash.refresh_from_db()
    assert (stash.declaration, stash.pending) == (d, False)
    assert Attachment.objects.count() == 1


def test_a_form_refused_by_its_own_fields_keeps_the_uploaded_proof_too(client, world):
    resp = client.post(
        START, world.start_data(qualification=None, entrusted="on", entrust_proof=pdf_upload("委托函.pdf"))
    )
    assert resp.status_code == 400
    stash = Attachment.objects.get()
    assert f'name="stash" value="{stash.pk}"' in resp.content.decode()
    d = start_declaration(client, world, entrusted="on", stash=stash.pk)
    assert d.attachments.get().pk == stash.pk


def test_somebody_else_s_stashed_proof_cannot_be_used(client, world):
    other = client_for(new_applicant("李他人"))
    other.post(START, world.start_data(method="break", entrusted="on", entrust_proof=pdf_upload("他人委托函.pdf")))
    theirs = Attachment.objects.get()
    resp = client.post(START, world.start_data(entrusted="on", stash=theirs.pk))
    assert resp.status_code == 400
    assert services.MSG_ENTRUST_PROOF in text(resp.content)
    assert not Declaration.objects.exists()
    theirs.refresh_from_db()
    assert theirs.declaration is None and theirs.pending


# --------------------------------------------------------------------------------------------- copy of the profile
def test_starting_copies_the_info_centre_into_the_dossier(client, world, applicant):
    client.post(
        reverse("declarations:me"),
        {"gender": "female", "ethnicity": "彝族", "current_title": "工程师", "current_title_date": "2016-12-01"},
    )
    client.post(
        reverse("declarations:me_row_add", args=["education"]),
        {
            "start_date": "1999-09-01",
            "end_date": "2003-07-01",
            "school": "河海大学",
            "major": "水文与水资源工程",
            "education": "大学本科",
        },
    )
    client.post(
        reverse("declarations:me_row_add", args=["work"]),
        {"start_date": "2003-07-01", "until_now": "on", "unit_name": HYDRO_BUREAU, "position": "工程师"},
    )
    profile = Profile.objects.get(user=applicant)
    assert Education.objects.filter(profile=profile).count() == 1

    d = start_declaration(client, world)
    basic = BasicInfo.objects.get(declaration=d)
    assert (basic.gender, basic.ethnicity, basic.current_title) == ("female", "彝族", "工程师")
    edu = Education.objects.get(declaration=d)
    assert (edu.school, edu.major, edu.profile) == ("河海大学", "水文与水资源工程", None)
    work = WorkExperience.objects.get(declaration=d)
    assert work.until_now and work.unit_name == HYDRO_BUREAU
    # a copy: the info centre keeps its own rows
    assert Education.objects.filter(profile=profile).count() == 1
    assert Education.objects.get(profile=profile).pk != edu.pk
    rows = text(client.get(reverse("declarations:section", args=[d.pk, "education"])).content)
    assert "河海大学" in rows


# --------------------------------------------------------------------------------------------- eligibility (DCL-7)
def test_a_second_open_declaration_for_the_same_year_and_level_is_refused(client, world):
    first = start_declaration(client, world)
    resp = client.post(START, world.start_data(method="change_series"))
    assert resp.status_code == 400
    assert f"您在{first.year}年已有一份副高级的申报（草稿），同一年度同一层级只能有一份进行中的申报。" in text(
        resp.content
    )
    assert Declaration.objects.count() == 1


@pytest.mark.parametrize("status", ["submitted", "in_review", "returned"])
def test_every_open_status_blocks_a_second_declaration(client, world, status):
    first = start_declaration(client, world)
    Declaration.objects.filter(pk=first.pk).update(status=status)
    resp = client.post(START, world.start_data())
    assert resp.status_code == 400 and "同一年度同一层级只能有一份进行中的申报" in text(resp.content)
    assert Declaration.objects.count() == 1


def test_the_database_holds_the_one_open_declaration_rule_too(client, world, applicant):
    first = start_declaration(client, world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Declaration.objects.create(
            applicant=applicant,
            unit=world.unit,
            year=first.year,
            mode=first.mode,
            series=first.series,
            level=first.level,
            specialty=first.specialty,
            qualification=first.qualification,
        )
    # a closed one beside it is fine (the constraint is partial)
    Declaration.objects.create(
        applicant=applicant,
        unit=world.unit,
        year=first.year,
        mode=first.mode,
        series=first.series,
        level=first.level,
        specialty=first.specialty,
        qualification=first.qualification,
        status=Declaration.Status.ABANDONED,
    )


def test_another_level_in_the_same_year_is_allowed(client, world):
    first = start_declaration(client, world)
    assistant = QualificationName.objects.get(name="助理工程师")
    second = start_declaration(
        client, world, mode=EvaluationMode.INITIAL, level=Level.ASSISTANT, qualification=assistant.pk, committee=None
    )
    assert second.year == first.year and second.level == Level.ASSISTANT and second.committee is None


@pytest.mark.parametrize("status", ["not_passed", "voided"])
def test_after_not_passed_or_voided_no_new_declaration_that_year_at_any_level(client, world, status):
    first = start_declaration(client, world)
    Declaration.objects.filter(pk=first.pk).update(status=status)
    label = dict(Declaration.Status.choices)[status]
    expected = services.MSG_YEAR_LOST.format(year=first.year, status=label)
    resp = client.post(START, world.start_data())
    assert resp.status_code == 400 and expected in text(resp.content)
    assistant = QualificationName.objects.get(name="助理工程师")
    resp = client.post(
        START,
        world.start_data(
            mode=EvaluationMode.INITIAL, level=Level.ASSISTANT, qualification=assistant.pk, committee=None
        ),
    )
    assert resp.status_code == 400 and expected in text(resp.content)
    assert Declaration.objects.count() == 1


def test_an_abandoned_draft_does_not_block_a_new_declaration(client, world):
    first = start_declaration(client, world)
    client.post(reverse("declarations:abandon", args=[first.pk]))
    first.refresh_from_db()
    assert first.status == Declaration.Status.ABANDONED
    second = start_declaration(client, world)
    assert second.pk != first.pk


def test_another_person_is_not_blocked_by_my_declaration(client, world):
    start_declaration(client, world)
    other = client_for(new_applicant("王其他"))
    start_declaration(other, world)
    assert Declaration.objects.count() == 2


def test_ticked_break_conditions_stay_ticked_when_the_block_is_refreshed_or_the_form_refused(client, world):
    cond = world.activity.break_conditions.first()
    params = {**world.start_data(method="break"), "break_conditions": [cond.pk]}
    refreshed = client.get(START, params, HTTP_HX_REQUEST="true").content.decode()
    assert re.search(rf'name="break_conditions" value="{cond.pk}" checked', refreshed)
    refused = client.post(START, {**params, "entrusted": "on"}).content.decode()  # refused: no proof
    assert re.search(rf'name="break_conditions" value="{cond.pk}" checked', refused)
    assert 'hx-select="#break-conditions"' in refused
