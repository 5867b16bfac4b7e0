"""The theorem framework: statuses (proved only for the whole statement), loud failures, frozen
results, the one registry; every registered theorem is run once here."""

import dataclasses
import importlib
import json
import pkgutil

import pytest

import bilinear.constructions.theorems as construction_theorems
import bilinear.theory.theorems as theory_theorems
from bilinear.constructions.theorems import registry
from bilinear.constructions.theorems.registry import all_theorems, get_theorem, run_all, select
from bilinear.theory.errors import InputError, MathematicalError
from bilinear.theory.theorems import (CHECKED, ESTIMATED, FAILED, PROVED, CheckKind, Theorem, TheoremFailure,
                                      TheoremResult)


def _theorem(checker, kind=CheckKind.SYMBOLIC, name="demo.t", checked_range=None):
    return Theorem(name=name, title="t", statement="s", latex="s", assumptions=("a",), proof="p",
                   kind=kind, checker=checker, checked_range=checked_range)


def test_passing_status_depends_on_kind_and_range():
    assert _theorem(lambda: {}).check().status == PROVED
    assert _theorem(lambda: {}, CheckKind.WITNESS).check().status == PROVED
    assert _theorem(lambda: {}, CheckKind.EXHAUSTIVE, checked_range="m <= 3").check().status == CHECKED
    r = _theorem(lambda: {"n": 1}, CheckKind.CERTIFICATE, checked_range="10 seeded models").check()
    assert r.status == CHECKED and r.details == {"n": 1, "checked_range": "10 seeded models"}
    assert _theorem(lambda: {}, CheckKind.MONTE_CARLO, checked_range="100 samples").check().status == ESTIMATED


@pytest.mark.parametrize("kind", [CheckKind.CERTIFICATE, CheckKind.MONTE_CARLO])
def test_checks_on_instances_must_state_their_range(kind):
    with pytest.raises(InputError, match="checked_range"):
        _theorem(lambda: {}, kind)
    with pytest.raises(InputError, match="checked_range"):
        _theorem(lambda: {}, kind, checked_range=" ")


def test_failure_is_loud_and_reported():
    def bad():
        raise MathematicalError("2 != 3")
    t = _theorem(bad)
    with pytest.raises(TheoremFailure, match=r"^theorem demo\.t failed: 2 != 3$") as e:
        t.check()
    assert e.value.result.status == FAILED and "2 != 3" in str(e.value)
    assert isinstance(e.value, MathematicalError)
    r = t.attempt()
    assert r.status == FAILED and not r.ok and r.message == "2 != 3"


def test_bugs_are_not_swallowed():
    def buggy():
        raise ZeroDivisionError("bug")
    with pytest.raises(ZeroDivisionError, match="^bug$"):
        _theorem(buggy).attempt()
    with pytest.raises(TypeError, match=r"^checker of demo\.t returned NoneType, expected a dict$"):
        _theorem(lambda: None).attempt()


def test_result_is_frozen_and_json_able():
    r = _theorem(lambda: {"a": [1, {"b": 2}]}).check()
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'status'"):
        r.status = FAILED
    with pytest.raises(TypeError, match="does not support item assignment"):
        r.details["a"] = 3
    assert json.loads(json.dumps(r.to_dict()))["details"] == {"a": [1, {"b": 2}]}


@pytest.mark.parametrize("field, value, message", [
    ("name", "Bad Name", "^theorem name must be dotted lower-case words, got 'Bad Name'$"),
    ("kind", "symbolic identity", "^theorem x.y: kind must be a CheckKind, got 'symbolic identity'$"),
    ("assumptions", ["a list"], "^theorem x.y: assumptions must be a tuple of strings$"),
    ("statement", " ", "^theorem x.y: statement must be a non-empty string$")])
def test_theorem_validation(field, value, message):
    kwargs = dict(name="x.y", title="t", statement="s", latex="s", assumptions=("a",), proof="p",
                  kind=CheckKind.SYMBOLIC, checker=dict)
    kwargs[field] = value
    with pytest.raises(InputError, match=message):
        Theorem(**kwargs)


def test_registry_names_unique_and_selection():
    names = [t.name for t in all_theorems()]
    assert len(names) == len(set(names)) >= 17
    assert {t.name for t in select("containment")} == {n for n in names if n.startswith("containment.")}
    assert [t.name for t in select("*mod3")] == ["exponential_sum.rdiag_mod3"]
    assert get_theorem("affine.as_bilinear").kind is CheckKind.SYMBOLIC
    assert get_theorem("affine.not_scale_invariant").kind is CheckKind.WITNESS
    with pytest.raises(InputError, match="^no theorem matches 'no_such_theorem'; `bilinear prove --list`"):
        select("no_such_theorem")
    with pytest.raises(InputError, match="^unknown theorem 'containment'; `bilinear prove --list`"):
        get_theorem("containment")


