"""The one error tree of hoso.

Every error the service raises on purpose derives from `HosoError` and carries a stable `code`,
an English and a Vietnamese message, and the path of the field at fault. Entry points (the CLI,
the HTTP API) translate these and nothing else into exit codes and responses; anything else is a
bug. A failed check (a unit that does not qualify, a signature that does not verify) is a
*result*, not an error.

    HosoError
    ├── ConfigError            settings or policy files that cannot be used
    ├── InvalidAssessment      an assessment input with problems (all of them, with locations)
    ├── InvalidMeeting         an appraisal meeting that breaks its rules (all of them, by field)
    ├── TemplateError          a template that is missing or cannot be filled
    ├── ConversionError        LibreOffice could not turn a .docx into a PDF
    │   ├── ConverterUnavailable   LibreOffice is not installed
    │   └── ConversionTimeout      a conversion took longer than allowed, twice
    ├── StampError             a PDF that cannot be stamped
    ├── SigningError           a signature that could not be made
    │   ├── KeyUnavailable         a wrong passphrase or PIN, an unreadable key file or token
    │   ├── CertificateRejected    expired, not yet valid, revoked or unfit for signing
    │   ├── TimestampUnavailable   the timestamp authority did not answer
    │   ├── SignatureRefused       the signer refused on their phone (remote signing)
    │   └── ConfirmationTimeout    the signer did not confirm in time (remote signing)
    ├── NumberingError         a số that cannot be given: unknown issuing body, a document not
    │                          signed yet or already issued, a registry that cannot be reached
    ├── ArchiveError           a record the archive cannot preserve (not sealed, unreadable,
    │                          changed after its seal, renewed too late)
    ├── BackupError            a backup that cannot be made or restored (a data folder not
    │                          empty, a damaged or foreign file)
    ├── AccessError            a request the caller may not make
    │   ├── Unauthenticated        no valid token or session
    │   │   └── SignInThrottled        too many failed sign-ins: refused for a while
    │   └── Forbidden              a role or issuing body that does not allow the action
    ├── NotFound               no such document, assessment, user, file or recipient link (for
    │                          the caller)
    └── Conflict               the request collides with what exists: a login taken, a
        │                      certificate registered already, a file never overwritten
        └── StateError             the action does not fit the document's state

Only the branches the code uses exist; the others are named here so that the tree stays one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class HosoError(Exception):
    """Base of every error hoso raises on purpose."""

    code = "hoso_error"

    def __init__(self, message: str, *, message_vi: str | None = None, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.message_vi = message_vi or message
        self.field = field


class ConfigError(HosoError):
    """A settings value, criteria set or recognition policy that cannot be used."""

    code = "config_error"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, and where: file, unit, item and field."""

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class InvalidAssessment(HosoError):
    """An assessment input with one or more problems; nothing of it may be scored."""

    code = "invalid_assessment"

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        count = len(self.problems)
        super().__init__(
            f"{count} problem(s) in the assessment input:\n{lines}",
            message_vi=f"Dữ liệu chấm điểm có {count} lỗi:\n{lines}",
            field=self.problems[0].location if self.problems else "",
        )

    @classmethod
    def collect(cls, problems: Iterable[Problem]) -> None:
        """Raise with every problem at once, or return when there is none."""
        found = list(problems)
        if found:
            raise cls(found)


@dataclass(frozen=True)
class MeetingProblem:
    """One rule of the appraisal meeting broken: the field, in English and in Vietnamese (the
    text the form shows beside the field)."""

    field: str
    message: str
    message_vi: str


class InvalidMeeting(HosoError):
    """An appraisal meeting (docgen.meeting) that breaks one or more of its rules."""

    code = "invalid_meeting"

    def __init__(
        self, problems: Sequence[MeetingProblem], *, where: str = "", where_vi: str = ""
    ) -> None:
        self.problems = tuple(problems)
        head, head_vi = (f"{where}: " if where else ""), (f"{where_vi}: " if where_vi else "")
        super().__init__(
            head + "; ".join(f"{p.field}: {p.message}" for p in self.problems),
            message_vi=head_vi + "; ".join(f"{p.field}: {p.message_vi}" for p in self.problems),
            field=self.problems[0].field if self.problems else "",
        )

    @classmethod
    def collect(cls, problems: Iterable[MeetingProblem]) -> None:
        """Raise with every problem at once, or return when there is none."""
        found = list(problems)
        if found:
            raise cls(found)

    def under(self, prefix: str, *, where: str = "", where_vi: str = "") -> InvalidMeeting:
        """The same problems with each field below `prefix` (e.g. "meeting.votes_total"),
        and where they are (a file) in front of the messages."""
        moved = [MeetingProblem(prefix + p.field, p.message, p.message_vi) for p in self.problems]
        return InvalidMeeting(moved, where=where, where_vi=where_vi)


