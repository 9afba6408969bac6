"""The roots verification trusts: the configured folder of PEM certificates, or else the
development PKI's root in {data_dir}/pki.

One function for every entry point (`hoso verify`, the signing commands, the API), and a small
cache for the API, which loads them once, on the first verification rather than at start, so
that a service without a PKI yet still starts and answers each verification with the reason.
"""

from __future__ import annotations

import threading
from typing import Any

from api.settings import Settings
from docgen.errors import ConfigError


def trust_roots(settings: Settings) -> list[Any]:
    """The configured roots (`trust_roots_dir`), or the development PKI's root.

    Raises ConfigError when neither is there. The certificates are asn1crypto's."""
    from signing import pki, verify

    if settings.trust_roots_dir is not None:
        if not settings.trust_roots_dir.is_dir():
            raise ConfigError(
                f"the trust roots folder {settings.trust_roots_dir} does not exist",
                message_vi=f"Không có thư mục chứng thư gốc tin cậy {settings.trust_roots_dir}",
                field="trust_roots_dir",
            )
        return verify.load_roots(settings.trust_roots_dir)
    folder = settings.data_dir / "pki"
    if not (folder / "certomancer.yml").is_file():
        raise ConfigError(
            f"no trust roots: set HOSO_TRUST_ROOTS_DIR, or run `hoso pki init` for the "
            f"development PKI in {folder}",
            message_vi=f"Chưa có chứng thư gốc tin cậy: đặt HOSO_TRUST_ROOTS_DIR, hoặc chạy "
            f"`hoso pki init` để tạo PKI thử nghiệm trong {folder}",
            field="trust_roots_dir",
        )
    return [pki.root_certificate(pki.load(folder))]


class TrustRoots:
    """`trust_roots(settings)` loaded once, on first use, by whichever thread asks first;
    a failure is not remembered, so that `hoso pki init` run later takes effect."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._roots: list[Any] | None = None
        self._lock = threading.Lock()

    def get(self) -> list[Any]:
        with self._lock:
            if self._roots is None:
                self._roots = trust_roots(self._settings)
            return self._roots
