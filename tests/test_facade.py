"""The façade's documented examples run (doctest), and every exported name exists."""

import doctest

import bilinear


def test_facade_doctest():
    result = doctest.testmod(bilinear)
    assert result.attempted >= 4 and result.failed == 0


def test_exports_exist():
    missing = [name for name in bilinear.__all__ if not hasattr(bilinear, name)]
    assert missing == []


def test_unknown_name_raises_attribute_error():
    import pytest
    import bilinear.theory as theory
    for module in (bilinear, theory):
        with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
            module.nonexistent


def test_command_and_automaton_certificate_do_not_import_sympy_or_torch():
    """The lazy imports that keep ``bilinear --help`` and certifying an automaton file fast."""
    import subprocess
    import sys
    code = ("import sys, bilinear, bilinear.cli, bilinear.constructions.certificate, bilinear.theory.automata.automaton\n"
            "from bilinear.theory import Automaton, InputError\n"
            "print(sorted(m for m in ('sympy', 'torch', 'networkx', 'galois') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "[]"


def test_analyze_json_of_structured_groups_does_not_import_sympy():
    """Abelian and dihedral groups are analysed from their structure (integer arithmetic only):
    ``analyze --json`` for them must not pay for importing sympy (orders above the house/mono
    limit, 120, whose subgroup search is another matter)."""
    import subprocess
    import sys
    code = ("import contextlib, io, sys, bilinear\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    codes = [bilinear.main(['analyze', g, '--json']) for g in ('Z130', 'Z2^7', 'Z2xZ4xZ20', 'D61', 'D64')]\n"
            "print(codes, 'sympy' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "[0, 0, 0, 0, 0] False"


def test_lazy_module_loads_on_first_attribute():
    import sys
    from bilinear.theory.lazy import LazyModule
    lazy = LazyModule("fractions")
    assert lazy.Fraction(1, 2) == sys.modules["fractions"].Fraction(1, 2)
    assert "loaded" in repr(lazy)
