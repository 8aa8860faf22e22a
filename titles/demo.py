"""Demo excerpt of a real catalogue, committees and open activities (issue: catalogue; ADM-2).

Idempotent: everything is looked up by code or name before it is created.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from orgs.models import Org, Region

from .catalogue import Level, LevelGroup
from .models import (
    Activity,
    ActivityMaterial,
    BreakCondition,
    Committee,
    CommitteeFee,
    QualificationName,
    Series,
    Specialty,
)
from .services import sanitize_notice

L = Level
# series code, name, sort, specialties [(code, name, [(code, name), ...])], qualifications
CATALOGUE = [
    (
        "GC",
        "工程系列",
        1,
        [
            ("GC01", "水利水电工程", [("GC0101", "水工建筑"), ("GC0102", "水文水资源"), ("GC0103", "农田水利")]),
            ("GC02", "电子信息", [("GC0201", "电子技术"), ("GC0202", "通信工程"), ("GC0203", "计算机应用")]),
            ("GC03", "土木建筑", [("GC0301", "建筑工程"), ("GC0302", "道路与桥梁"), ("GC0303", "市政工程")]),
            ("GC04", "电力工程", [("GC0401", "发电工程"), ("GC0402", "输配电")]),
        ],
        [
            (L.YUAN, "技术员", "技术员", (True, True, False), ()),
            (L.ASSISTANT, "助理工程师", "助理工程师", (True, True, False), ()),
            (L.MIDDLE, "工程师", "工程师", (True, False, False), ()),
            (L.VICE_SENIOR, "高级工程师", "高级工程师", (True, False, False), ()),
            (L.SENIOR, "正高级工程师", "正高级工程师", (True, False, False), ()),
        ],
    ),
    (
        "WS",
        "卫生系列",
        2,
        [
            ("WS01", "临床医学", [("WS0101", "内科学"), ("WS0102", "外科学"), ("WS0103", "儿科学")]),
            ("WS02", "护理", [("WS0201", "内科护理"), ("WS0202", "外科护理")]),
            ("WS03", "药学", []),
        ],
        [
            (L.ASSISTANT, "医师", "医师", (True, False, True), ("WS01",)),
            (L.MIDDLE, "主治医师", "主治医师", (True, False, True), ("WS01",)),
            (L.VICE_SENIOR, "副主任医师", "副主任医师", (True, False, False), ("WS01",)),
            (L.SENIOR, "主任医师", "主任医师", (True, False, False), ("WS01",)),
            (L.ASSISTANT, "护师", "护师", (True, False, True), ("WS02",)),
            (L.MIDDLE, "主管护师", "主管护师", (True, False, True), ("WS02",)),
            (L.VICE_SENIOR, "副主任护师", "副主任护师", (True, False, False), ("WS02",)),
            (L.VICE_SENIOR, "副主任药师", "副主任药师", (True, False, False), ("WS03",)),
        ],
    ),
    (
        "ZXXJS",
        "中小学教师系列",
        3,
        [
            ("JS01", "语文", []),
            ("JS02", "数学", []),
            ("JS03", "英语", []),
            ("JS04", "物理", []),
        ],
        [
            (L.YUAN, "三级教师", "三级教师", (True, True, False), ()),
            (L.ASSISTANT, "二级教师", "二级教师", (True, True, False), ()),
            (L.MIDDLE, "一级教师", "一级教师", (True, False, False), ()),
            (L.VICE_SENIOR, "高级教师", "高级教师", (True, False, False), ()),
            (L.SENIOR, "正高级教师", "正高级教师", (True, False, False), ()),
        ],
    ),
    (
        "JJ",
        "经济系列",
        4,
        [
            ("JJ01", "工商管理", []),
            ("JJ02", "金融", []),
            ("JJ03", "人力资源管理", []),
            ("JJ04", "财政税收", []),
        ],
        [
            (L.ASSISTANT, "助理经济师", "助理经济师", (False, False, True), ()),
            (L.MIDDLE, "经济师", "经济师", (False, False, True), ()),
            (L.VICE_SENIOR, "高级经济师", "高级经济师", (True, False, False), ()),
            (L.SENIOR, "正高级经济师", "正高级经济师", (True, False, False), ()),
        ],
    ),
    (
        "ZSCQ",
        "知识产权系列",
        5,
        [
            ("ZS01", "专利", []),
            ("ZS02", "商标", []),
            ("ZS03", "版权", []),
        ],
        [
            (L.ASSISTANT, "助理知识产权师", "助理知识产权师", (False, False, True), ()),
            (L.MIDDLE, "知识产权师", "知识产权师", (False, False, True), ()),
            (L.VICE_SENIOR, "高级知识产权师", "高级知识产权师", (True, False, False), ()),
        ],
    ),
]

NOTICE = """<p>根据四川省职称评审工作安排，现开展{year}年度{name}评审工作。</p>
<p><strong>申报对象：</strong>在我省从事相关专业技术工作、符合申报条件的专业技术人才。</p>
<ul><li>申报人按属地原则通过所在单位逐级报送；</li><li>所有材料须真实有效，实行诚信承诺制；</li>
<li>被退回的申报材料须在规定期限内修改后重新提交。</li></ul>
<p>咨询电话见评委会信息。</p>"""

MATERIALS = [
    ("身份证", True, "正反面扫描件"),
    ("学历学位证书", True, "最高学历、学位证书"),
    ("现专业技术资格证书", True, ""),
    ("单位推荐意见表", True, "加盖单位公章"),
    ("继续教育证明", False, "近五年继续教育学时证明"),
]


def catalogue_load() -> dict[str, Series]:
    out = {}
    for code, name, sort, specs, quals in CATALOGUE:
        series, _ = Series.objects.get_or_create(code=code, defaults={"name": name, "sort": sort})
        out[code] = series
        for scode, sname, children in specs:
            root = Specialty.objects.filter(series=series, code=scode).first() or Specialty.objects.add_root(
                instance=Specialty(series=series, code=scode, name=sname)
            )
            for ccode, cname in children:
                if not Specialty.objects.filter(series=series, code=ccode).exists():
                    Specialty.objects.add_child(
                        Specialty.objects.get(pk=root.pk), instance=Specialty(series=series, code=ccode, name=cname)
                    )
        for level, qname, national, (review, initial, recog), limited in quals:
            q, created = QualificationName.objects.get_or_create(
                series=series,
                level=level,
                name=qname,
                defaults={
                    "national_title": national,
                    "allows_review": review,
                    "allows_initial": initial,
                    "allows_recognition": recog,
                },
            )
            if created and limited:
                q.specialties.set(Specialty.objects.filter(series=series, code__in=limited))
    return out


def committees_count() -> int:
    return Committee.objects.count() + Activity.objects.count() + Specialty.objects.count()


def committees_load(*, province: Org, ip_center: Org, region: Region, today: dt.date | None = None) -> list[Committee]:
    """Committees (高评委会 per series, the 知识产权 one at 四川省知识产权服务促进中心) and an open activity each."""
    today = today or dt.date.today()  # noqa: DTZ011 - calendar date for demo data
    series = catalogue_load()
    spec = {s.code: s for s in Specialty.objects.filter(depth=1)}
    specs_by_series = {
        "GC": ["GC01", "GC02", "GC03", "GC04"],
        "WS": ["WS01", "WS02", "WS03"],
        "ZXXJS": ["JS01", "JS02", "JS03", "JS04"],
        "JJ": ["JJ01", "JJ02", "JJ03", "JJ04"],
        "ZSCQ": ["ZS01", "ZS02", "ZS03"],
    }
    rows = [
        (
            "四川省工程技术高级职称评审委员会",
            "GC",
            province,
            "028-86110001",
            "全省工程技术人员（水利水电、电子信息、土木建筑、电力等专业）",
        ),
        ("四川省卫生高级职称评审委员会", "WS", province, "028-86110002", "全省卫生专业技术人员"),
        ("四川省中小学教师高级职称评审委员会", "ZXXJS", province, "028-86110003", "全省中小学教师"),
        ("四川省经济系列高级职称评审委员会", "JJ", province, "028-86110004", "全省经济专业人员"),
        (
            "四川省知识产权高级职称评审委员会",
            "ZSCQ",
            ip_center,
            "028-86110005",
            "全省知识产权专业人员（高级知识产权师）",
        ),
    ]
    out = []
    for name, scode, office, phone, scope in rows:
        c, created = Committee.objects.get_or_create(
            name=name,
            defaults={
                "level_group": LevelGroup.SENIOR,
                "series": series[scode],
                "office": office,
                "final_org": province,
                "region_scope": region,
                "scope_text": scope,
                "contact_person": "评审办",
                "contact_phone": phone,
            },
        )
        if created:
            c.specialties.set([spec[s] for s in specs_by_series[scode]])
            c.organisers.set([office])
            CommitteeFee.objects.create(committee=c, item="评审费", amount=Decimal("300.00"))
        out.append(c)
        activity_load(committee=c, today=today)
    return out


def activity_load(*, committee: Committee, today: dt.date) -> Activity:
    a = Activity.objects.filter(committee=committee, year=today.year).first()
    if a is not None:
        return a
    a = Activity.objects.create(
        committee=committee,
        year=today.year,
        title=f"{today.year}年度{committee.name}评审",
        notice=sanitize_notice(NOTICE.format(year=today.year, name=committee.name)),
        opens_on=today - dt.timedelta(days=30),
        closes_on=today + dt.timedelta(days=90),
        edit_deadline_days=7,
        teacher_section=committee.series.code == "ZXXJS",
        health_section=committee.series.code == "WS",
        status=Activity.Status.PUBLISHED,
        published_at=None,
    )
    for i, (name, required, desc) in enumerate(MATERIALS):
        ActivityMaterial.objects.create(activity=a, name=name, required=required, description=desc, sort=i)
    BreakCondition.objects.create(activity=a, text="获得省部级科技进步二等奖及以上奖励的主要完成人。")
    BreakCondition.objects.create(activity=a, text="主持完成国家级重大工程项目并取得显著成效。")
    a.achievement_templates.create(
        category="任职后业绩", name="项目业绩", fields_text="项目名称\n本人角色\n起止时间\n项目规模及成效"
    )
    a.achievement_templates.create(
        category="任职后业绩", name="获奖情况", fields_text="奖项名称\n授奖单位\n获奖等级\n获奖时间"
    )
    return a
