"""Conventions of the test suite itself, read from the test files' syntax trees.

Every ``pytest.raises`` names the message it expects (``match=``, part of the text the code raises):
an exception type alone also passes when the code fails for another reason than the one the test
is about (a different check, a typo, an unrelated ``InputError``).  The callable form
``pytest.raises(E, f, *args)`` cannot take ``match`` and is refused with the rest.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.paths import ROOT

TESTS = ROOT / "tests"


def _pytest_raises_names(tree: ast.Module) -> set[str]:
    """The bare names bound to ``pytest.raises`` by ``from pytest import raises [as name]``."""
    return {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
            and node.module == "pytest" for alias in node.names if alias.name == "raises"}


def _is_pytest_raises(func: ast.expr, bare: set[str]) -> bool:
    if isinstance(func, ast.Attribute):
        return func.attr == "raises" and isinstance(func.value, ast.Name) and func.value.id == "pytest"
    return isinstance(func, ast.Name) and func.id in bare


def raises_without_match(source: str, filename: str = "<test>") -> list[str]:
    """``file:line`` of every ``pytest.raises(...)`` call in ``source`` without a ``match`` keyword
    (or with ``match=None``), in line order."""
    tree = ast.parse(source, filename)
    bare = _pytest_raises_names(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _is_pytest_raises(node.func, bare):
            match = next((k.value for k in node.keywords if k.arg == "match"), None)
            if match is None or (isinstance(match, ast.Constant) and match.value is None):
                found.append(f"{filename}:{node.lineno}")
    return sorted(found, key=lambda where: int(where.rsplit(":", 1)[1]))


def raises_with_match(source: str) -> int:
    """How many ``pytest.raises`` calls of ``source`` pass ``match``."""
    tree = ast.parse(source)
    bare = _pytest_raises_names(tree)
    return sum(1 for node in ast.walk(tree) if isinstance(node, ast.Call) and _is_pytest_raises(node.func, bare)
               and any(k.arg == "match" for k in node.keywords))


def _test_sources() -> list[Path]:
    return sorted(TESTS.rglob("*.py"))


def test_every_pytest_raises_names_its_message():
    missing = [where for path in _test_sources()
               for where in raises_without_match(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))]
    assert missing == [], "pytest.raises without match= (name the message the code raises):\n" + "\n".join(missing)


def test_the_sources_are_the_test_suite():
    """The walk sees the whole suite (a wrong root would make the check above pass vacuously)."""
    names = {path.relative_to(ROOT).as_posix() for path in _test_sources()}
    assert {"tests/test_doctests.py", "tests/test_test_conventions.py", "tests/cli/test_contract.py",
            "tests/theory/groups/test_group.py", "tests/constructions/test_builders.py"} <= names
    assert sum(raises_with_match(path.read_text(encoding="utf-8")) for path in _test_sources()) > 100


SYNTHETIC = '''
import pytest
from pytest import raises
from pytest import raises as expect_error

def test_bare():
    with pytest.raises(ValueError):                       # line 7: no match
        int("x")

def test_multi_line():
    with pytest.raises(                                   # line 11: no match, over several lines
        ValueError,
    ):
        int("x")

def test_callable_form():
    pytest.raises(ValueError, int, "x")                   # line 17: the callable form takes no match

def test_imported_names():
    with raises(KeyError):                                # line 20
        {}["k"]
    with expect_error(KeyError):                          # line 22
        {}["k"]

def test_explicit_none():
    with pytest.raises(ValueError, match=None):           # line 26
        int("x")

def test_named():
    with pytest.raises(ValueError, match="invalid literal"):
        int("x")
    with pytest.raises(ValueError, match=MESSAGE) as info:
        int("x")
    with raises(
        KeyError,
        match="k",
    ):
        {}["k"]

def test_not_pytest():
    other.raises(ValueError)                              # someone else's raises: not checked
'''


def test_the_check_finds_each_form_of_a_missing_match():
    assert raises_without_match(SYNTHETIC, "synthetic.py") == [
        "synthetic.py:7", "synthetic.py:11", "synthetic.py:17", "synthetic.py:20", "synthetic.py:22",
        "synthetic.py:26"]


def test_the_check_accepts_named_messages():
    named = SYNTHETIC[SYNTHETIC.index("def test_named"):]
    assert raises_without_match("import pytest\nfrom pytest import raises\n" + named) == []
    assert raises_with_match("import pytest\nfrom pytest import raises\n" + named) == 3