def test_required_families_present_in_order():
    fams = [n.split(".")[0] for n in (t.name for t in all_theorems())]
    order = list(dict.fromkeys(fams))
    assert order == ["fsm_simulation", "containment", "commutation", "finite_order", "block_classification",
                     "scale_invariance", "affine", "exponential_sum", "frozen_parity", "house", "mono", "modern", "depth"]


def _modules_defining_theorems():
    found = set()
    for pkg in (theory_theorems, construction_theorems):
        for info in pkgutil.iter_modules(pkg.__path__, pkg.__name__ + "."):
            if hasattr(importlib.import_module(info.name), "THEOREMS"):
                found.add(info.name)
    return found


def test_every_theorem_module_is_registered_once():
    """The one registry: every module of theory/theorems and constructions/theorems defining THEOREMS
    is in FAMILIES (and nothing else is)."""
    assert len(registry.FAMILIES) == len(set(registry.FAMILIES))
    assert set(registry.FAMILIES) == _modules_defining_theorems()
    assert len(_modules_defining_theorems()) >= 9


def test_run_all_and_prove_see_the_same_list(monkeypatch, capsys):
    from bilinear.cli import main
    monkeypatch.setattr(Theorem, "attempt", lambda self: TheoremResult(self.name, self.kind, PROVED, 0.0))
    ran = [r.name for r in run_all()]
    assert main(["prove", "--list", "--json"]) == 0
    listed = [d["name"] for d in json.loads(capsys.readouterr().out)]
    assert ran == listed == [t.name for t in select()]
    assert "fsm_simulation.one_hot" in ran and "block_classification.min_block_real" in ran


def test_adding_a_family_is_one_module_and_one_line(monkeypatch):
    import types
    mod = types.ModuleType("bilinear.theory.theorems.fake_family")
    mod.THEOREMS = (_theorem(lambda: {"ok": 1}, name="fake.one"),)
    monkeypatch.setattr(registry, "FAMILY_MODULES", registry.FAMILY_MODULES + (mod,))
    assert registry.all_theorems()[-1].name == "fake.one"
    assert registry.get_theorem("fake.one").check().details["ok"] == 1
    assert [r.name for r in run_all(select("fake"))] == ["fake.one"]
    monkeypatch.undo()
    assert "fake.one" not in [t.name for t in registry.all_theorems()]


#: Keys of a check's details that show it ran on a finite range (sizes, samples, lists of cases).
_BOUNDED_EVIDENCE = {"cases", "sizes", "max_H", "max_D", "hidden_sizes", "max_order", "max_steps", "seed",
                     "samples", "groups", "machines", "instances", "per_H"}


def _keys(obj):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from _keys(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _keys(v)


#: The audit (docs/design.md §5): the only statements whose check establishes them as stated.
PROVED_BY_THE_CHECK = ({"affine.not_scale_invariant", "modern.strict_containments", "affine.as_bilinear"}
                       | {f"containment.{k}" for k in ("pdiag_in_rdiag", "rdiag_in_block", "rdiag_in_cdiag", "rot_in_cdiag",
                                                       "cdiag_in_block2", "block_in_block", "block_in_full", "block_in_cp",
                                                       "full_in_cp", "rdiag_eq_cp_identity", "house_in_full",
                                                       "house_in_house", "mono_in_full", "rdiag_in_mono")})


def test_status_is_honest_over_the_registry():
    """Nothing bounded is reported as proved: a theorem is 'proved' only without a checked range,
    never by a certificate or Monte-Carlo check, and exactly the audited ones are."""
    for t in all_theorems():
        if t.passing_status == PROVED:
            assert t.checked_range is None and not t.kind.runs_on_instances, t.name
        else:
            assert t.checked_range, t.name
        assert (t.passing_status == ESTIMATED) == (t.kind is CheckKind.MONTE_CARLO), t.name
    assert {t.name for t in all_theorems() if t.passing_status == PROVED} == PROVED_BY_THE_CHECK


def test_every_theorem_documents_itself():
    for t in all_theorems():
        d = t.describe()
        assert d["statement"] and d["latex"] and d["assumptions"] and len(d["proof"]) > 40, t.name


@pytest.mark.parametrize("name", [t.name for t in all_theorems()])
def test_every_registered_theorem_passes(name):
    t = get_theorem(name)
    r = t.check()
    assert r.status == t.passing_status and r.details and r.seconds >= 0
    details = r.to_dict()["details"]
    if r.status == PROVED:       # a check whose details show a finite range of cases did not prove it all
        assert not _BOUNDED_EVIDENCE & set(_keys(details)), (name, _BOUNDED_EVIDENCE & set(_keys(details)))
    else:                        # and the detector sees the range of every checked theorem
        assert details["checked_range"] == t.checked_range and _BOUNDED_EVIDENCE & set(_keys(details)), name
