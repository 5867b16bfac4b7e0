"""Every docstring example of every module of the installed package runs (documentation is executed).

The modules are imported by their names in the one ``bilinear`` namespace, so the examples run
against the same objects a user imports.
"""

import doctest
import importlib
import pkgutil

import pytest


LAYERS = ("bilinear", "bilinear.theory", "bilinear.constructions", "bilinear.verify", "bilinear.paper_figs")


def module_names() -> list[str]:
    names = {"bilinear"}
    for layer in LAYERS:
        package = importlib.import_module(layer)
        names.add(layer)
        for info in pkgutil.walk_packages(package.__path__, prefix=layer + "."):
            names.add(info.name)
    return sorted(names)


MODULES = module_names()


def test_every_layer_is_walked():
    assert {"bilinear.cli.analyze", "bilinear.theory.groups.group", "bilinear.verify.kernels.fused",
            "bilinear.paper_figs.registry", "bilinear.constructions.build"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = finder.find(module, name, globs=vars(module).copy())
    failures = []
    for test in sorted(tests, key=lambda t: t.name):
        out: list[str] = []
        result = runner.run(test, out=out.append)
        if result.failed:
            failures.append("".join(out))
    assert not failures, "\n".join(failures)
