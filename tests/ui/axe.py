"""axe-core, the accessibility engine (npm package `axe-core`, installed into node_modules/ by
scripts/setup.sh; never fetched at run time), run inside a Playwright page: its violations by
impact, printed per page so that the test output is the report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import REPO, need

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
IMPACTS = ("critical", "serious", "moderate", "minor")
BLOCKING = ("critical", "serious")


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        where = ", ".join(self.targets[:3]) + (" …" if len(self.targets) > 3 else "")
        return f"[{self.impact}] {self.rule}: {self.help} ({len(self.targets)}: {where})"


def source() -> str:
    need(AXE.is_file(), f"axe-core missing ({AXE.relative_to(REPO)}): make setup installs it")
    return Path(AXE).read_text(encoding="utf-8")


def audit(page: Any) -> list[Violation]:
    """Every WCAG 2.x A/AA violation axe finds on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=source())
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const r = await axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                                'best-practice']},
                resultTypes: ['violations'],
            });
            return r.violations.map(v => ({
                rule: v.id, impact: v.impact || 'minor', help: v.help,
                targets: v.nodes.map(n => n.target.join(' ')),
            }));
        }"""
    )
    return [
        Violation(v["rule"], v["impact"], v["help"], tuple(v["targets"]))
        for v in sorted(found, key=lambda v: IMPACTS.index(v["impact"]))
    ]


def version() -> str:
    """The axe-core version installed (its package.json)."""
    import json

    return str(json.loads((AXE.parent / "package.json").read_text(encoding="utf-8"))["version"])
