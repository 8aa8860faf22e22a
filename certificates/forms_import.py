"""Form of the batch import page (CRT-6)."""

from __future__ import annotations

from django import forms

from .imports import MAX_BYTES


class ImportUploadForm(forms.Form):
    org = forms.ModelChoiceField(
        label="发证单位",
        queryset=None,
        empty_label=None,
        help_text="导入的证书以该单位的名义发放，证书编号使用该单位的发证单位编码。",
    )
    file = forms.FileField(
        label="Excel 文件（.xlsx）",
        help_text=f"请使用下载的模板填写，不超过 {MAX_BYTES // (1024 * 1024)} MB、50000 行。",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs
        self.fields["org"].label_from_instance = lambda o: f"{o.name}（{o.issuing_unit.code}）"
