"""Task generators against hand-worked examples and second implementations."""

import numpy as np
import pytest
from sympy.combinatorics import Permutation

from tests import catalogue
from bilinear.theory import InputError, parse_group, symmetric_group
from bilinear.verify.tasks import (DEFAULT_MAX_TOKENS, TASK_NAMES, TASK_OPTIONS, TASKS, illusion_csv, illusion_targets, make_task, modarith_tokens)


def bits(s):
    return [int(c) for c in s]


@pytest.mark.parametrize("word, label", [("1010100", 1), ("01111", 0), ("1", 1), ("0", 0)])
def test_parity(word, label):
    assert make_task("parity").batch(bits(word)).label[0] == label


@pytest.mark.parametrize("word, label", [("001110", 0), ("0101001", 1), ("0", 0), ("10", 1)])
def test_even_pairs(word, label):
    assert make_task("even_pairs").batch(bits(word)).label[0] == label


@pytest.mark.parametrize("tokens, label", [([2, 0, 1, 0, 0], 3), ([2, 2, 2, 0], 2), ([0] * 6, 4), ([2] * 7, 2)])
def test_cycle_nav(tokens, label):
    assert make_task("cycle_nav").batch(tokens).label[0] == label


@pytest.mark.parametrize("expr, value", [
    ("1+2*3", 2), ("1-1-1", 4), ("0*1+4*3-2", 0), ("2-3*4", 0), ("4*4-3*2", 0), ("2+3*4-1*2", 2), ("3", 3),
])
def test_modarith_standard_precedence(expr, value):
    assert make_task("modarith").batch(modarith_tokens(expr)).label[0] == value


def test_modarith_prefix_labels():
    labels = make_task("modarith").batch(modarith_tokens("2+3*4-1*2")).labels[0].tolist()
    assert labels == [2, -1, 0, -1, 4, -1, 3, -1, 2]


def test_modarith_against_python_eval():
    """Second method: Python's own precedence, on every digit prefix of random expressions."""
    task = make_task("modarith")
    batch = task.sample(200, 11, seed=3)
    sym = {5: "+", 6: "-", 7: "*"}
    for tok, lab in zip(batch.tokens, batch.labels):
        text = "".join(sym.get(int(t), str(int(t))) for t in tok)
        for i in range(0, 11, 2):
            assert lab[i] == eval(text[: i + 1]) % 5
        assert all(lab[i] == -1 for i in range(1, 11, 2))


def test_modarith_other_modulus():
    task = make_task("modarith", m=7)
    assert task.vocab_size == 10
    assert task.batch(modarith_tokens("6*6+5", m=7)).label[0] == (36 + 5) % 7


def test_modadd_and_flipflop():
    assert make_task("modadd", m=5).batch([4, 4, 4]).labels[0].tolist() == [4, 3, 2]
    ff = make_task("flipflop")
    assert ff.batch([0, 2, 0, 0, 1, 0, 2]).labels[0].tolist() == [0, 1, 1, 1, 0, 0, 1]
    assert ff.vocab_size == 3 and ff.num_classes == 2


def test_flipflop_matches_reset_automaton():
    A = catalogue.flipflop()  # symbols r, s0, s1 in the same order as tokens 0, 1, 2
    batch = make_task("flipflop").sample(50, 30, seed=0)
    assert np.array_equal(batch.labels, A.output_index[A.run(batch.tokens)])


def test_automaton_task_uses_fixed_automaton():
    t1 = make_task("automaton", states=5, symbols=3, automaton_seed=4)
    a, b = t1.sample(10, 8, seed=0), t1.sample(10, 8, seed=1)
    assert not np.array_equal(a.tokens, b.tokens)
    A = t1.automaton
    for tok, lab in zip(b.tokens, b.labels):
        assert lab[-1] == int(A.outputs[A.state_of_word(tok)])
    t2 = make_task("automaton", states=5, symbols=3, automaton_seed=5)
    assert not np.array_equal(t1.automaton.delta, t2.automaton.delta)


