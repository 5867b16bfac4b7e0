"""Fuzzing every reader of user input (docs/design.md §11): group specs, cycle strings, Cayley tables,
automaton documents and mutated weight files, through the parsers and the CLI.

Properties: nothing raises anything but :class:`InputError` (a refusal is one line, naming the
argument or file); nothing takes longer than a few seconds (sizes are bounded, each example runs
under an alarm); a refused CLI call exits 2 with one line on stderr and leaves no output file.
Where an independent reading exists (a regular-expression reader of cycle notation, brute-force
group axioms, the documents' own construction) the result must agree with it.

Hypothesis is derandomized with no example database, so every run (and CI) tries the same inputs.
The default run is bounded to well under a minute; the same properties with ten times as many
examples run under ``-m slow``.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bilinear
from bilinear.constructions.weightfile import WeightFile, load_weights
from bilinear.theory.automata.automaton import Automaton
from bilinear.theory.errors import InputError, OrderLimitError
from bilinear.theory.groups.group import FiniteGroup
from bilinear.theory.groups.parser import parse_group
from bilinear.theory.groups.named import group_from_cayley_table
from bilinear.theory.groups.perms import format_cycles, parse_generators

BASE = settings(derandomize=True, database=None, deadline=None, print_blob=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SECONDS = 10            # one example taking longer than this is a hang


@contextlib.contextmanager
def time_limit(seconds: int = SECONDS):
    def alarm(signum, frame):
        raise TimeoutError(f"an example ran for more than {seconds} s")
    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def assert_one_line(e: InputError, start: str = "") -> None:
    text = str(e)
    assert text and "\n" not in text and text.startswith(start), text
    assert "allow_pickle" not in text and "Traceback" not in text


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), time_limit():
        code = bilinear.main(argv)
    return code, out.getvalue(), err.getvalue()


def both(strategy, check, fast: int, slow: int):
    """The property ``check`` over ``strategy``: ``fast`` examples in the default run, ``slow`` under -m slow."""
    default = settings(BASE, max_examples=fast)(given(strategy)(check))
    longer = pytest.mark.slow(settings(BASE, max_examples=slow)(given(strategy)(check)))
    return default, longer


# ------------------------------------------------------------------------------------ group specs
_TOKENS = ["Z", "C", "D", "A", "S", "Q8", "GL(", "SL(", "AGL(", "1", "2", "3", "4", "0", "12", "x", "^", "(", ")",
           ",", ", ", ";", " ", "perm:", "\t", "\n", "-", "é", "ℤ", "99999999999999999999"]
_ATOMS = ["Z1", "Z2", "Z3", "Z6", "C4", "D3", "D4", "Q8", "A4", "S3", "S4", "GL(2,2)", "SL(2, 3)", "AGL(1,5)", "1"]


@st.composite
def valid_specs(draw):
    """Specs the grammar accepts (with spaces where it allows them): products of small atoms."""
    factors = []
    for _ in range(draw(st.integers(1, 3))):
        atom = draw(st.sampled_from(_ATOMS))
        if draw(st.booleans()):
            atom += draw(st.sampled_from(["^1", "^2", " ^ 2"]))
        factors.append(atom)
    sep = draw(st.sampled_from(["x", " x ", "x "]))
    return draw(st.sampled_from(["", " "])) + sep.join(factors) + draw(st.sampled_from(["", " "]))


group_specs = st.one_of(
    valid_specs(),
    st.lists(st.sampled_from(_TOKENS), max_size=10).map("".join),
    st.text(alphabet="ZCDASQGLx^(),;: 0123456789perm", max_size=24),
    st.text(max_size=16),
)


def _check_group_spec(spec: str) -> None:
    with time_limit():
        try:
            G = parse_group(spec, max_order=500)
        except InputError as e:
            assert_one_line(e)
            return
    assert isinstance(G, FiniteGroup) and 1 <= G.order <= 500
    assert parse_group(G.name, max_order=500).order == G.order          # the name reads back


def _check_valid_spec(spec: str) -> None:
    """Every spec of the grammar is read (none here exceeds the order limit) with the product's order."""
    orders = {"Z1": 1, "Z2": 2, "Z3": 3, "Z6": 6, "C4": 4, "D3": 6, "D4": 8, "Q8": 8, "A4": 12, "S3": 6, "S4": 24,
              "GL(2,2)": 6, "SL(2,3)": 24, "AGL(1,5)": 20, "1": 1}
    expected = 1
    for factor in "".join(spec.split()).split("x"):
        base, _, k = factor.partition("^")
        expected *= orders[base] ** int(k or 1)
    with time_limit():
        try:
            G = parse_group(spec, max_order=2000)
        except OrderLimitError as e:
            assert expected > 2000 and f"order {expected}, above the limit 2000" in str(e)
            return
    assert G.order == expected


