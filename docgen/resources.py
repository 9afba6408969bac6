"""Where hoso's data files are: the .docx templates (templates/vi) and the samples (issuing
bodies, plans, meetings, assessments). In a checkout they are beside the packages; an installed
wheel carries them as data files under <prefix>/share/hoso/ (pyproject's data-files), since a
wheel installs nothing beside site-packages' packages.

Left out: choosing among them at run time (`api.settings.Settings` holds the folders, which
HOSO_BODIES_DIR and its siblings override).
"""

from __future__ import annotations

import site
import sys
import sysconfig
from functools import cache
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]


@cache
def data_root() -> Path:
    """The folder holding templates/vi and samples/: the checkout this module runs from, else
    the installed copy (<prefix>/share/hoso: a venv's, the system's or the user's)."""
    if (CHECKOUT / "templates" / "vi").is_dir() and (CHECKOUT / "pyproject.toml").is_file():
        return CHECKOUT
    for base in (sysconfig.get_path("data"), sys.prefix, site.getuserbase()):
        installed = Path(base) / "share" / "hoso"
        if (installed / "templates" / "vi").is_dir():
            return installed
    return CHECKOUT  # neither: the errors name the missing file under it


def templates_dir() -> Path:
    return data_root() / "templates" / "vi"


def samples_dir() -> Path:
    return data_root() / "samples"
