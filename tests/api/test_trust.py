"""Where verification's trust roots come from: the configured folder, else the development
PKI in {data_dir}/pki; a clear ConfigError naming the setting when neither is usable."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.settings import Settings
from api.workflow.trust import TrustRoots, trust_roots
from docgen.errors import ConfigError
from tests.signing_setting import Setting


def test_the_configured_folder(throwaway_roots: Path, tmp_path: Path) -> None:
    (root,) = trust_roots(Settings(data_dir=tmp_path, trust_roots_dir=throwaway_roots))
    assert root.subject.native["common_name"] == "TEST throwaway root"


@pytest.mark.parametrize("folder", ["missing", "empty"])
def test_an_unusable_folder_is_a_config_error(tmp_path: Path, folder: str) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError) as caught:
        trust_roots(Settings(data_dir=tmp_path, trust_roots_dir=tmp_path / folder))
    assert caught.value.field == "trust_roots_dir"


def test_no_pki_yet_is_a_config_error_and_not_remembered(tmp_path: Path) -> None:
    roots = TrustRoots(Settings(data_dir=tmp_path))
    with pytest.raises(ConfigError, match="hoso pki init"):
        roots.get()
    with pytest.raises(ConfigError):  # tried again, since `hoso pki init` may have run since
        roots.get()


@pytest.mark.slow
def test_the_development_pki_by_default(setting: Setting, tmp_path: Path) -> None:
    (tmp_path / "pki").symlink_to(setting.folder)
    roots = TrustRoots(Settings(data_dir=tmp_path))
    assert [r.dump() for r in roots.get()] == [setting.root.dump()]
    assert roots.get() is roots.get()
