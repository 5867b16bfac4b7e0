"""The theorem framework: statuses, loud failures, frozen results, the registry; every registered
theorem is run once here."""

import dataclasses
import json

import pytest

from theory.errors import InputError, MathematicalError
from theory.theorems import (CHECKED, FAILED, PROVED, CheckKind, Theorem, TheoremFailure, all_theorems,
                             get_theorem, registry, select)


def _theorem(checker, kind=CheckKind.SYMBOLIC, name="demo.t"):
    return Theorem(name=name, title="t", statement="s", latex="s", assumptions=("a",), proof="p",
                   kind=kind, checker=checker)


def test_passing_status_depends_on_kind():
    assert _theorem(lambda: {}).check().status == PROVED
    assert _theorem(lambda: {}, CheckKind.EXHAUSTIVE).check().status == PROVED
    assert _theorem(lambda: {}, CheckKind.CERTIFICATE).check().status == PROVED
    assert _theorem(lambda: {}, CheckKind.MONTE_CARLO).check().status == CHECKED


def test_failure_is_loud_and_reported():
    def bad():
        raise MathematicalError("2 != 3")
    t = _theorem(bad)
    with pytest.raises(TheoremFailure) as e:
        t.check()
    assert e.value.result.status == FAILED and "2 != 3" in str(e.value)
    assert isinstance(e.value, MathematicalError)
    r = t.attempt()
    assert r.status == FAILED and not r.ok and r.message == "2 != 3"


def test_bugs_are_not_swallowed():
    def buggy():
        raise ZeroDivisionError("bug")
    with pytest.raises(ZeroDivisionError):
        _theorem(buggy).attempt()
    with pytest.raises(TypeError):
        _theorem(lambda: None).attempt()


def test_result_is_frozen_and_json_able():
    r = _theorem(lambda: {"a": [1, {"b": 2}]}).check()
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.status = FAILED
    with pytest.raises(TypeError):
        r.details["a"] = 3
    assert json.loads(json.dumps(r.to_dict()))["details"] == {"a": [1, {"b": 2}]}


@pytest.mark.parametrize("field, value", [("name", "Bad Name"), ("kind", "symbolic identity"),
                                          ("assumptions", ["a list"]), ("statement", " ")])
def test_theorem_validation(field, value):
    kwargs = dict(name="x.y", title="t", statement="s", latex="s", assumptions=("a",), proof="p",
                  kind=CheckKind.SYMBOLIC, checker=dict)
    kwargs[field] = value
    with pytest.raises(InputError):
        Theorem(**kwargs)


def test_registry_names_unique_and_selection():
    names = [t.name for t in all_theorems()]
    assert len(names) == len(set(names)) >= 17
    assert {t.name for t in select("containment")} == {n for n in names if n.startswith("containment.")}
    assert [t.name for t in select("*mod3")] == ["exponential_sum.rdiag_mod3"]
    assert get_theorem("affine.as_bilinear").kind is CheckKind.SYMBOLIC
    with pytest.raises(InputError):
        select("no_such_theorem")
    with pytest.raises(InputError):
        get_theorem("containment")


def test_required_families_present_in_order():
    fams = [n.split(".")[0] for n in (t.name for t in all_theorems())]
    order = list(dict.fromkeys(fams))
    assert order == ["containment", "commutation", "finite_order", "scale_invariance", "affine",
                     "exponential_sum", "frozen_parity"]
    assert set(registry.FAMILIES) >= {"containments", "commutation", "exponential_sum", "frozen_parity"}


def test_adding_a_family_is_one_module_and_one_line(monkeypatch):
    import sys
    import types
    mod = types.ModuleType("theory.theorems.fake_family")
    mod.THEOREMS = (_theorem(lambda: {"ok": 1}, name="fake.one"),)
    monkeypatch.setitem(sys.modules, "theory.theorems.fake_family", mod)
    monkeypatch.setattr(registry, "FAMILIES", registry.FAMILIES + ("fake_family",))
    registry.all_theorems.cache_clear()
    try:
        assert registry.all_theorems()[-1].name == "fake.one"
        assert registry.get_theorem("fake.one").check().details["ok"] == 1
    finally:
        monkeypatch.undo()
        registry.all_theorems.cache_clear()
    assert "fake.one" not in [t.name for t in registry.all_theorems()]


def test_every_theorem_documents_itself():
    for t in all_theorems():
        d = t.describe()
        assert d["statement"] and d["latex"] and d["assumptions"] and len(d["proof"]) > 40, t.name


@pytest.mark.parametrize("name", [t.name for t in all_theorems()])
def test_every_registered_theorem_passes(name):
    t = get_theorem(name)
    r = t.check()
    assert r.status == (CHECKED if t.kind is CheckKind.MONTE_CARLO else PROVED)
    assert r.details and r.seconds >= 0