test_group_specs, test_group_specs_long = both(group_specs, _check_group_spec, 100, 1000)
test_valid_specs, test_valid_specs_long = both(valid_specs(), _check_valid_spec, 40, 400)


# ------------------------------------------------------------------------------------ cycle strings
_REF_PERM = re.compile(r"\(\)|(?:\([1-9][0-9]{0,17}(?:,[ \t]*[1-9][0-9]{0,17})+\))+")


def reference_reading(text: str):
    """An independent reader of generator lists (regular expressions): the image arrays, or None
    for a text GAP would not print."""
    if not text.strip(" \t"):
        return []
    maps = []
    for piece in text.split(";"):
        piece = piece.strip(" \t")
        if not _REF_PERM.fullmatch(piece):
            return None
        images: dict[int, int] = {}
        for body in re.findall(r"\(([^()]*)\)", piece):
            points = [int(p) - 1 for p in body.split(",")] if body else []
            for a, b in zip(points, points[1:] + points[:1]):
                if a in images:
                    return None
                images[a] = b
            if len(set(points)) != len(points):
                return None
        maps.append(images)
    degree = max([max(m, default=-1) + 1 for m in maps] + [1])
    out = []
    for m in maps:
        img = list(range(degree))
        for a, b in m.items():
            img[a] = b
        out.append(img)
    return out


@st.composite
def cycle_strings(draw):
    """GAP's printing of 0-3 random permutations (random spaces after commas), then perhaps mutated."""
    degree = draw(st.integers(1, 9))
    perms = draw(st.lists(st.permutations(range(degree)), max_size=3))
    pieces = []
    for p in perms:
        text = format_cycles(p)
        pieces.append(re.sub(",", lambda m: "," + " " * draw(st.integers(0, 1)), text))
    text = draw(st.sampled_from([";", " ; ", ";  "])).join(pieces)
    for _ in range(draw(st.integers(0, 2))):
        pos = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "replace"]))
        ch = draw(st.sampled_from(list(" ,;()0123456789\ta-")))
        if op == "insert":
            text = text[:pos] + ch + text[pos:]
        elif op == "delete":
            text = text[:pos] + text[pos + 1:]
        else:
            text = text[:pos] + ch + text[pos + 1:]
    return text


def _check_cycles(text: str) -> None:
    expected = reference_reading(text)
    with time_limit():
        try:
            got = [g.tolist() for g in parse_generators(text)]
        except InputError as e:
            assert_one_line(e, "generators: at character ")
            assert expected is None, f"{text!r} refused but reads as {expected}"
            return
    assert got == expected, f"{text!r} read as {got}, the reference reads {expected}"
    try:
        G = parse_group("perm:" + text, max_order=2000)
    except OrderLimitError:
        return
    assert G.order >= 1


test_cycle_strings, test_cycle_strings_long = both(cycle_strings(), _check_cycles, 200, 1000)


# ------------------------------------------------------------------------------------ Cayley tables
def _is_group_table(table) -> bool:
    """Brute-force group axioms on a list of lists (entries: non-bool ints 0..n-1)."""
    n = len(table)
    if n == 0 or any(not isinstance(r, list) or len(r) != n for r in table):
        return False
    if any(isinstance(x, bool) or not isinstance(x, int) or not 0 <= x < n for r in table for x in r):
        return False
    ids = [e for e in range(n) if all(table[e][a] == a and table[a][e] == a for a in range(n))]
    if not ids:
        return False
    e = ids[0]
    if any(not any(table[a][b] == e and table[b][a] == e for b in range(n)) for a in range(n)):
        return False
    return all(table[table[a][b]][c] == table[a][table[b][c]] for a, b, c in itertools.product(range(n), repeat=3))


@st.composite
def cayley_tables(draw):
    kind = draw(st.sampled_from(["group", "mutated", "random"]))
    if kind == "random":
        n = draw(st.integers(0, 4))
        entry = st.one_of(st.integers(-1, n), st.none(), st.floats(allow_nan=True), st.text(max_size=2),
                          st.booleans(), st.lists(st.integers(0, 2), max_size=2))
        return draw(st.lists(st.lists(entry, min_size=max(n - 1, 0), max_size=n + 1), min_size=n, max_size=n))
    spec = draw(st.sampled_from(["Z1", "Z2", "Z4", "Z2^2", "S3", "Q8", "D4"]))
    G = parse_group(spec)
    relabel = draw(st.permutations(range(G.order)))
    t = G.table.tolist()
    table = [[0] * G.order for _ in range(G.order)]
    for a in range(G.order):
        for b in range(G.order):
            table[relabel[a]][relabel[b]] = relabel[t[a][b]]
    if kind == "mutated":
        a, b = draw(st.integers(0, G.order - 1)), draw(st.integers(0, G.order - 1))
        table[a][b] = draw(st.one_of(st.integers(-1, G.order), st.sampled_from([None, 1.0, "0", True])))
    return table


