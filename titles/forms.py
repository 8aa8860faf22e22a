from __future__ import annotations

from django import forms
from django.forms import formset_factory

from orgs.models import Org, Region

from .catalogue import EvaluationMode, Level, LevelGroup
from .models import Committee, QualificationName, Series, Specialty


class SeriesForm(forms.Form):
    code = forms.CharField(label="系列代码", max_length=20)
    name = forms.CharField(label="系列名称", max_length=50)
    sort = forms.IntegerField(label="排序", min_value=0, initial=0, required=False)


class SpecialtyForm(forms.Form):
    parent = forms.ModelChoiceField(label="上级专业", queryset=Specialty.objects.none(), required=False,
                                    empty_label="（顶级专业）")
    code = forms.CharField(label="专业代码", max_length=30)
    name = forms.CharField(label="专业名称", max_length=100)

    def __init__(self, *args, series: Series, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Specialty.objects.filter(series=series).order_by("path")
        self.fields["parent"].label_from_instance = lambda s: f"{'　' * (s.depth - 1)}{s.code} {s.name}"


class SpecialtyRenameForm(forms.Form):
    code = forms.CharField(label="专业代码", max_length=30)
    name = forms.CharField(label="专业名称", max_length=100)


class QualificationForm(forms.Form):
    level = forms.ChoiceField(label="层级", choices=Level.choices)
    name = forms.CharField(label="资格名称", max_length=50)
    national_title = forms.CharField(label="对应人社部职称", max_length=50)
    allows_review = forms.BooleanField(label="可评审", required=False, initial=True)
    allows_initial = forms.BooleanField(label="可初定", required=False)
    allows_recognition = forms.BooleanField(label="可认定", required=False)
    specialties = forms.ModelMultipleChoiceField(label="限定专业", queryset=Specialty.objects.none(), required=False,
                                                 help_text="不选表示本系列所有专业均可申报。",
                                                 widget=forms.SelectMultiple(attrs={"size": 8}))

    def __init__(self, *args, series: Series, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specialties"].queryset = Specialty.objects.filter(series=series).order_by("path")
        self.fields["specialties"].label_from_instance = lambda s: f"{'　' * (s.depth - 1)}{s.code} {s.name}"

    @classmethod
    def initial_for(cls, q: QualificationName) -> dict:
        return {"level": q.level, "name": q.name, "national_title": q.national_title,
                "allows_review": q.allows_review, "allows_initial": q.allows_initial,
                "allows_recognition": q.allows_recognition, "specialties": list(q.specialties.all())}


class ImportForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）")

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > 10 * 1024 * 1024:
            raise forms.ValidationError("文件不能超过 10 MB。")
        return f


class CommitteeForm(forms.Form):
    name = forms.CharField(label="评委会名称", max_length=100)
    level_group = forms.ChoiceField(label="评委会级别", choices=LevelGroup.choices)
    series = forms.ModelChoiceField(label="系列", queryset=Series.objects.filter(is_active=True))
    specialties = forms.ModelMultipleChoiceField(
        label="可评审专业", queryset=Specialty.objects.filter(is_active=True).select_related("series"), required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}), help_text="按住 Ctrl 可多选；须属于所选系列。")
    organisers = forms.ModelMultipleChoiceField(label="组建单位", queryset=Org.objects.filter(is_active=True),
                                                widget=forms.SelectMultiple(attrs={"size": 6}))
    office = forms.ModelChoiceField(label="评委会办事机构（评办）", queryset=Org.objects.filter(is_active=True))
    final_org = forms.ModelChoiceField(label="终审单位", queryset=Org.objects.filter(is_active=True), required=False,
                                       help_text="留空则为四川省人力资源和社会保障厅。")
    region_scope = forms.ModelChoiceField(label="评审范围（行政区域）", queryset=Region.objects.all())
    scope_text = forms.CharField(label="评审范围说明", max_length=300, required=False,
                                 widget=forms.Textarea(attrs={"rows": 2}))
    contact_person = forms.CharField(label="联系人", max_length=50, required=False)
    contact_phone = forms.CharField(label="咨询电话", max_length=50, required=False)
    fees = forms.CharField(label="缴费标准", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="每行一项：缴费项目 金额，如“评审费 300”。")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specialties"].label_from_instance = lambda s: f"{s.series.name} · {s.code} {s.name}"

    @classmethod
    def initial_for(cls, c: Committee) -> dict:
        return {
            "name": c.name, "level_group": c.level_group, "series": c.series_id,
            "specialties": list(c.specialties.all()), "organisers": list(c.organisers.all()), "office": c.office_id,
            "final_org": c.final_org_id, "region_scope": c.region_scope_id, "scope_text": c.scope_text,
            "contact_person": c.contact_person, "contact_phone": c.contact_phone,
            "fees": "\n".join(f"{f.item} {f.amount}" for f in c.fees.all()),
        }

    def clean_fees(self):
        from decimal import Decimal, InvalidOperation

        out = []
        for n, line in enumerate(self.cleaned_data["fees"].splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            item, _, amount = line.rpartition(" ")
            try:
                value = Decimal(amount)
            except InvalidOperation:
                raise forms.ValidationError(f"第{n}行格式应为“缴费项目 金额”。") from None
            if not item.strip() or value < 0:
                raise forms.ValidationError(f"第{n}行格式应为“缴费项目 金额”。")
            out.append((item.strip(), value))
        return out


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ActivityForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    title = forms.CharField(label="活动名称", max_length=150)
    opens_on = forms.DateField(label="申报开始日期", widget=forms.DateInput(attrs={"type": "date"}))
    closes_on = forms.DateField(label="申报截止日期", widget=forms.DateInput(attrs={"type": "date"}))
    edit_deadline_days = forms.IntegerField(label="退回修改期限（天）", min_value=1, max_value=90, initial=7)
    teacher_section = forms.BooleanField(label="需填写中小学教师信息", required=False)
    health_section = forms.BooleanField(label="需填写卫生技术信息", required=False)
    notice = forms.CharField(label="评审通知", required=False, widget=forms.Textarea(attrs={"rows": 8}),
                             help_text="可使用简单的 HTML 格式（段落、加粗、列表、表格、链接）；脚本等不安全内容会被自动清除。")

    def clean(self):
        data = super().clean()
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            self.add_error("closes_on", "申报截止日期不能早于申报开始日期。")
        return data


class MaterialForm(forms.Form):
    name = forms.CharField(label="材料名称", max_length=100, required=False)
    required = forms.BooleanField(label="必填", required=False, initial=True)
    description = forms.CharField(label="说明", max_length=300, required=False)


class TemplateForm(forms.Form):
    category = forms.CharField(label="业绩成果类型", max_length=50, required=False)
    name = forms.CharField(label="模板名称", max_length=100, required=False)
    fields_text = forms.CharField(label="填写项（每行一项）", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if data.get("name") and not data.get("category"):
            self.add_error("category", "请填写业绩成果类型。")
        return data


class ConditionForm(forms.Form):
    text = forms.CharField(label="破格条件", max_length=500, required=False)


MaterialFormSet = formset_factory(MaterialForm, extra=2)
TemplateFormSet = formset_factory(TemplateForm, extra=1)
ConditionFormSet = formset_factory(ConditionForm, extra=1)


class CloseDateForm(forms.Form):
    closes_on = forms.DateField(label="新的申报截止日期", widget=forms.DateInput(attrs={"type": "date"}))


class ChoiceForm(forms.Form):
    """The cascading declaration choice; the querysets are narrowed by the view from titles.selectors."""

    mode = forms.ChoiceField(label="评价方式", choices=[("", "请选择")] + list(EvaluationMode.choices))
    series = forms.ModelChoiceField(label="申报系列", queryset=Series.objects.all(), empty_label="请选择")
    level = forms.ChoiceField(label="申报层级", choices=[("", "请选择")] + list(Level.choices))
    specialty = forms.ModelChoiceField(label="申报专业", queryset=Specialty.objects.all(), empty_label="请选择")
    qualification = forms.ModelChoiceField(label="申报资格名称", queryset=QualificationName.objects.all(),
                                           empty_label="请选择")
    committee = forms.ModelChoiceField(label="评委会", queryset=Committee.objects.all(), required=False)