class TemplateError(HosoError):
    """A template that is missing, malformed, or uses a variable the context does not give."""

    code = "template_error"


class ConversionError(HosoError):
    """LibreOffice could not turn a document into a PDF."""

    code = "conversion_error"


class ConverterUnavailable(ConversionError):
    """LibreOffice (or Debian's python3-uno beside it) is not installed."""

    code = "converter_unavailable"


class ConversionTimeout(ConversionError):
    """A conversion did not finish in time, on a fresh instance too."""

    code = "conversion_timeout"


class StampError(HosoError):
    """A PDF that cannot be read or marked (QR code, watermark, fields)."""

    code = "stamp_error"


FONT_MISSING_VI = "Thiếu phông chữ Liberation Serif; hãy chạy: apt-get install fonts-liberation2"
"""What a StampError says in Vietnamese when the font the pages are measured in is missing."""


class SigningError(HosoError):
    """A signature that could not be made; the document is left as it was."""

    code = "signing_error"


class KeyUnavailable(SigningError):
    """The key cannot be used: wrong passphrase or PIN, unreadable file, missing token."""

    code = "key_unavailable"


class CertificateRejected(SigningError):
    """The signing certificate is expired, not yet valid, revoked, untrusted or unfit."""

    code = "certificate_rejected"


class TimestampUnavailable(SigningError):
    """The RFC 3161 timestamp authority did not answer or answered with an error."""

    code = "timestamp_unavailable"


class SignatureRefused(SigningError):
    """The signer refused the signature where their key is (on the phone of a remote signing
    service); nothing was signed."""

    code = "signature_refused"


class ConfirmationTimeout(SigningError):
    """The signer did not confirm the signature on their phone in the time allowed."""

    code = "confirmation_timeout"


class NumberingError(HosoError):
    """No số could be given: an issuing body the registry does not know, a bad type or year, a
    document that is not signed yet or already issued, or a registry database that cannot be
    used. Nothing was numbered: the transaction that would have taken the number rolled back."""

    code = "numbering_error"


class ArchiveError(HosoError):
    """A record the archive cannot preserve: unreadable, not sealed (no document timestamp)
    yet, changed after its last document timestamp, or with a last timestamp that no longer
    validates (renewed too late)."""

    code = "archive_error"


class BackupError(HosoError):
    """A backup that cannot be made or restored: a data folder that is not empty, a damaged
    or foreign file (api/workflow/backup.py)."""

    code = "backup_error"


class AccessError(HosoError):
    """A request the caller may not make: no valid token (Unauthenticated), or a role or issuing
    body that does not allow the action (Forbidden). Nothing was changed."""

    code = "access_error"


class Unauthenticated(AccessError):
    code = "unauthenticated"


class SignInThrottled(Unauthenticated):
    """Too many failed sign-ins for this login or from this address: every sign-in, the right
    password included, is refused until `until` (api/workflow/throttle.py)."""

    code = "sign_in_throttled"

    def __init__(self, message: str, *, until: object, **kwargs: str) -> None:
        super().__init__(message, **kwargs)
        self.until = until


class Forbidden(AccessError):
    code = "forbidden"


class NotFound(HosoError):
    """No such document, assessment, user, file or recipient link (or not one the caller may
    see)."""

    code = "not_found"


class Conflict(HosoError):
    """The request collides with what exists: a login that is taken, a certificate registered
    already, an output file that is never overwritten, a dossier with nothing to build from.
    Nothing was changed."""

    code = "conflict"


class StateError(Conflict):
    """The action does not fit the document's state: signing a signed document, issuing a
    draft, revoking a draft. Nothing was changed."""

    code = "state_error"