def _check_cayley(table) -> None:
    valid = _is_group_table(table)
    with time_limit():
        try:
            G = group_from_cayley_table(table)
        except InputError as e:
            assert_one_line(e)
            assert not valid, f"a group table was refused: {e}"
            return
    assert valid and G.order == len(table)


test_cayley_tables, test_cayley_tables_long = both(cayley_tables(), _check_cayley, 150, 1000)


# ------------------------------------------------------------------------------------ automata
json_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-3, 5), st.floats(allow_nan=False),
                                     st.text(max_size=3)),
                           lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                   st.dictionaries(st.text(max_size=3), inner, max_size=3)),
                           max_leaves=8)


@st.composite
def automaton_documents(draw):
    """(bytes, expected automaton dict or None): a valid document, perhaps mutated."""
    n, k = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    states, symbols = [f"q{i}" for i in range(n)], [str(a) for a in range(k)]
    doc = {"alphabet": symbols, "states": states, "start": draw(st.sampled_from(states)),
           "delta": {q: {a: draw(st.sampled_from(states)) for a in symbols} for q in states},
           "output": {q: draw(st.sampled_from(["0", "1", "y"])) for q in states}}
    mutation = draw(st.sampled_from(["none", "drop", "replace", "add", "hole", "bytes", "encoding"]))
    valid = mutation == "none"
    if mutation == "drop":
        doc.pop(draw(st.sampled_from(sorted(doc))))
    elif mutation == "replace":
        doc[draw(st.sampled_from(sorted(doc)))] = draw(json_values)
    elif mutation == "add":
        doc[draw(st.text(max_size=4))] = draw(json_values)
    elif mutation == "hole":
        q = draw(st.sampled_from(states))
        doc["delta"][q].pop(draw(st.sampled_from(symbols)))
    data = json.dumps(doc).encode()
    if mutation == "bytes":
        for _ in range(draw(st.integers(1, 3))):
            pos = draw(st.integers(0, len(data) - 1))
            data = data[:pos] + bytes([draw(st.integers(0, 255))]) + data[pos + 1:]
        valid = None                      # a changed byte may still leave a valid document
    elif mutation == "encoding":
        data = json.dumps(doc).encode(draw(st.sampled_from(["utf-16", "utf-32", "latin-1"]))) + b"\xff"
        valid = False
    return data, (doc if valid else None), valid


def _check_automaton(case) -> None:
    data, doc, valid = case
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "a.json")
        with open(path, "wb") as f:
            f.write(data)
        with time_limit():
            try:
                A = Automaton.from_json(path)
            except InputError as e:
                assert_one_line(e, f"automaton file {path}: ")
                assert valid is not True, f"a valid automaton was refused: {e}"
                return
        assert valid is not False, "a malformed automaton was read"
        if doc is not None:
            word = [0] * 3 + list(range(len(doc["alphabet"])))
            q = doc["start"]
            for a in word:
                q = doc["delta"][q][doc["alphabet"][a]]
            assert A.output_of_word(word) == doc["output"][q]


test_automaton_documents, test_automaton_documents_long = both(automaton_documents(), _check_automaton, 120, 1200)


def _check_task_file(case) -> None:
    """``bilinear task automaton --file`` and ``construct --automaton`` on the same documents: exit 2 with
    one line and no output file when refused."""
    data, _, valid = case
    with tempfile.TemporaryDirectory() as folder:
        path, out = os.path.join(folder, "a.json"), os.path.join(folder, "out.jsonl")
        with open(path, "wb") as f:
            f.write(data)
        code, stdout, err = run_cli(["task", "automaton", "--file", path, "--n", "2", "--length", "3",
                                     "--seed", "0", "--out", out])
        if code == 2:
            assert err.count("\n") == 1 and path in err and valid is not True, err
            assert sorted(os.listdir(folder)) == ["a.json"]
        else:
            assert code == 0 and valid is not False and os.path.exists(out)


test_task_files, test_task_files_long = both(automaton_documents(), _check_task_file, 25, 250)


# ------------------------------------------------------------------------------------ weight files
_BASES: dict[str, bytes] = {}


def base_file(kind: str) -> bytes:
    """Bytes of a real weight file: Z3 (integer), S3 at level full (algebraic field), an automaton."""
    if kind not in _BASES:
        with tempfile.TemporaryDirectory() as folder:
            out = os.path.join(folder, "w.npz")
            argv = {"Z3": ["construct", "Z3", "--level", "full", "--method", "permutation"], "S3": ["construct", "S3", "--level", "full"],
                    "Z4rot": ["construct", "Z4", "--level", "rot"]}[kind]
            code, _, err = run_cli(argv + ["--out", out])
            assert code == 0, err
            with open(out, "rb") as f:
                _BASES[kind] = f.read()
    return _BASES[kind]


