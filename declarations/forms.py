from __future__ import annotations

from django import forms
from django.forms import modelform_factory

from orgs.models import Org
from titles.forms import ChoiceForm

from . import sections as S
from .models import Achievement, BasicInfo, Declaration, Profile

_EXCLUDE = ("profile", "declaration", "sort", "created_at", "locked")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _widgets(model) -> dict:
    w = {}
    for f in model._meta.get_fields():
        if getattr(f, "get_internal_type", None) and f.get_internal_type() == "DateField":
            w[f.name] = DATE_WIDGET
        if getattr(f, "get_internal_type", None) and f.get_internal_type() == "TextField":
            w[f.name] = forms.Textarea(attrs={"rows": 4})
    return w


class UploadMixin(forms.Form):
    upload = forms.FileField(label="上传附件", required=False,
                             help_text="只能上传 JPG/PNG 图片或 PDF 文件，单个不超过 10 MB；文件由系统按栏目自动命名。")


def section_form_class(section: S.Section, *, with_upload: bool | None = None):
    """A ModelForm for a section; every field optional at save (required * fields are checked at submit)."""
    model = section.model
    base = (UploadMixin, forms.ModelForm) if (section.attachments if with_upload is None else with_upload) else \
        (forms.ModelForm,)
    exclude = [*_EXCLUDE, *section.exclude]
    if section.key in ("commitment",):
        exclude.append("declaration")
    form_class = modelform_factory(model, form=type("Base", base, {}), exclude=exclude, widgets=_widgets(model))
    for name, fld in form_class.base_fields.items():
        fld.required = False
        fld.is_star = name in section.required
    return form_class


class AchievementFormMixin:
    """Achievement rows follow the activity's templates (002 item 8): one input per template field."""

    def setup_templates(self, activity, data=None):
        qs = activity.achievement_templates.all() if activity else Achievement.template.field.related_model.objects.none()
        self.fields["template"].queryset = qs
        self.fields["template"].label_from_instance = lambda t: f"{t.category} · {t.name}"
        # Choosing a template re-renders this form (as typed) with the template's own fields (htmx; without
        # JavaScript they appear once the row is saved with its template).
        self.fields["template"].widget.attrs.update({
            "hx-get": "", "hx-trigger": "change", "hx-include": "closest form", "hx-target": "closest form",
            "hx-select": "form.row-form", "hx-swap": "outerHTML",
        })
        template_id = (data or {}).get("template") or (self.instance.template_id if self.instance else None)
        template = qs.filter(pk=template_id).first() if str(template_id or "").isdigit() else None
        self.template_fields = []
        if template is not None:
            for i, label in enumerate(template.field_list):
                name = f"detail_{i}"
                self.fields[name] = forms.CharField(label=label, required=False, max_length=500,
                                                    initial=(self.instance.details or {}).get(label, ""))
                self.template_fields.append((name, label))

    def details(self) -> dict:
        return {label: self.cleaned_data.get(name, "") for name, label in self.template_fields}


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = [f.name for f in Profile._meta.fields if f.name not in ("id", "user", "updated_at")]
        widgets = _widgets(Profile)


BASIC_FIELDS = [f.name for f in BasicInfo._meta.fields if f.name not in ("id", "declaration")]


class StartForm(ChoiceForm):
    """Starting a declaration (DCL-1): work unit, the catalogue choice, method, entrusted review."""

    unit = forms.ModelChoiceField(label="工作单位", queryset=Org.objects.filter(is_active=True),
                                  widget=forms.HiddenInput,
                                  error_messages={"required": "请先查询并选择工作单位。",
                                                  "invalid_choice": "请选择已开通的工作单位。"})
    method = forms.ChoiceField(label="申报方式", choices=Declaration.Method.choices, initial="normal")
    break_conditions = forms.ModelMultipleChoiceField(
        label="破格条件", queryset=Achievement.template.field.related_model.objects.none(), required=False)
    entrusted = forms.BooleanField(label="委托评审", required=False)
    entrust_proof = forms.FileField(label="委托证明材料", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from titles.models import BreakCondition

        self.fields["break_conditions"].queryset = BreakCondition.objects.all()
