"""Upload file names as the client sent them (DCL-3): Django's multipart parser silently strips path parts and
control characters and shortens long names before any of our code sees them. The issue asks for a refusal with
a message instead, so this middleware parses multipart bodies with a parser that notes each refused raw name on
its uploaded file (``upload.name_refusal``); common.uploads.check_upload then refuses it like any bad file."""

from __future__ import annotations

from django.http.multipartparser import MultiPartParser
from django.utils.datastructures import ImmutableList

MAX_RAW_NAME_CHARS = 200
MSG_NAME_PATH = "文件名不能包含路径符号（/ 或 \\）"
MSG_NAME_CONTROL = "文件名不能包含控制字符"
MSG_NAME_LONG = f"文件名不能超过{MAX_RAW_NAME_CHARS}个字符"
_MARK = "zc-refused-name-"


def name_refusal(raw: str) -> str:
    """Why a client's raw file name is refused ('' when it is acceptable)."""
    if "/" in raw or "\\" in raw:
        return MSG_NAME_PATH
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in raw):
        return MSG_NAME_CONTROL
    if len(raw) > MAX_RAW_NAME_CHARS:
        return MSG_NAME_LONG
    return ""


class NameCheckingParser(MultiPartParser):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.refusals: dict[str, str] = {}

    def sanitize_file_name(self, file_name):
        import html

        reason = name_refusal(html.unescape(file_name))
        if reason and file_name not in ("", ".", ".."):
            marker = f"{_MARK}{len(self.refusals)}.bin"
            self.refusals[marker] = reason
            return marker
        return super().sanitize_file_name(file_name)

    def parse(self):
        post, files = super().parse()
        for _field, uploads in files.lists():
            for f in uploads:
                reason = self.refusals.get(f.name)
                if reason:
                    f.name_refusal = reason
        return post, files


class UploadNameMiddleware:
    """Must come before CsrfViewMiddleware (which reads request.POST)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.content_type == "multipart/form-data":
            def parse_file_upload(META, post_data):
                request.upload_handlers = ImmutableList(request.upload_handlers, warning="上传处理器已在使用。")
                return NameCheckingParser(META, post_data, request.upload_handlers, request.encoding).parse()

            request.parse_file_upload = parse_file_upload
        return self.get_response(request)
