"""The cascading choice of 002 §2.2.1.1.1 through HTTP: mode → series → level → specialty → qualification, each
list filtered by the choices before it, then the committees with an activity open today; forged POSTs refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from titles import services
from titles.catalogue import EvaluationMode, Level, LevelGroup
from titles.demo import activity_load
from titles.models import Activity, Committee, Specialty

from .conftest import ENGINEERING_COMMITTEE, Demo, client_for
from .helpers import labels, select, selected, text

pytestmark = pytest.mark.django_db

REVIEW, INITIAL, RECOG = EvaluationMode.REVIEW, EvaluationMode.INITIAL, EvaluationMode.RECOGNITION
TODAY = timezone.localdate()
NONE_OPEN = "没有符合所选条件且正在进行评审活动的评委会"


@pytest.fixture
def client(demo):
    return client_for(demo.ip_op)  # any logged-in user may use the choice


def piece(client, **params) -> str:
    resp = client.get(reverse("titles:choose_piece"), params)
    assert resp.status_code == 200
    return resp.content.decode()


def choice(
    demo: Demo,
    mode=REVIEW,
    series="GC",
    level=Level.VICE_SENIOR,
    specialty="GC01",
    qualification="高级工程师",
    committee: str | None = ENGINEERING_COMMITTEE,
) -> dict:
    data = {
        "mode": mode,
        "series": demo.series(series).pk,
        "level": level,
        "specialty": demo.spec(specialty).pk,
        "qualification": demo.qual(qualification).pk,
    }
    if committee:
        data["committee"] = Committee.objects.get(name=committee).pk
    return data


def engineering_committees(client, demo: Demo, specialty="GC01") -> str:
    return text(piece(client, **choice(demo, specialty=specialty, committee=None)))


def engineering_activity(demo: Demo) -> Activity:
    return demo.committees[ENGINEERING_COMMITTEE].activities.get()


# --------------------------------------------------------------------------------------------- the cascade
def test_only_the_mode_is_offered_first(client):
    html = piece(client)
    assert labels(html, "mode") == ["评审", "初定", "认定"]
    for name in ("series", "level", "specialty", "qualification"):
        options, disabled = select(html, name)
        assert options == [] and disabled, name


def test_series_offered_are_those_with_a_qualification_allowing_the_mode(client, demo):
    assert labels(piece(client, mode=REVIEW), "series") == [
        "工程系列",
        "卫生系列",
        "中小学教师系列",
        "经济系列",
        "知识产权系列",
    ]
    assert labels(piece(client, mode=INITIAL), "series") == ["工程系列", "中小学教师系列"]
    assert labels(piece(client, mode=RECOG), "series") == ["卫生系列", "经济系列", "知识产权系列"]


def test_levels_are_those_of_the_series_allowing_the_mode(client, demo):
    jj = demo.series("JJ").pk
    # 经济系列: 助理/中级 allow 认定 only, so 评审 offers only 副高级/正高级.
    assert labels(piece(client, mode=REVIEW, series=jj), "level") == ["副高级", "正高级"]
    assert labels(piece(client, mode=RECOG, series=jj), "level") == ["助理级", "中级"]
    assert labels(piece(client, mode=INITIAL, series=demo.series("GC").pk), "level") == ["员级", "助理级"]
    assert labels(piece(client, mode=REVIEW, series=demo.series("ZSCQ").pk), "level") == ["副高级"]


def test_specialties_are_those_some_qualification_of_the_level_allows(client, demo):
    ws = demo.series("WS").pk
    assert labels(piece(client, mode=REVIEW, series=ws, level=Level.VICE_SENIOR), "specialty") == [
        "临床医学",
        "内科学",
        "外科学",
        "儿科学",
        "护理",
        "内科护理",
        "外科护理",
        "药学",
    ]
    # 主任医师 (正高级) is limited to 临床医学 and its sub-specialties.
    assert labels(piece(client, mode=REVIEW, series=ws, level=Level.SENIOR), "specialty") == [
        "临床医学",
        "内科学",
        "外科学",
        "儿科学",
    ]
    # Sub-specialties are indented under their parent.
    options, _ = select(piece(client, mode=REVIEW, series=ws, level=Level.SENIOR), "specialty")
    assert [lbl for _, lbl in options] == ["临床医学", "　内科学", "　外科学", "　儿科学"]


def test_qualifications_follow_the_specialty_limits(client, demo):
    ws = demo.series("WS").pk
    base = {"mode": REVIEW, "series": ws, "level": Level.VICE_SENIOR}
    assert labels(piece(client, **base, specialty=demo.spec("WS02").pk), "qualification") == ["副主任护师"]
    assert labels(piece(client, **base, specialty=demo.spec("WS0201").pk), "qualification") == ["副主任护师"]
    assert labels(piece(client, **base, specialty=demo.spec("WS0102").pk), "qualification") == ["副主任医师"]
    assert labels(piece(client, **base, specialty=demo.spec("WS03").pk), "qualification") == ["副主任药师"]
    gc = {"mode": REVIEW, "series": demo.series("GC").pk, "level": Level.MIDDLE, "specialty": demo.spec("GC0202").pk}
    assert labels(piece(client, **gc), "qualification") == ["工程师"]


def test_the_piece_keeps_the_valid_choices_selected(client, demo):
    html = piece(client, **choice(demo, committee=None))
    assert selected(html, "mode") == REVIEW and selected(html, "series") == str(demo.series("GC").pk)
    assert selected(html, "level") == Level.VICE_SENIOR
    assert selected(html, "specialty") == str(demo.spec("GC01").pk)
    assert selected(html, "qualification") == str(demo.qual("高级工程师").pk)


def test_the_piece_drops_choices_the_cascade_would_not_offer(client, demo):
    # 认定 + 工程系列 (no 工程 qualification allows 认定): no series kept, nothing further offered.
    html = piece(
        client,
        mode=RECOG,
        series=demo.series("GC").pk,
        level=Level.VICE_SENIOR,
        specialty=demo.spec("GC01").pk,
        qualification=demo.qual("高级工程师").pk,
    )
    assert selected(html, "series") == "" and select(html, "level") == ([], True)
    assert "可选择的评委会" not in text(html)
    # 评审 + 经济系列 + 中级 (认定 only): the level is dropped.
    html = piece(client, mode=REVIEW, series=demo.series("JJ").pk, level=Level.MIDDLE)
    assert selected(html, "level") == "" and select(html, "specialty") == ([], True)
    # A specialty of another series is not kept.
    html = piece(client, **choice(demo, specialty="WS01", committee=None))
    assert selected(html, "specialty") == "" and select(html, "qualification") == ([], True)
    # A qualification of another level is not kept.
    html = piece(client, **choice(demo, qualification="正高级工程师", committee=None))
    assert selected(html, "qualification") == "" and "可选择的评委会" not in text(html)
    # Garbage is ignored.
    html = piece(client, mode="hack", series="x", level="<script>", specialty="1 OR 1")
    assert selected(html, "mode") == "" and select(html, "series") == ([], True)


# --------------------------------------------------------------------------------------------- committees
def test_engineering_choice_lists_the_committee_with_notice_scope_and_contacts(client, demo):
    a = engineering_activity(demo)
    for specialty in ("GC01", "GC0101"):  # the specialty or its sub-specialty
        page = engineering_committees(client, demo, specialty)
        assert ENGINEERING_COMMITTEE in page, specialty
        assert f"评审活动 {a.title}（{a.opens_on:%Y-%m-%d} 至 {a.closes_on:%Y-%m-%d}）" in page
        assert "评审范围 四川省：全省工程技术人员（水利水电、电子信息、土木建筑、电力等专业）" in page
        assert "咨询电话 评审办 028-86110001" in page and "缴费标准 评审费 300.00 元" in page
        assert f"现开展{TODAY.year}年度{ENGINEERING_COMMITTEE}评审工作" in page  # the notice text
        assert "四川省卫生高级职称评审委员会" not in page
    html = piece(client, **choice(demo, committee=None))
    assert f'name="committee" value="{demo.committees[ENGINEERING_COMMITTEE].pk}"' in html


def test_a_committee_of_another_level_group_is_not_listed(client, demo):
    mid = Committee.objects.create(
        name="四川省工程技术中级职称评审委员会",
        level_group=LevelGroup.MIDDLE,
        series=demo.series("GC"),
        office=demo.root,
        final_org=demo.root,
        region_scope=demo.root.region,
    )
    mid.specialties.set([demo.spec("GC01")])
    activity_load(committee=mid, today=TODAY)
    assert "四川省工程技术中级职称评审委员会" not in engineering_committees(client, demo)
    middle = text(piece(client, **choice(demo, level=Level.MIDDLE, qualification="工程师", committee=None)))
    assert "四川省工程技术中级职称评审委员会" in middle and ENGINEERING_COMMITTEE not in middle


def test_a_committee_not_reviewing_the_specialty_is_not_listed(client, demo):
    eng = demo.committees[ENGINEERING_COMMITTEE]
    eng.specialties.set([demo.spec("GC02")])
    page = engineering_committees(client, demo)
    assert ENGINEERING_COMMITTEE not in page and NONE_OPEN in page


def test_committee_disappears_when_its_activity_closed_yesterday(client, demo):
    Activity.objects.filter(pk=engineering_activity(demo).pk).update(closes_on=TODAY - dt.timedelta(days=1))
    page = engineering_committees(client, demo)
    assert ENGINEERING_COMMITTEE not in page and NONE_OPEN in page


def test_committee_is_listed_on_the_last_day_of_its_activity(client, demo):
    Activity.objects.filter(pk=engineering_activity(demo).pk).update(closes_on=TODAY)
    assert ENGINEERING_COMMITTEE in engineering_committees(client, demo)


def test_committee_disappears_while_its_activity_has_not_opened(client, demo):
    Activity.objects.filter(pk=engineering_activity(demo).pk).update(
        opens_on=TODAY + dt.timedelta(days=1), closes_on=TODAY + dt.timedelta(days=30)
    )
    assert ENGINEERING_COMMITTEE not in engineering_committees(client, demo)


def test_committee_disappears_when_its_activity_is_unpublished(client, demo):
    Activity.objects.filter(pk=engineering_activity(demo).pk).update(status=Activity.Status.DRAFT)
    assert ENGINEERING_COMMITTEE not in engineering_committees(client, demo)


def test_committee_disappears_when_deregistered(client, demo):
    services.committee_deregister(actor=demo.hr_op, committee=demo.committees[ENGINEERING_COMMITTEE], reason="撤销")
    assert ENGINEERING_COMMITTEE not in engineering_committees(client, demo)


def test_modes_without_a_committee_say_so(client, demo):
    page = text(
        piece(
            client,
            mode=INITIAL,
            series=demo.series("GC").pk,
            level=Level.ASSISTANT,
            specialty=demo.spec("GC01").pk,
            qualification=demo.qual("助理工程师").pk,
        )
    )
    assert "初定不需经评审委员会评审，由发证单位审核后颁发证书。" in page and "可选择的评委会" not in page


# --------------------------------------------------------------------------------------------- confirm
def test_the_choose_page_renders_the_piece_inside_the_form(client):
    resp = client.get(reverse("titles:choose"))
    page = resp.content.decode()
    assert resp.status_code == 200 and 'id="choice-form"' in page and 'id="choice-piece"' in page
    assert f'hx-get="{reverse("titles:choose_piece")}"' in page


def test_a_valid_choice_is_accepted(client, demo):
    resp = client.post(reverse("titles:choose"), choice(demo))
    assert resp.status_code == 200
    page = text(resp.content)
    assert "已确认申报选择" in page and f"评委会 {ENGINEERING_COMMITTEE}" in page
    assert "申报资格名称 高级工程师" in page and "申报层级 副高级" in page
    stored = client.session["declaration_choice"]
    assert stored == {
        "mode": REVIEW,
        "series": demo.series("GC").pk,
        "level": Level.VICE_SENIOR,
        "specialty": demo.spec("GC01").pk,
        "qualification": demo.qual("高级工程师").pk,
        "committee": demo.committees[ENGINEERING_COMMITTEE].pk,
        "activity": engineering_activity(demo).pk,
    }


def test_a_valid_choice_without_committee_is_accepted_for_initial_determination(client, demo):
    resp = client.post(
        reverse("titles:choose"),
        choice(demo, mode=INITIAL, level=Level.ASSISTANT, qualification="助理工程师", committee=None),
    )
    assert resp.status_code == 200 and "已确认申报选择" in text(resp.content)
    assert client.session["declaration_choice"]["committee"] is None


def refused(client, data, message):
    resp = client.post(reverse("titles:choose"), data)
    assert resp.status_code == 400
    assert message in text(resp.content), text(resp.content)
    assert "declaration_choice" not in client.session


def test_forged_qualification_of_another_level_is_refused(client, demo):
    refused(client, choice(demo, qualification="正高级工程师"), "所选资格名称与系列、层级、专业或评价方式不匹配。")


def test_forged_specialty_of_another_series_is_refused(client, demo):
    refused(client, choice(demo, specialty="WS01"), "所选专业不属于该系列或已停用。")


def test_forged_retired_specialty_is_refused(client, demo):
    Specialty.objects.filter(code="GC01").update(is_active=False)
    refused(client, choice(demo), "所选专业不属于该系列或已停用。")


def test_forged_committee_of_another_series_is_refused(client, demo):
    refused(
        client,
        choice(demo, committee="四川省卫生高级职称评审委员会"),
        "所选评委会不能评审该专业/层级，或当前没有正在进行的评审活动。",
    )


def test_forged_committee_without_an_open_activity_is_refused(client, demo):
    Activity.objects.filter(pk=engineering_activity(demo).pk).update(closes_on=TODAY - dt.timedelta(days=1))
    refused(client, choice(demo), "所选评委会不能评审该专业/层级，或当前没有正在进行的评审活动。")


def test_review_without_a_committee_is_refused(client, demo):
    refused(client, choice(demo, committee=None), "所选评委会不能评审该专业/层级，或当前没有正在进行的评审活动。")


def test_forged_recognition_of_a_qualification_that_does_not_allow_it_is_refused(client, demo):
    # 认定 exists for 卫生 中级 (主治医师, 主管护师), but not for 副高级: 副主任医师 allows 评审 only.
    refused(
        client,
        choice(
            demo,
            mode=RECOG,
            series="WS",
            level=Level.VICE_SENIOR,
            specialty="WS01",
            qualification="副主任医师",
            committee=None,
        ),
        "所选层级在该系列中没有可申报的资格。",
    )
    # 工程系列 allows no 认定 at all.
    refused(client, choice(demo, mode=RECOG, committee=None), "所选系列不可用于该评价方式。")
    # 认定 of 主管护师 with a 临床医学 specialty: the qualification does not match.
    refused(
        client,
        choice(
            demo,
            mode=RECOG,
            series="WS",
            level=Level.MIDDLE,
            specialty="WS0102",
            qualification="主管护师",
            committee=None,
        ),
        "所选资格名称与系列、层级、专业或评价方式不匹配。",
    )


def test_forged_mode_is_refused(client, demo):
    refused(client, choice(demo, mode="hack"), "选择一个有效的选项")


def test_forged_post_keeps_the_valid_part_of_the_choice_on_the_page(client, demo):
    resp = client.post(reverse("titles:choose"), choice(demo, qualification="正高级工程师"))
    html = resp.content.decode()
    assert selected(html, "series") == str(demo.series("GC").pk) and selected(html, "qualification") == ""


def test_forged_committee_for_a_mode_without_committee_is_refused(client, demo):
    refused(
        client,
        choice(demo, mode=INITIAL, level=Level.ASSISTANT, qualification="助理工程师"),
        "所选评价方式不经评委会评审，不能选择评委会。",
    )


def test_with_a_work_unit_only_committees_whose_scope_contains_its_locality_are_listed(client, demo):
    """属地原则: on the declaration start page the unit travels with the form; a committee scoped to 眉山市 is
    not offered to a unit whose title-business locality is in 成都市."""
    from tests.factories import create_unit, regions

    committee = demo.committees[ENGINEERING_COMMITTEE]
    committee.region_scope = regions()["city"]  # 眉山市
    committee.save()
    chengdu_hr, _ = create_unit(actor=demo.hr_op, parent=demo.root, kind="hr_city", second_region=True)
    meishan_hr, _ = create_unit(actor=demo.hr_op, parent=demo.root, kind="hr_city")
    params = choice(demo, committee=None)
    assert ENGINEERING_COMMITTEE not in text(piece(client, unit=chengdu_hr.pk, **params))
    assert ENGINEERING_COMMITTEE in text(piece(client, unit=meishan_hr.pk, **params))
    assert ENGINEERING_COMMITTEE in text(piece(client, **params))  # no unit chosen yet: every open committee
