from __future__ import annotations

from django import forms
from django.utils import timezone

from orgs.models import Org
from titles.catalogue import Level
from titles.models import Series

from .models import Decision

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

ACTION_CHOICES = [
    (Decision.Action.APPROVE, "同意通过"),
    (Decision.Action.READ, "已阅（仅标记已查看，不作决定）"),
    (Decision.Action.BACK, "返回修改（退回上一环节）"),
    (Decision.Action.RETURN, "退回申报人修改"),
    (Decision.Action.NOT_PASS, "不通过"),
    (Decision.Action.VOID, "流程作废"),
]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A FileField taking several files: the widget hands over a list, each file is cleaned on its own
    (a plain FileField given a list answers "未提交文件", so no step attachment could ever be uploaded)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            if not data:
                return super().clean(None, initial)
            return [super(MultipleFileField, self).clean(f, initial) for f in data]
        return super().clean(data, initial)


class DecisionForm(forms.Form):
    action = forms.ChoiceField(label="审核结果", choices=ACTION_CHOICES, widget=forms.RadioSelect)
    opinion = forms.CharField(label="审核意见", required=False, widget=forms.Textarea(attrs={"rows": 4}),
                              help_text="返回修改、退回、不通过、作废时必须填写原因。")
    signer = forms.CharField(label="负责人签字", max_length=50, required=False)
    signed_on = forms.DateField(label="审核日期", required=False, widget=DATE, initial=timezone.localdate)
    deadline = forms.DateField(label="修改截止日期", required=False, widget=DATE,
                               help_text="退回申报人修改时必填；申报人须在此日期前重新提交。")
    insert_org = forms.ModelChoiceField(label="在下一审核单位前增加审核单位", queryset=Org.objects.none(),
                                        required=False, empty_label="（不增加）")
    recommendation = forms.CharField(label="推荐意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    publicity_start = forms.DateField(label="公示开始日期", required=False, widget=DATE)
    publicity_end = forms.DateField(label="公示结束日期", required=False, widget=DATE)
    publicity_result = forms.ChoiceField(label="公示结果", required=False,
                                         choices=[("", "请选择"), ("无异议", "无异议"), ("有异议", "有异议")])
    attachments = MultipleFileField(label="流程附件", required=False,
                                    help_text="如推荐材料、公示证明、委托材料、事业单位岗位情况表；JPG/PNG/PDF。")

    def __init__(self, *args, insertable=None, unit_step: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if insertable is not None:
            self.fields["insert_org"].queryset = insertable
        if not unit_step:
            for f in ("recommendation", "publicity_start", "publicity_end", "publicity_result"):
                del self.fields[f]

    def clean(self):
        data = super().clean()
        s, e = data.get("publicity_start"), data.get("publicity_end")
        if s and e and e < s:
            self.add_error("publicity_end", "公示结束日期不能早于开始日期。")
        return data


class FilterForm(forms.Form):
    year = forms.IntegerField(label="年度", required=False)
    level = forms.ChoiceField(label="层级", required=False, choices=[("", "全部")] + list(Level.choices))
    series = forms.ModelChoiceField(label="系列", queryset=Series.objects.all(), required=False, empty_label="全部")


class DeadlineForm(forms.Form):
    deadline = forms.DateField(label="新的修改截止日期", widget=DATE)


class EdgeForm(forms.Form):
    from_org = forms.ModelChoiceField(label="本级单位", queryset=Org.objects.none())
    to_org = forms.ModelChoiceField(label="下一审核单位", queryset=Org.objects.filter(is_active=True))
    series = forms.ModelChoiceField(label="系列", queryset=Series.objects.all(), required=False, empty_label="全部系列")
    level = forms.ChoiceField(label="层级", required=False, choices=[("", "全部层级")] + list(Level.choices))
    reason = forms.CharField(label="说明", max_length=300, required=False)


class DiagnoseForm(forms.Form):
    unit = forms.ModelChoiceField(label="申报单位", queryset=Org.objects.filter(is_active=True))
    series = forms.ModelChoiceField(label="系列", queryset=Series.objects.filter(is_active=True))
    level = forms.ChoiceField(label="层级", choices=Level.choices)
    specialty = forms.ModelChoiceField(label="专业", queryset=None)
    committee = forms.ModelChoiceField(label="评委会", queryset=None, required=False,
                                       help_text="留空则自动选择能评审该专业和层级的评委会。")

    def __init__(self, *args, **kwargs):
        from titles.models import Committee, Specialty

        super().__init__(*args, **kwargs)
        self.fields["specialty"].queryset = Specialty.objects.filter(is_active=True).select_related("series")
        self.fields["specialty"].label_from_instance = lambda s: f"{s.series.name} · {s.code} {s.name}"
        self.fields["committee"].queryset = Committee.objects.filter(status="active")


class IndustryForm(forms.Form):
    region = forms.ModelChoiceField(label="行政区域（县/市）", queryset=None)
    series = forms.ModelChoiceField(label="系列", queryset=Series.objects.filter(is_active=True))
    specialty = forms.ModelChoiceField(label="专业（留空表示全部专业）", queryset=None, required=False)
    org = forms.ModelChoiceField(label="行业主管部门", queryset=Org.objects.filter(is_active=True))

    def __init__(self, *args, **kwargs):
        from orgs.models import Region
        from titles.models import Specialty

        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.exclude(level="province").order_by("path")
        self.fields["specialty"].queryset = Specialty.objects.filter(is_active=True).select_related("series")
        self.fields["specialty"].label_from_instance = lambda s: f"{s.series.name} · {s.code} {s.name}"
