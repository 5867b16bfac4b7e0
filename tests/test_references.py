"""The repository stands alone: every reference in code, docstrings, README and docs resolves inside it.

Checked over every source and documentation file: no path outside the repository (a sibling
``shared`` folder, the planning notes), no issue numbers, every ``docs/design.md §N`` citation names a
section that page has, and every repository path a text names (``docs/…``, ``examples/…``,
``tests/data/…``, package modules) exists.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIP_DIRS = {".git", "__pycache__", ".venv", "venv", "build", "dist", ".mypy_cache", ".pytest_cache",
             ".hypothesis", "node_modules"}
TEXT_SUFFIXES = {".py", ".md", ".toml", ".g", ".txt", ".cfg", ".ini", ".sh", ""}
SELF = Path(__file__).resolve()

# Written in pieces so that this file does not match itself.
OUTSIDE = [
    re.compile(r"\.\./" + "shared"),
    re.compile("shared/" + "DESIGN"),
    re.compile(r"\bDESIGN" + r"(\.md)?\s*§"),
    re.compile("paper-" + "notes|peer-" + "codebases"),
    re.compile(r"\bissues?\s*#?\d+", re.IGNORECASE),
]
CITATION = re.compile(r"design\.md((?:[ ,;and]*§\d+)+)")
SECTION = re.compile(r"§(\d+)")
PATH = re.compile(r"(?<![\w/.-])((?:docs|examples|tests|theory|constructions|verify|paper_figs|bilinear_cli|benchmarks)"
                  r"/[\w./-]*\w\.(?:md|py|json|g|csv|npz|txt))")


def _files():
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS and not d.endswith(".egg-info")
                       and not d.startswith(".") or d == ".ci"]
        for name in filenames:
            p = Path(dirpath, name)
            if p.resolve() == SELF or (p.suffix not in TEXT_SUFFIXES) or p.suffix == "" and p.parent.name != ".ci":
                continue
            if p.stat().st_size > 2_000_000:
                continue
            yield p


FILES = sorted(_files())


def _sections() -> set[int]:
    text = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    return {int(m) for m in re.findall(r"^## §(\d+)\.", text, flags=re.MULTILINE)}


def test_files_were_found():
    names = {p.relative_to(ROOT).as_posix() for p in FILES}
    assert {"README.md", "docs/design.md", "theory/groups/group.py", ".ci/run"} <= names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_reference_outside_the_repository(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    bad = [(i + 1, line.strip()) for i, line in enumerate(text.splitlines())
           for pattern in OUTSIDE if pattern.search(line)]
    assert not bad, f"{path.relative_to(ROOT)}: references outside the repository: {bad[:5]}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_design_citations_and_paths_resolve(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    sections = _sections()
    cited = {int(s) for m in CITATION.finditer(text) for s in SECTION.findall(m.group(1))}
    assert cited <= sections, f"{path.relative_to(ROOT)} cites docs/design.md {sorted(cited - sections)}"
    missing = sorted({m.group(1) for m in PATH.finditer(text) if not (ROOT / m.group(1)).exists()})
    assert not missing, f"{path.relative_to(ROOT)} names files that do not exist: {missing}"


def test_the_checks_can_fail(tmp_path):
    """The patterns catch what they are meant to catch."""
    assert any(p.search("see ../" + "shared" + "/DESIGN.md") for p in OUTSIDE)
    assert any(p.search("(Issue 12)") for p in OUTSIDE)
    assert {int(s) for m in CITATION.finditer("docs/design.md §4, §99") for s in SECTION.findall(m.group(1))} == {4, 99}
    assert 99 not in _sections()
    assert PATH.search("read docs/nothing_here.md now").group(1) == "docs/nothing_here.md"