def test_automaton_task_from_file(tmp_path):
    import json
    path = tmp_path / "p.json"
    path.write_text(json.dumps(catalogue.parity_dfa().to_dict()))
    task = make_task("automaton", file=str(path))
    batch = task.sample(20, 9, seed=0)
    assert np.array_equal(batch.label, batch.tokens.sum(1) % 2)


def test_word_task_against_sympy():
    G = parse_group("S4")
    batch = make_task("word", group="S4").sample(30, 6, seed=2)
    for tok, lab in zip(batch.tokens, batch.labels):
        p = Permutation(list(range(4)))
        for t, g in enumerate(tok):
            p = p * Permutation(G.codes[g].tolist())
            assert G.codes[lab[t]].tolist() == p.array_form


def test_word_task_quaternion_example():
    """P9's Q8 automaton: states 1, i, j, k, -1, -i, -j, -k; right multiplication."""
    task = make_task("word", group="Q8")
    for tokens, labels in [([1, 1], [1, 4]), ([1, 2], [1, 3]), ([2, 1], [2, 7]), ([3, 3, 3, 3], [3, 4, 7, 0])]:
        assert task.batch(tokens).labels[0].tolist() == labels


@pytest.mark.parametrize("spec, tokens, targets", [
    ("S5", [1, 2], [1, 4]), ("S5", [2, 1], [2, 3]), ("S5", [7, 23, 45], [7, 16, 89]),
    ("A5", [1, 1], [1, 2]), ("A5", [1, 2], [1, 0]), ("A5", [5, 17, 42], [5, 34, 0]),
    ("Z60", [59, 2, 30], [59, 1, 31]),
])
def test_illusion_rows(spec, tokens, targets):
    assert illusion_targets(parse_group(spec), [tokens])[0].tolist() == targets


def test_illusion_reference_elements():
    S5, A5 = parse_group("S5"), parse_group("A5")
    one_based = lambda G, i: tuple(int(x) + 1 for x in G.codes[i])  # noqa: E731
    assert one_based(S5, 0) == (1, 2, 3, 4, 5) and one_based(S5, 1) == (1, 2, 3, 5, 4)
    assert one_based(S5, 2) == (1, 2, 4, 3, 5) and one_based(S5, 119) == (5, 4, 3, 2, 1)
    assert one_based(A5, 1) == (1, 2, 4, 5, 3) and one_based(A5, 2) == (1, 2, 5, 3, 4)
    assert one_based(A5, 59) == (5, 4, 3, 2, 1)


def test_illusion_csv_function_composition():
    """Independent recomputation: compose the 1-based tuples as functions, a(b(i))."""
    text = illusion_csv("S4", n=20, length=5, seed=1)
    lines = text.strip().split("\n")
    assert lines[0] == "seed,input,target" and len(lines) == 21
    G = symmetric_group(4)
    for line in lines[1:]:
        seed, inp, tgt = line.split(",")
        assert seed == "1"
        acc = tuple(range(4))
        for g, t in zip(map(int, inp.split()), map(int, tgt.split())):
            p = tuple(G.codes[g])
            acc = tuple(acc[p[i]] for i in range(4))  # acc o p
            assert tuple(G.codes[t]) == acc


def test_illusion_product_group():
    text = illusion_csv("A4xZ5", n=3, length=4, seed=0)
    assert text.startswith("seed,input,target\n")
    with pytest.raises(InputError, match="illusion-csv"):
        illusion_csv("Q8", 2, 3, 0)
    with pytest.raises(InputError, match="illusion-csv format supports .*got None"):   # no group given
        illusion_csv(None, 2, 3, 0)


def test_sampling_is_seeded():
    for name, opts in [("parity", {}), ("modarith", {}), ("word", {"group": "A4"}), ("flipflop", {})]:
        t = make_task(name, **opts)
        a, b, c = t.sample(5, 7, 0), t.sample(5, 7, 0), t.sample(5, 7, 1)
        assert np.array_equal(a.tokens, b.tokens) and not np.array_equal(a.tokens, c.tokens)
        assert np.array_equal(a.label, a.labels[:, -1])


