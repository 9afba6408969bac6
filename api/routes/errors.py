"""The HTTP side of the one error tree: what the API refuses about an upload, and the HTTP
status of every `HosoError`.

    HosoError                      (docgen.errors)
    └── UploadError            422 an upload without a usable file: no `file` field, empty,
        │                          not multipart, interrupted
        ├── UploadTooLarge     413 larger than `Settings.upload_limit`
        └── UnsupportedUpload  415 not a PDF: the request's Content-Type or the file's bytes

`http_status` maps a domain error to its status by the nearest class in the table; the one
exception handler in `api.app` uses it. Nothing here raises for a signature that does not
verify: that is a result.
"""

from __future__ import annotations

from api.routes.nul import NulCharacter
from api.workflow.issue_date import InvalidIssueDate
from docgen import vn
from docgen.errors import (
    ConfigError,
    Conflict,
    Forbidden,
    HosoError,
    InvalidAssessment,
    InvalidMeeting,
    NotFound,
    SignInThrottled,
    Unauthenticated,
)


class UploadError(HosoError):
    """An upload the API cannot use: no file, an empty file, a broken multipart body."""

    code = "invalid_upload"


class UploadTooLarge(UploadError):
    """The file is larger than the configured limit; the rest of the body is never read."""

    code = "upload_too_large"


class UnsupportedUpload(UploadError):
    """The body is not a PDF: a Content-Type the endpoint does not take, or bytes without the
    %PDF- header."""

    code = "unsupported_media_type"


STATUS: dict[type[HosoError], int] = {
    UploadTooLarge: 413,
    UnsupportedUpload: 415,
    UploadError: 422,
    InvalidAssessment: 422,
    InvalidMeeting: 422,
    InvalidIssueDate: 422,
    NulCharacter: 422,
    Unauthenticated: 401,
    SignInThrottled: 429,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,  # StateError among them
    # The service's own configuration (no trust roots, no PKI): not the caller's fault.
    ConfigError: 503,
    HosoError: 400,  # any other refusal of what the caller sent
}


def http_status(exc: HosoError) -> int:
    """The status of `exc`: that of the nearest of its classes in `STATUS`."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def size_text(size: int) -> tuple[str, str]:
    """A byte count for people, in English and in Vietnamese: '20 MiB', '1.5 KiB' / '1,5 KiB'."""
    for unit, factor in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor:
            value = f"{size / factor:.1f}".removesuffix(".0")
            return f"{value} {unit}", f"{value.replace('.', ',')} {unit}"
    return f"{size} bytes", f"{vn.number(size)} byte"


def too_large(limit: int, *, field: str = "file") -> UploadTooLarge:
    en, vi = size_text(limit)
    return UploadTooLarge(
        f"{field}: the file is larger than the limit of {en} ({limit} bytes)",
        message_vi=f"Tệp tải lên vượt quá giới hạn {vi} ({vn.number(limit)} byte)",
        field=field,
    )
