"""The layout is the architecture (docs/design.md §2), derived from the files on disk.

* every package folder is listed in ``pyproject.toml`` and mapped into the one ``bilinear`` namespace;
* every import inside the package (module level and function-local; ``if TYPE_CHECKING:`` blocks,
  which never run, excluded) names a ``bilinear.*`` module or a relative one — never a generic
  top-level name;
* the import graph has no circle, and no module imports against the layer order
  theory ← constructions ← verify ← paper_figs ← cli ← the façade;
* torch stays out of theory/ and constructions/, matplotlib out of everything but paper_figs/.

A string constant that is exactly the dotted name of one of the package's modules (an
``importlib.import_module`` target) counts as an import, so a registry cannot hide an edge.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import networkx as nx
import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:   # pragma: no cover
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PACKAGE_DIR: dict[str, str] = PYPROJECT["tool"]["setuptools"]["package-dir"]
LAYERS = ("bilinear.theory", "bilinear.constructions", "bilinear.verify", "bilinear.paper_figs",
          "bilinear.cli", "bilinear")
FORBIDDEN_THIRD_PARTY = {
    "bilinear.theory": ("torch", "matplotlib"),
    "bilinear.constructions": ("torch", "matplotlib"),
    "bilinear.verify": ("matplotlib",),
    "bilinear.cli": ("matplotlib",),
    "bilinear": ("matplotlib", "torch"),
}
GENERIC = ("theory", "constructions", "verify", "paper_figs", "bilinear_cli")


def modules_on_disk() -> dict[str, Path]:
    """Dotted module name -> file, by the package-dir map (the same one pip installs by)."""
    out: dict[str, Path] = {}
    for namespace, folder in PACKAGE_DIR.items():
        base = ROOT / folder
        for path in base.rglob("*.py"):
            rel = path.relative_to(base).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            # a file belongs to the longest namespace whose folder holds it
            name = ".".join([namespace, *parts])
            owner = max((ns for ns, f in PACKAGE_DIR.items() if (ROOT / f) in path.parents),
                        key=lambda ns: len(PACKAGE_DIR[ns].split("/")))
            if owner == namespace:
                out[name] = path
    return out


MODULES = modules_on_disk()


def layer_of(module: str) -> str:
    return max((layer for layer in LAYERS if module == layer or module.startswith(layer + ".")), key=len)


def _type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _runtime_nodes(tree: ast.AST):
    """Every node except those inside ``if TYPE_CHECKING:`` blocks."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not _type_checking_block(child):
                stack.append(child)


def imports_of(module: str, path: Path) -> tuple[set[str], set[str]]:
    """(package modules, other top-level names) that ``module`` imports at run time."""
    tree = ast.parse(path.read_text(), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    internal: set[str] = set()
    external: set[str] = set()

    def target(name: str) -> None:
        if name.split(".")[0] != "bilinear":
            external.add(name.split(".")[0])
            return
        while name and name not in MODULES:
            name = name.rpartition(".")[0]
        if name:
            internal.add(name)

    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                full = f"{source}.{alias.name}"
                target(full if full in MODULES else source)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "." in node.value and node.value in MODULES:
            internal.add(node.value)
    internal.discard(module)
    return internal, external


GRAPH = nx.DiGraph()
EXTERNAL: dict[str, set[str]] = {}
for _name, _path in MODULES.items():
    _internal, EXTERNAL[_name] = imports_of(_name, _path)
    GRAPH.add_node(_name)
    GRAPH.add_edges_from((_name, other) for other in _internal)


def test_every_package_is_listed_for_install():
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    on_disk = {name for name, path in MODULES.items() if path.name == "__init__.py"}
    assert listed == on_disk


def test_nothing_generic_is_imported():
    generic = {m: sorted(EXTERNAL[m] & set(GENERIC)) for m in MODULES if EXTERNAL[m] & set(GENERIC)}
    assert not generic, f"imports of generic top-level names (use bilinear.*): {generic}"


def test_no_import_circles():
    circles = [sorted(c) for c in nx.strongly_connected_components(GRAPH) if len(c) > 1]
    assert not circles, f"import circles: {circles}"


def test_imports_follow_the_layers():
    order = {layer: i for i, layer in enumerate(LAYERS)}
    against = sorted((a, b) for a, b in GRAPH.edges if order[layer_of(b)] > order[layer_of(a)])
    assert not against, f"imports against the layer order {' <- '.join(LAYERS)}: {against}"


def test_heavy_libraries_stay_in_their_layers():
    bad = sorted((m, lib) for m in MODULES for lib in FORBIDDEN_THIRD_PARTY.get(layer_of(m), ())
                 if lib in EXTERNAL[m])
    assert not bad, f"forbidden imports by layer: {bad}"


def test_the_checks_can_fail(tmp_path):
    """The graph machinery sees a circle, a layer violation and a function-local import when they
    are there (a synthetic module set, so the real tree is not touched)."""
    g = nx.DiGraph([("bilinear.theory.a", "bilinear.theory.b"), ("bilinear.theory.b", "bilinear.theory.a")])
    assert [c for c in nx.strongly_connected_components(g) if len(c) > 1]
    assert layer_of("bilinear.verify.kernels.fused") == "bilinear.verify"
    assert layer_of("bilinear.cli.train") == "bilinear.cli"
    tree_src = "def f():\n    from bilinear.verify.kernels import fused\n"
    path = tmp_path / "synthetic.py"
    path.write_text(tree_src + "if TYPE_CHECKING:\n    from bilinear.cli import main\n")
    internal, _ = imports_of("bilinear.theory.synthetic", path)
    assert "bilinear.verify.kernels.fused" in internal and "bilinear.cli" not in internal


def test_one_package_is_installed():
    """Every package the distribution installs lies in the one ``bilinear`` namespace."""
    packages = PYPROJECT["tool"]["setuptools"]["packages"]
    assert packages and all(p == "bilinear" or p.startswith("bilinear.") for p in packages)
    assert all(ns == "bilinear" or ns.startswith("bilinear.") for ns in PACKAGE_DIR)


@pytest.mark.slow
def test_the_wheel_holds_one_top_level_package(tmp_path):
    """Built as pip builds it, the wheel puts one folder, ``bilinear``, at the top of site-packages
    (with the C source and the figure data inside it)."""
    import subprocess
    import zipfile
    run = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                          str(ROOT), "-w", str(tmp_path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    wheel, = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")} == {"bilinear"}
    assert {"bilinear/py.typed", "bilinear/verify/kernels/recurrence.c",
            "bilinear/paper_figs/data/small_groups.json"} <= set(names)