def test_task_errors():
    with pytest.raises(InputError, match="unknown task"):
        make_task("nope")
    with pytest.raises(InputError, match="do not apply"):
        make_task("parity", m=3)
    with pytest.raises(InputError, match="m .the modulus. is required"):
        make_task("modadd")
    with pytest.raises(InputError, match="expected an integer >= 2"):
        make_task("modadd", m=1)
    with pytest.raises(InputError, match="odd length"):
        make_task("modarith").sample(2, 4, 0)
    with pytest.raises(InputError, match="--states and --symbols"):
        make_task("automaton", states=3)
    with pytest.raises(InputError, match="group is required"):
        make_task("word")
    with pytest.raises(InputError, match="tokens must lie"):
        make_task("parity").batch([0, 2])
    with pytest.raises(InputError, match="alternates digits"):
        make_task("modarith").batch([1, 1, 1])
    with pytest.raises(InputError, match="seed"):
        make_task("parity").sample(2, 3, -1)
    with pytest.raises(InputError, match="either --automaton FILE"):
        make_task("automaton", file="x.json", states=3)


def test_every_task_name_builds():
    opts = {"modadd": {"m": 3}, "automaton": {"states": 3, "symbols": 2}, "word": {"group": "S3"}}
    for name in TASK_NAMES:
        t = make_task(name, **opts.get(name, {}))
        b = t.sample(4, 5, 0)
        valid = b.labels[b.labels >= 0]
        assert b.tokens.max() < t.vocab_size and valid.max() < t.num_classes


# ---------------------------------------------------------------- the registry and the abstract task

#: One example configuration per registered task (a new task must add one: test_examples_cover_registry).
EXAMPLES = {
    "parity": [{}], "modadd": [{"m": 3}, {"m": 10}], "cycle_nav": [{}], "even_pairs": [{}],
    "flipflop": [{}, {"m": 4}], "modarith": [{}, {"m": 7}],
    "automaton": [{"states": 5, "symbols": 3, "automaton_seed": 2}], "word": [{"group": "S4"}, {"group": "Q8"}],
}
CONFIGS = [(name, opts) for name, configs in EXAMPLES.items() for opts in configs]


def test_examples_cover_registry():
    assert set(EXAMPLES) == set(TASK_NAMES) == set(TASKS)
    assert all(TASKS[name].name == name for name in TASKS)


@pytest.mark.parametrize("name, opts", CONFIGS)
def test_seed_invariance(name, opts):
    """Sequence i of seed s is the same whatever n (the first rows of sample(5), sample(17))."""
    task = make_task(name, **opts)
    for L in (1, 2, 7, 30):
        L = task.valid_length_at_least(L)
        for seed in (0, 1, 12345, 2 ** 40 + 3):
            one, five, many = (task.sample(n, L, seed) for n in (1, 5, 17))
            assert np.array_equal(one.tokens, five.tokens[:1]) and np.array_equal(five.tokens, many.tokens[:5])
            assert np.array_equal(one.labels, many.labels[:1]) and np.array_equal(five.labels, many.labels[:5])
            assert len(np.unique(many.tokens, axis=0)) > 1 or task.vocab_size ** L < 4


@pytest.mark.parametrize("name, opts", CONFIGS)
def test_declarations(name, opts):
    """Alphabet and classes name every token and label id; encode inverts the alphabet; the task
    rebuilds from its options; sampled labels are classes (or -1 where the task says so)."""
    task = make_task(name, **opts)
    assert len(task.alphabet) == task.vocab_size and len(set(task.alphabet)) == task.vocab_size
    assert len(task.classes) == task.num_classes and len(set(task.classes)) == task.num_classes
    assert task.encode(task.alphabet[i] for i in (0, task.vocab_size - 1)) == [0, task.vocab_size - 1]
    again = make_task(name, **task.options)
    assert again.alphabet == task.alphabet and again.classes == task.classes
    assert "jsonl" in task.ENCODINGS
    L = task.valid_length_at_least(9)
    b = again.sample(40, L, 3)
    assert np.array_equal(b.labels, task.sample(40, L, 3).labels)
    assert b.labels.min() >= -1 and b.labels.max() < task.num_classes and b.tokens.max() < task.vocab_size
    assert set(TASK_OPTIONS[name]) >= set(task.options)


