"""Forms of the blacklist pages (CRT-7, 003 §1.21). The services check everything again."""

from __future__ import annotations

from django import forms

from common.checksums import validate_id_number

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class BlacklistEntryForm(forms.Form):
    reason = forms.CharField(
        label="列入原因",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写列入黑名单的原因。"},
    )
    document = forms.CharField(label="处理文号", max_length=100, required=False)
    until = forms.DateField(label="限制截止日期", required=False, widget=_DATE, help_text="留空表示直至解除。")


class BlacklistAddForm(BlacklistEntryForm):
    org = forms.ModelChoiceField(label="登记单位", queryset=None, empty_label=None)
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(label="身份证号", max_length=18)

    field_order = ["org", "name", "id_number", "reason", "document", "until"]

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs

    def clean_id_number(self):
        return validate_id_number(self.cleaned_data["id_number"])


class LiftForm(forms.Form):
    reason = forms.CharField(
        label="解除原因",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写解除原因。"},
    )
