"""Black-box automaton extraction (bilinear.verify.recover.extract, ``bilinear recover --extract``):
the task machines against the tasks' own labels, the batched membership answers against running
each word alone, an exact construction identified with its state map, a corrupted one told apart by
the shortlex-least word found by enumeration, a look-ahead model refused, and (slow) trained FULL,
LSTM, Mamba-like and Transformer models identified."""

import glob
import itertools
import json
import os

import numpy as np
import pytest
import torch

from bilinear import main
from bilinear.theory import InputError
from bilinear.theory.errors import ResourceLimitError
from bilinear.theory.automata.automaton import Automaton
from bilinear.verify.models.registry import MODEL_NAMES, ModelConfig, make_model, model_from_weights
from bilinear.verify.recover.extract import Subject, extract, load_subject, task_machine
from bilinear.verify.recover.model_oracle import NO_OUTPUT, ModelOracle
from bilinear.verify.tasks import make_task

MACHINE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples", "machine.json")


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def first_difference(A: Automaton, B: Automaton, max_len: int = 8):
    """The shortlex-least non-empty word with different outputs, by enumeration."""
    for L in range(1, max_len + 1):
        for w in itertools.product(range(A.num_symbols), repeat=L):
            if A.output_of_word(w) != B.output_of_word(w):
                return w
    return None


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    path = tmp_path_factory.mktemp("extract") / "machine.npz"
    assert main(["construct", "--automaton", MACHINE, "--level", "full", "--out", str(path)]) == 0
    return str(path)


@pytest.mark.parametrize("name,options", [("parity", {}), ("modadd", {"m": 3}), ("word", {"group": "S3"}),
                                          ("cycle_nav", {}), ("flipflop", {"m": 3}),
                                          ("automaton", {"states": 4, "symbols": 3})])
def test_task_machine_gives_the_task_labels(name, options):
    task = make_task(name, **options)
    M = task_machine(task)
    batch = task.sample(64, 12, seed=1)
    outputs = np.array(M.outputs, dtype=object)[M.run(batch.tokens)]
    assert M.alphabet == task.alphabet
    assert (outputs == np.array(task.classes, dtype=object)[batch.labels]).all()