def _members(data: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(data)) as z:
        return {k: z[k] for k in z.files}


_REPLACEMENTS = {
    "object": lambda a: np.array([object()] * max(a.size, 1), dtype=object),
    "float32": lambda a: a.astype(np.float32) if a.dtype.kind == "f" else np.zeros(a.shape, np.float32),
    "int": lambda a: np.zeros(a.shape, dtype=np.int64),
    "nan": lambda a: np.full(a.shape, np.nan),
    "inf": lambda a: np.full(a.shape, -np.inf),
    "empty": lambda a: np.zeros((0,) * max(a.ndim, 1)),
    "string": lambda a: np.array("x"),
    "bytes": lambda a: np.array([b"ab"]),
    "scalar": lambda a: np.array(1.5),
    "reshaped": lambda a: a.reshape(-1),
    "complex": lambda a: np.zeros(a.shape, dtype=np.complex128),
    "json": lambda a: np.array(json.dumps({"source": {"kind": "group", "group": "Z3"}, "exact": 1})),
}


def _mutate_json(draw, doc):
    """``doc`` with one nested value replaced by a random JSON value, or one key removed."""
    paths = []

    def walk(node, path):
        paths.append(path)
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, path + [k])
        elif isinstance(node, list):
            for i, v in enumerate(node[:4]):
                walk(v, path + [i])
    walk(doc, [])
    path = draw(st.sampled_from(paths[1:]))
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    if isinstance(parent, dict) and draw(st.booleans()):
        parent.pop(path[-1])
    else:
        parent[path[-1]] = draw(json_values)
    return doc


@st.composite
def weight_file_bytes(draw):
    data = base_file(draw(st.sampled_from(["Z3", "S3", "Z4rot"])))
    how = draw(st.sampled_from(["truncate", "flip", "member", "drop", "add", "meta", "none"]))
    if how == "truncate":
        return data[:draw(st.integers(0, len(data) - 1))]
    if how == "flip":
        b = bytearray(data)
        for _ in range(draw(st.integers(1, 4))):
            b[draw(st.integers(0, len(b) - 1))] ^= draw(st.integers(1, 255))
        return bytes(b)
    if how == "none":
        return data
    arrays = _members(data)
    name = draw(st.sampled_from(sorted(arrays)))
    if how == "meta":
        arrays["meta"] = np.array(json.dumps(_mutate_json(draw, json.loads(str(arrays["meta"])))))
    elif how == "drop":
        arrays.pop(name)
    elif how == "add":
        arrays[draw(st.sampled_from(["W_index", "extra", "W"]))] = np.zeros((1, 3), dtype=np.int64)
    else:
        arrays[name] = _REPLACEMENTS[draw(st.sampled_from(sorted(_REPLACEMENTS)))](arrays[name])
    buf = io.BytesIO()
    np.savez(buf, allow_pickle=True, **arrays) if any(a.dtype.hasobject for a in arrays.values()) \
        else np.savez(buf, **arrays)
    return buf.getvalue()


def _check_weight_file(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "w.npz")
        with open(path, "wb") as f:
            f.write(data)
        with time_limit():
            try:
                wf = load_weights(path)
            except InputError as e:
                assert_one_line(e, f"weight file {path}: ")
                wf = None
        assert wf is None or isinstance(wf, WeightFile)
        code, out, err = run_cli(["certify", path])
        assert code in (0, 1, 2) and (code == 0) == (out != "")
        if code:
            assert err.count("\n") == 1, err
        if code == 2:
            assert path in err, err
        if wf is None:
            assert code == 2


test_weight_files, test_weight_files_long = both(weight_file_bytes(), _check_weight_file, 80, 800)


# ------------------------------------------------------------------------------------ subprocess runs
@pytest.mark.parametrize("argv, content, fragment", [
    (["certify", "{file}"], np.random.default_rng(0).bytes(500), "not a .npz archive"),
    (["certify", "{file}"], b'{"W": [[1]]}', "not a .npz archive"),
    (["analyze", "perm:(1 2 3);(1 2)"], None, "at character 8"),
    (["construct", "--automaton", "{file}", "--level", "full", "--out", "{out}"], b"\xff\xfe{", "not UTF-8"),
])
def test_subprocess_refusals(tmp_path, argv, content, fragment):
    """The installed entry point: exit 2, one line on stderr, nothing on stdout, no output file."""
    path, out = tmp_path / "input", tmp_path / "out.npz"
    if content is not None:
        path.write_bytes(content)
    argv = [a.format(file=path, out=out) for a in argv]
    proc = subprocess.run([sys.executable, "-c", "import bilinear; bilinear.main()", *argv], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and fragment in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()
