"""The dossier's sections (档案袋; SPEC DCL-2, 000 §4.1.1.2–4.1.1.14, 002 §2.2.1.1.2), as data.

Every page, the completeness checklist, the read-only view and the PDF walk this list. `required` lists the
fields marked * (enforced at submission, not at save: a draft can be saved at any time).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import models as m


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    model: type | None  # None for sections without a model of their own (materials, social insurance)
    many: bool = False
    required: tuple[str, ...] = ()  # fields marked * (for many: in each row)
    min_rows: int = 0  # at least this many rows at submission
    profile: bool = False  # kept in the personal info centre and copied into each declaration
    only: str = ""  # "teacher" / "health": only when the activity asks for it
    attachments: bool = True  # rows/fields may carry attachments
    readonly: bool = False
    help: str = ""
    exclude: tuple[str, ...] = field(default=())  # model fields never shown on the form


SECTIONS: tuple[Section, ...] = (
    Section("commitment", "诚信承诺", m.Commitment, required=("signer", "signed_on", "agreed"), attachments=False,
            help="请本人签字承诺；日期默认为当天，可修改。"),
    Section("basic", "基本信息", m.BasicInfo,
            required=("gender", "birth_date", "ethnicity", "political_status", "work_start_date", "current_title",
                      "current_title_date"),
            help="姓名、身份证号码来自注册信息，不可修改。照片不超过 500KB。"),
    Section("social_insurance", "社保参保信息", None, readonly=True, attachments=False,
            help="由系统从社保库自动获取，只读。"),
    Section("education", "教育经历", m.Education, many=True, min_rows=1, profile=True,
            required=("start_date", "end_date", "school", "major", "education"), help="请按学历由低到高填写。"),
    Section("qualifications", "资历信息（现专业技术资格）", m.QualificationHeld, many=True, profile=True,
            required=("title", "obtained_on", "issuer")),
    Section("titles_obtained", "取得职称职业技能等级情况", m.TitleObtained, many=True, profile=True,
            required=("name", "obtained_on")),
    Section("provincial_certificates", "省职业资格证书", m.ProvincialCertificate, many=True, profile=True,
            required=("name", "certificate_no")),
    Section("work", "工作经历", m.WorkExperience, many=True, min_rows=1, profile=True,
            required=("start_date", "unit_name", "position"), exclude=("locked",),
            help="结束时间可选“至今”。曾经申报通过的工作经历不可修改，目前在职的可修改。"),
    Section("training", "学习培训经历", m.Training, many=True, required=("start_date", "organiser", "content")),
    Section("achievements_before", "任职前主要专业技术工作业绩", m.Achievement, many=True,
            required=("title", "start_date"), exclude=("phase", "details")),
    Section("achievements_after", "任职后主要专业技术工作业绩", m.Achievement, many=True, min_rows=1,
            required=("title", "start_date", "description"), exclude=("phase", "details"),
            help="按评委会设置的业绩成果模板填写。"),
    Section("publications", "著作、论文及重要技术报告", m.Publication, many=True,
            required=("title", "venue", "published_on")),
    Section("exams", "考试成绩", m.ExamResult, many=True, profile=True, required=("exam", "score", "exam_date")),
    Section("assessments", "年度考核情况", m.Assessment, many=True, min_rows=1, profile=True,
            required=("year", "result"), attachments=False),
    Section("social_groups", "社会团体任职情况", m.SocialGroupPost, many=True, profile=True,
            required=("group", "post")),
    Section("continuing_education", "继续教育", m.ContinuingEducation, many=True, profile=True,
            required=("year", "content", "hours")),
    Section("teacher", "中小学教师信息", m.TeacherInfo, only="teacher",
            required=("school_stage", "subject", "moral_education")),
    Section("health", "卫生技术信息", m.HealthInfo, only="health",
            required=("practice_category", "practice_scope", "license_no")),
    Section("summary", "个人专业技术水平及业绩综述", m.Summary, required=("text",), attachments=False,
            help="须如实填写工作实绩和工作能力情况。"),
    Section("materials", "评委会需求材料", None, help="“是否必填”为“是”的材料为必传项。"),
    Section("others", "其他附件", m.OtherAttachment, many=True, required=("description",),
            help="如破格材料、加分材料。每条记录说明附件内容并上传文件。"),
)
BY_KEY = {s.key: s for s in SECTIONS}
PROFILE_SECTIONS = tuple(s for s in SECTIONS if s.profile)
ACHIEVEMENT_PHASE = {"achievements_before": m.Achievement.Phase.BEFORE, "achievements_after": m.Achievement.Phase.AFTER}
SUMMARY_MIN_CHARS = 50


def sections_for(declaration) -> list[Section]:
    """The sections this dossier has: teacher/health only where the activity asks for them."""
    a = declaration.activity
    wanted = {"teacher": bool(a and a.teacher_section), "health": bool(a and a.health_section)}
    return [s for s in SECTIONS if not s.only or wanted[s.only]]


def rows_qs(section: Section, *, declaration=None, profile=None):
    qs = section.model.objects.filter(declaration=declaration) if declaration is not None else \
        section.model.objects.filter(profile=profile)
    if section.key in ACHIEVEMENT_PHASE:
        qs = qs.filter(phase=ACHIEVEMENT_PHASE[section.key])
    return qs.order_by("sort", "pk")


def field_label(section: Section, name: str) -> str:
    return str(section.model._meta.get_field(name).verbose_name)