def test_task_machine_refuses_modarith():
    with pytest.raises(InputError, match="modarith: it takes odd lengths only"):
        task_machine(make_task("modarith", m=3))


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_batched_queries_equal_one_word_at_a_time(name):
    """Every model class the toolkit trains: the batched, prefix-sharing, right-padded answers are the
    model's predictions on each word alone (and the causality check passes)."""
    model = make_model(ModelConfig(name, hidden=4), 3, 3, seed=1).double().eval()
    oracle = ModelOracle(model, ("a", "b", "c"), 3)
    oracle.check_causal(10, 0, name)
    rng = np.random.default_rng(0)
    words = [tuple(rng.integers(0, 3, size=rng.integers(0, 9)).tolist()) for _ in range(30)]
    words += [w[:len(w) // 2] for w in words[:6]]                  # prefixes of other words in the batch
    got = oracle.query(words)
    with torch.no_grad():
        want = [NO_OUTPUT if not w else "abc"[int(model(torch.tensor([w]))[0, -1].argmax())] for w in words]
    assert got == want


def test_exact_construction_is_identical_with_its_state_map(weights):
    M = Automaton.from_json(MACHINE)
    r = extract(load_subject(weights), words=64, length=12)
    assert r["isomorphic"] and r["verdict"] == "identical"
    assert r["learned_states"] == M.minimize().num_states + 1 == r["target_states"]   # + the state before input
    for access, state in r["state_map"].items():
        word = () if access == "ε" else tuple(M.alphabet.index(a) for a in access.split("·"))
        assert state == ("(before input)" if not word else M.states[M.state_of_word(word)])


def test_corrupted_construction_differs_at_the_first_word(weights):
    M = Automaton.from_json(MACHINE)
    model = model_from_weights(weights)
    with torch.no_grad():
        model.W.data = model.W.data[[1, 0]].clone()               # 'inc' and 'reset' swapped
    swapped = Automaton(M.states, M.alphabet, M.delta[:, [1, 0]], M.start, M.outputs)
    r = extract(Subject("swapped", model, tuple(model.labels), M, "weights", {}), words=64, length=12)
    w = first_difference(swapped, M)
    assert not r["isomorphic"] and tuple(r["word_indices"]) == w
    assert r["model_output"] == r["learned_output"] == swapped.output_of_word(w)
    assert r["target_output"] == M.output_of_word(w)


def test_at_the_cap_a_word_the_model_answers_otherwise_is_still_a_verdict(weights):
    M = Automaton.from_json(MACHINE)
    model = model_from_weights(weights)
    with torch.no_grad():
        model.W.data = model.W.data[[1, 0]].clone()
    swapped = Automaton(M.states, M.alphabet, M.delta[:, [1, 0]], M.start, M.outputs)
    r = extract(Subject("swapped", model, tuple(model.labels), M, "weights", {}), words=16, length=8, max_states=2)
    w = tuple(r["word_indices"])
    assert r["verdict"] == "differs" and r["learned_states"] is None and "more than 2 states" in r["stopped"]
    assert r["model_output"] == swapped.output_of_word(w) != M.output_of_word(w) == r["target_output"]
    # the exact model answers every word as the target does: the cap's error stands
    with pytest.raises(ResourceLimitError, match="more than 2 states"):
        extract(load_subject(weights), words=16, length=8, max_states=2)


class LookAhead(torch.nn.Module):
    """Predicts, at every position, the last symbol of the whole word: not causal."""

    def forward(self, tokens):
        last = torch.nn.functional.one_hot(torch.as_tensor(tokens)[:, -1:], 2).double()
        return last.expand(tokens.shape[0], tokens.shape[1], 2)


def test_a_look_ahead_model_is_refused():
    target = Automaton.from_json(MACHINE)
    with pytest.raises(InputError, match="extraction needs a causal model"):
        extract(Subject("ahead", LookAhead(), ("0", "1"), target, "weights", {}), words=8, length=8)


def test_cli_extract_exit_codes(weights, tmp_path, capsys):
    code, out, _ = run(capsys, "recover", weights, "--extract", "--words", 32)
    assert code == 0 and out.startswith(f"{weights}: IDENTICAL") and "inc·inc -> q2" in out
    other = json.load(open(MACHINE))
    other["delta"]["q2"]["inc"] = "q2"                                # saturates at 2 instead of wrapping
    path = tmp_path / "saturating.json"
    path.write_text(json.dumps(other))
    code, out, _ = run(capsys, "recover", weights, "--extract", "--automaton", path, "--json", "--words", 32)
    r = json.loads(out)[0]
    want = first_difference(Automaton.from_json(MACHINE), Automaton.from_json(str(path)))
    assert code == 1 and r["verdict"] == "differs" and r["word_indices"] == list(want)
    code, out, _ = run(capsys, "recover", weights, "--extract", "--automaton", path, "--words", 32)
    assert code == 1 and "DIFFERS" in out and "first distinguishing word inc·inc·inc: the model outputs 0" in out
    foreign = tmp_path / "A.npz"
    np.savez(foreign, A=np.eye(2)[None])
    for argv, needle in [((weights, "--group", "Z3"), "--group: expected nothing with --extract"),
                         ((weights, "--max-states", 2), "more than 2 states"),
                         ((weights, "--max-queries", 3), "more than 3 distinct membership queries"),
                         ((foreign, "--group", "Z2"), "--group: expected nothing"),
                         ((foreign,), "foreign arrays have no readout")]:
        code, out, err = run(capsys, "recover", *argv, "--extract")
        assert code == 2 and needle in err and err.count("\n") == 1, err


def _train(tmp_path, task, options, model, hidden, steps, lr, layers=0):
    from bilinear.verify.experiments.train import RunSpec, TrainConfig, train_model
    torch.set_num_threads(1)
    config = ModelConfig(model, hidden=hidden, **({"layers": layers} if layers else {}))
    out = train_model(RunSpec(task, options, config, seed=0),
                      TrainConfig(steps=steps, batch_size=32, val_every=100, val_n=32), lr,
                      checkpoint_dir=str(tmp_path), progress=None)
    return glob.glob(str(tmp_path / "*.pt"))[0], out.val_accuracy


@pytest.mark.slow
@pytest.mark.parametrize("model,hidden,steps,lr,layers", [("full", 8, 300, 3e-2, 0), ("lstm", 16, 300, 1e-2, 0),
                                                          ("mamba", 16, 400, 3e-3, 1),
                                                          ("transformer", 16, 600, 3e-3, 1)])
def test_trained_models_are_identified(tmp_path, capsys, model, hidden, steps, lr, layers):
    path, val = _train(tmp_path, "flipflop", {}, model, hidden, steps, lr, layers)
    assert val == 1.0
    code, out, _ = run(capsys, "recover", path, "--extract", "--json", "--words", 64, "--length", 10)
    r = json.loads(out)[0]
    target = task_machine(make_task("flipflop"))
    assert code == 0 and r["isomorphic"] and r["learned_states"] == target.minimize().num_states + 1
    for access, state in r["state_map"].items():
        word = () if access == "ε" else tuple(target.alphabet.index(a) for a in access.split("·"))
        assert state == ("(before input)" if not word else target.states[target.state_of_word(word)])
