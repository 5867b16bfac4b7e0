"""docs/bring_your_own_model.md is executed: its ``python`` and ``console`` blocks run in document
order in one scratch folder (the console outputs compared as in tests/test_readme.py; every console
command is ``bilinear ...``, run in this process)."""

from __future__ import annotations

import contextlib
import io
import re
import shlex

import pytest

from bilinear import main
from tests.test_readme import FENCE, ROOT, console_examples, matches

PAGE = ROOT / "docs" / "bring_your_own_model.md"


def _steps() -> list[tuple[str, str, str]]:
    out = []
    for m in FENCE.finditer(PAGE.read_text(encoding="utf-8")):
        if m.group(1) == "python":
            out.append(("python", m.group(2), ""))
        elif m.group(1) == "console":
            out.extend(("console", c, e) for c, e in console_examples(m.group(2)))
    return out


def test_the_page_has_an_example_per_source():
    text = PAGE.read_text(encoding="utf-8")
    for heading in ("Arrays", "Householder", "flash-linear-attention", "PD-SSM", "Mamba-3", "Export to fla"):
        assert re.search(rf"^## .*{heading}", text, re.MULTILINE), heading
    assert sum(kind == "console" for kind, _, _ in _steps()) >= 10


@pytest.mark.slow
def test_the_page_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for kind, code, expected in _steps():
        if kind == "python":
            exec(compile(code, str(PAGE), "exec"), {})
            continue
        argv = shlex.split(code)
        assert argv[0] == "bilinear", code
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            returncode = main(argv[1:])
        got = out.getvalue() + err.getvalue()
        bad = "NOT A REPRESENTATION" in expected.splitlines()[0] if expected else False
        assert returncode == (1 if bad else 0), f"{code}: exit {returncode}:\n{got}"
        assert matches(expected, got), f"{code}:\n--- the page shows ---\n{expected}\n--- it prints ---\n{got}"


if __name__ == "__main__":                    # pragma: no cover
    pytest.main([__file__])
