"""The README and docs/ stand on their own: every link leads somewhere in the clone,
nothing points outside it, and the screenshots they show exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Pages other work on the project writes; the index links them by these names already.
WRITTEN_ELSEWHERE = {
    "secrets.md",
    "keys.md",
    "editing.md",
    "trust.md",
    "adopting.md",
    "toolbox.md",
}
_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_every_relative_link_leads_to_a_file_in_the_clone() -> None:
    broken = []
    for page in PAGES:
        for target in _LINK.findall(page.read_text(encoding="utf-8")):
            if "://" in target:
                continue
            path = (page.parent / target).resolve()
            if path.name in WRITTEN_ELSEWHERE and path.parent == ROOT / "docs":
                continue
            if not path.exists() or not path.is_relative_to(ROOT):
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert not broken, broken


def test_nothing_points_outside_the_repository() -> None:
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        assert "../shared" not in text and "/work/" not in text, page


def test_the_index_lists_every_page() -> None:
    index = (ROOT / "docs" / "README.md").read_text(encoding="utf-8")
    for page in PAGES[1:]:
        if page.name != "README.md":
            assert f"]({page.name})" in index, page.name
    for name in WRITTEN_ELSEWHERE:
        assert f"]({name})" in index, name


def test_the_readme_shows_each_main_screen() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for picture in ("docs/tui.svg", "docs/tui-whatif.svg", "docs/tui-matrix.svg"):
        assert f"({picture})" in readme, picture
        assert (ROOT / picture).stat().st_size > 1000, picture