def test_valid_lengths():
    """modarith: odd lengths only, by its declaration; every other task accepts every length."""
    for name, opts in CONFIGS:
        task = make_task(name, **opts)
        expected = [L for L in range(1, 12) if name != "modarith" or L % 2 == 1]
        assert [L for L in range(1, 12) if task.accepts_length(L)] == expected
        assert [task.valid_length_at_least(L) for L in expected] == expected
    modarith = make_task("modarith")
    assert modarith.valid_length_at_least(4) == 5 and modarith.check_lengths([1, 3, 501]) == (1, 3, 501)
    with pytest.raises(InputError, match=r"^--test-lengths: modarith accepts odd lengths only .*got 4, 10$"):
        modarith.check_lengths([3, 4, 5, 10], "--test-lengths")
    with pytest.raises(InputError, match=r"^--length: modarith accepts odd lengths only"):
        modarith.check_length(2, "--length")


def test_task_size_limit():
    with pytest.raises(InputError, match=r"n x length: 1000000 x 100000 = 100000000000 tokens, above the limit "
                                         rf"{DEFAULT_MAX_TOKENS} \(raise it with --max-tokens"):
        make_task("parity").sample(10 ** 6, 10 ** 5, 0)
    with pytest.raises(InputError, match="above the limit 11"):
        make_task("parity").sample(3, 4, 0, max_tokens=11)
    assert make_task("parity").sample(3, 4, 0, max_tokens=12).tokens.shape == (3, 4)


def test_word_jsonl_and_illusion_csv_describe_the_same_words():
    """The CSV's input column is the word task's tokens (same seed); its target is the prefix product
    in the reverse order (function composition), recomputed here with sympy; both use one indexing."""
    for spec in ("S4", "A4xZ5", "Z7"):
        task = make_task("word", group=spec)
        batch = task.sample(15, 6, seed=4)
        rows = [line.split(",") for line in illusion_csv(spec, 15, 6, seed=4).strip().split("\n")[1:]]
        assert [list(map(int, r[1].split())) for r in rows] == batch.tokens.tolist()
        targets = np.array([list(map(int, r[2].split())) for r in rows])
        G = task.group
        for tok, lab, tgt in zip(batch.tokens, batch.labels, targets):
            for t in range(6):
                assert lab[t] == task.batch(tok[:t + 1]).label[0]
                assert tgt[t] == task.batch(tok[t::-1]).label[0]          # g_t · … · g_1
            if G.is_abelian:
                assert np.array_equal(lab, tgt)
    S4 = symmetric_group(4)
    batch = make_task("word", group=S4).sample(10, 5, seed=9)
    for tok, lab in zip(batch.tokens, illusion_targets(S4, batch.tokens)):
        p = Permutation(list(range(4)))
        for g, t in zip(tok, lab):
            p = Permutation(S4.codes[g].tolist()) * p             # sympy: left factor applied first
            assert S4.codes[t].tolist() == p.array_form


def test_no_task_name_tests_in_callers():
    """Callers use the tasks' declarations (accepts_length, ENCODINGS, ...), never ``task.name == ...``."""
    import re
    from tests.paths import ROOT as root
    pattern = re.compile(r"""(task|args)\.name\s*[!=]=|\[["']task["']\]\s*[!=]=\s*["']""")
    hits = [f"{path.relative_to(root)}:{i}" for folder in ("verify", "bilinear_cli", "constructions")
            for path in sorted((root / folder).rglob("*.py"))
            for i, line in enumerate(path.read_text().splitlines(), 1) if pattern.search(line)]
    assert hits == []


def test_every_task_file_has_a_runnable_example():
    """Each task file's docstring carries an example (the default test command runs module doctests)."""
    import doctest
    import importlib
    for name, cls in TASKS.items():
        module = importlib.import_module(cls.__module__)
        assert module.__name__ == f"bilinear.verify.tasks.{name}"
        own = [t for t in doctest.DocTestFinder().find(module) if t.name == module.__name__]
        assert own and own[0].examples, name
