"""The README's examples are executed: every ``console`` block and every ``python`` block.

A ``console`` block is a sequence of ``$ command`` lines, each followed by the output it prints
(compared with doctest's ELLIPSIS rules: ``...`` stands for any text, including whole lines). The
commands run in order, in one scratch folder holding a copy of ``examples/``, so later commands can
read the files earlier ones wrote. A command whose comment says ``# exit N`` must exit with exactly N
(docs/design.md §11); otherwise one whose shown output contains ``error:`` must exit non-zero and
every other command must exit 0. ``bash`` blocks (installation, runs of minutes to hours) are not run.
"""

from __future__ import annotations

import doctest
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks(kind: str, text: str | None = None) -> list[str]:
    return [m.group(2) for m in FENCE.finditer(README.read_text(encoding="utf-8") if text is None else text)
            if m.group(1) == kind]


def console_examples(block: str) -> list[tuple[str, str]]:
    """``(command, expected output)`` pairs of one console block."""
    out: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            out.append((line[2:], []))
        elif out:
            out[-1][1].append(line)
        elif line.strip():
            raise ValueError(f"console block: output before the first command: {line!r}")
    return [(cmd, "\n".join(lines).strip("\n")) for cmd, lines in out]


def matches(expected: str, got: str) -> bool:
    if not expected:
        return True
    checker = doctest.OutputChecker()
    return checker.check_output(expected + "\n", got.rstrip("\n") + "\n", doctest.ELLIPSIS)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    where = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "examples", where / "examples")
    return where


def _shell(command: str, cwd: Path) -> subprocess.CompletedProcess:
    prelude = f'bilinear() {{ "{sys.executable}" -c "import bilinear; bilinear.main()" "$@"; }}\n'
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               COLUMNS="100")
    return subprocess.run(["bash", "-c", prelude + command], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=600)


CONSOLE = [pair for block in blocks("console") for pair in console_examples(block)]


def test_the_readme_has_examples():
    assert len(CONSOLE) >= 8 and (blocks("python") or blocks("pycon"))


@pytest.mark.parametrize("command,expected", CONSOLE, ids=[c for c, _ in CONSOLE])
def test_console_example(command, expected, scratch):
    r = _shell(command, scratch)
    got = r.stdout + r.stderr
    stated = re.search(r"#\s*exit (\d+)\b", command)
    if stated:
        assert r.returncode == int(stated[1]), f"{command}: exit {r.returncode}:\n{got}"
    elif "error:" in expected:
        assert r.returncode != 0, f"{command}: expected a failure, got exit 0:\n{got}"
    else:
        assert r.returncode == 0, f"{command}: exit {r.returncode}:\n{got}"
    assert matches(expected, got), f"{command}:\n--- README shows ---\n{expected}\n--- it prints ---\n{got}"


def test_python_examples(scratch, monkeypatch):
    """``python`` blocks are executed; ``pycon`` blocks (``>>>`` sessions) are run as doctests."""
    monkeypatch.chdir(scratch)
    for code in blocks("python"):
        exec(compile(code, "README.md", "exec"), {})
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for i, code in enumerate(blocks("pycon")):
        runner.run(parser.get_doctest(code, {}, f"README pycon block {i}", "README.md", 0))
    assert runner.failures == 0, f"{runner.failures} README pycon examples failed (printed above)"


def test_the_matcher_can_fail():
    assert matches("a\n...\nc", "a\nb\nb\nc")
    assert not matches("a\nc", "a\nb\nc")
    assert console_examples("$ x\n1\n2\n$ y\n") == [("x", "1\n2"), ("y", "")]
