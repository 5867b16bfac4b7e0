"""Black-box automaton extraction (docs/design.md §10): which Moore machine does a trained model
compute, read from its predictions alone, for every model class (bilinear levels, LSTM, Mamba-like,
Transformer, stacks).

The model is a **membership oracle**: the output of a word is the class the model predicts at the
word's last position (the argmax of its logits, named by the task's class names), and the empty
word, which no model predicts anything for, has the output :data:`NO_OUTPUT`.  Words are answered
in batches: the distinct words of a batch that are not a prefix of another are run, padded on the
right, and every prefix of every run word is kept (a causal model's prediction at position ``t``
depends on the first ``t + 1`` symbols only; this is checked on random words before anything is
learned, and a model that looks ahead is refused).  The **equivalence oracle** draws ``words``
random words of ``length`` symbols per round (seeded: round ``j`` uses ``default_rng([seed, j])``)
and compares the hypothesis with the model at every prefix
(:func:`bilinear.theory.automata.learning.random_word_oracle`); when they agree, it also asks the model
about the shortlex-least word on which the hypothesis and the target differ, and returns it when the
model answers it otherwise than the hypothesis (so the word a "differs" verdict reports is one on
which the model itself, not only its extracted machine, differs from the target).  The learner is L* with
Rivest–Schapire counterexamples (:func:`bilinear.theory.automata.learning.learn_moore`), capped in
states and membership queries.

The extracted (minimal) machine is compared with the task's minimal machine *as the model observes
it*: :func:`bilinear.theory.automata.compare.silent_start` gives it a start state with output
:data:`NO_OUTPUT` (so a task that re-enters its start, a group's identity, has one state more).  The
verdict is **identical** (isomorphic; the state map is reported, every extracted state named by its
shortlex-least access word) or **differs** with the shortlex-least distinguishing word, the
extracted machine's and the task's outputs on it, and the model's own output on it (equal to the
extracted machine's, by the equivalence oracle's last check).  When the learner stops at a cap, the
model still **differs** if one of the words it answered is answered otherwise than by the target
(certain when the table held more states than the target has); the verdict then names the
shortlex-least such word, the number of states as unknown (more than the cap) and the cap's message;
otherwise the cap's error stands.
"Identical" means identical on every word the membership queries and the random words tested, not
on every word.

Targets: a checkpoint's task (:func:`task_machine`: the machine of
:func:`bilinear.verify.experiments.run.task_target` with the task's symbol and class names; not
``modarith``, whose task only ever shows well-formed expressions), a weight file's own automaton or
group (the Cayley machine of its alphabet), or a machine given with ``--automaton``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from bilinear.theory.automata.automaton import Automaton
from bilinear.theory.automata.compare import compare_machines, distinguishing_word, silent_start
from bilinear.theory.automata.learning import DEFAULT_MAX_QUERIES, DEFAULT_MAX_STATES, learn_moore, random_word_oracle, word_name
from bilinear.theory.errors import InputError, ResourceLimitError, check_int, check_seed, expected

from bilinear.verify.recover.model_oracle import NO_OUTPUT, NOT_FINITE, ModelOracle

__all__ = ["NO_OUTPUT", "NOT_FINITE", "Subject", "task_machine", "load_subject", "extract"]

#: The name of the start state of the machine the model is compared with.
BEFORE_INPUT = "(before input)"


def task_machine(task) -> Automaton:
    """The task's Moore machine with the task's symbol names and, as outputs, the task's class
    names: the machine of :func:`~bilinear.verify.experiments.run.task_target` (the target machine,
    or the Cayley machine of the group on the symbols' elements), each state's output read from the
    task's own label of a non-empty word reaching it (the start, when no non-empty word re-enters
    it, keeps the placeholder ``"(start)"``: the model never observes it).  A task that does not
    take words of every length (``modarith``: well-formed expressions only) is refused."""
    from bilinear.verify.experiments.run import task_target
    if not all(task.accepts_length(n) for n in (1, 2, 3)):     # modarith: well-formed expressions only
        raise InputError(f"task {task.name}: it takes {task.length_rule}, and extraction asks the model about "
                         "every word over the alphabet; not supported")
    group, target = task_target(task)
    M = target if group is None else Automaton.from_group(group, target)
    if M.num_symbols != task.vocab_size:            # pragma: no cover - task_target's contract
        raise AssertionError("task machine and task disagree on the alphabet")
    words: dict[int, tuple[int, ...]] = {}
    frontier: list[tuple[int, tuple[int, ...]]] = [(int(M.delta[M.start, a]), (a,)) for a in range(M.num_symbols)]
    while frontier:                                 # breadth-first over non-empty words
        nxt = []
        for q, w in frontier:
            if q not in words:
                words[q] = w
                nxt += [(int(M.delta[q, a]), w + (a,)) for a in range(M.num_symbols)]
        frontier = nxt
    outputs = []
    for q in range(M.num_states):
        if q in words:
            label = int(task.label_tokens(np.array([words[q]], dtype=np.int64))[0, -1])
            outputs.append(task.classes[label])
        else:
            outputs.append("(start)")
    return Automaton(M.states, tuple(task.alphabet), M.delta, M.start, tuple(outputs), name=task.name)


@dataclass(frozen=True, eq=False)
class Subject:
    """What is extracted and what it is compared with: ``model`` (a torch module, tokens ``(N, L)``
    to logits ``(N, L, K)``), ``labels`` (the name of each logit), ``target`` (a Moore machine over the
    model's symbols, outputs among the labels), ``kind`` and ``info`` (task and model, for the report)."""

    path: str
    model: object
    labels: tuple[str, ...]
    target: Automaton
    kind: str
    info: dict

    def __post_init__(self):
        if NO_OUTPUT in self.labels or NOT_FINITE in self.labels:
            raise InputError(f"{self.path}: a class is named {NO_OUTPUT!r} or {NOT_FINITE!r}, the names extraction "
                             "gives to the empty word and to non-finite logits")


def load_subject(path: str, target: Automaton | None = None) -> Subject:
    """A ``bilinear train`` checkpoint (its selected model and its task's machine) or a ``bilinear
    construct`` weight file (a FULL model and the file's own machine); ``target`` replaces the
    machine compared with (it must have the model's alphabet)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise InputError(f"{path}: no such file")
    if path.endswith(".pt"):
        from bilinear.verify.experiments.run import TrainedRun
        run = TrainedRun.load(path)
        task: Any = run.task
        labels, alphabet = tuple(task.classes), tuple(task.alphabet)
        machine = task_machine(run.task) if target is None else None
        info = run.summary() | {"layers": run.identity["model"].get("layers", 0)}
        model, kind = run.model, "checkpoint"
    elif path.endswith(".npz"):
        from bilinear.theory.npz import read_npz
        from bilinear.verify.models.registry import model_from_weights
        from bilinear.verify.recover.source import load_learned
        keys = set(read_npz(path, "file"))
        if "meta" not in keys or not keys & {"W", "W_index"}:
            raise InputError(f"{path}: extraction needs a model's predictions: a bilinear train checkpoint (.pt) or "
                             "a bilinear construct weight file (.npz); foreign arrays have no readout")
        learned = load_learned(path)
        model = model_from_weights(path)
        labels = tuple(model.labels)
        if learned.automaton is not None:
            machine = learned.automaton
        else:
            machine = Automaton.from_group(learned.group, learned.alphabet)
        alphabet, kind = machine.alphabet, "weights"
        info = {"model": "full (construction)", "target": machine.name}
        machine = machine if target is None else None
    else:
        raise InputError(f"{path}: expected a .pt checkpoint or an .npz weight file")
    if target is not None:
        if tuple(target.alphabet) != alphabet:
            raise expected("--automaton: alphabet", f"the model's symbols {list(alphabet)}", list(target.alphabet))
        machine = target
    assert machine is not None
    return Subject(path, model, labels, machine, kind, info)


def _over_the_cap(oracle: ModelOracle, observed: Automaton, reason: str, words: int, length: int, seed: int) -> dict:
    """The learner stopped at a cap: the model still differs from the target when one of the words it
    answered does (there is one when the table held more states than the target has: two access words
    the target merges, told apart by a suffix, give a word the model answers otherwise than the
    target); the shortlex-least such word is reported, else the cap's error stands."""
    table = np.array(observed.outputs, dtype=object)
    known = sorted(oracle.cache, key=lambda w: (len(w), w))
    witness = next((w for w in known if oracle.cache[w] != table[observed.state_of_word(w)]), None)
    if witness is None:
        raise ResourceLimitError(reason)
    alphabet = observed.alphabet
    return {"verdict": "differs", "isomorphic": False, "learned_states": None, "stopped": reason,
            "word": [alphabet[a] for a in witness], "word_indices": list(witness),
            "word_text": word_name(witness, alphabet), "learned_output": None,
            "target_output": observed.output_of_word(witness), "model_output": oracle.cache[witness],
            "words_answered": len(known),
            "equivalence_oracle": {"words": words, "length": length, "seed": seed},
            "model_runs": {"sequences": oracle.sequences, "tokens": oracle.tokens}}


def extract(subject: Subject, words: int = 256, length: int = 16, seed: int = 0,
            max_states: int = DEFAULT_MAX_STATES, max_queries: int = DEFAULT_MAX_QUERIES) -> dict:
    """Learn the model's machine and compare it with the target (module docstring); the report as a
    dict (every number kept)."""
    words = check_int("--words", words, minimum=1)
    length = check_int("--length", length, minimum=1)
    seed = check_seed("--seed", seed)
    alphabet = subject.target.alphabet
    oracle = ModelOracle(subject.model, subject.labels, len(alphabet))
    oracle.check_causal(length, seed, subject.path)
    observed = silent_start(subject.target, NO_OUTPUT, BEFORE_INPUT)
    random_words = random_word_oracle(oracle.trace, len(alphabet), words, length, seed)

    def equivalence(H: Automaton):
        """Random words first; then the first word on which the hypothesis and the target differ, when
        the model does not answer it as the hypothesis does (so a 'differs' word is the model's own)."""
        w = random_words(H)
        if w is None:
            w = distinguishing_word(H, observed)
            if w is not None and oracle.query([w])[0] == H.output_of_word(w):
                w = None
        return w

    base = {"file": subject.path, "kind": subject.kind, "info": subject.info, "target": subject.target.name,
            "target_states": observed.minimize().num_states,
            "task_machine_states": subject.target.minimize().num_states, "no_output": NO_OUTPUT,
            "before_input": BEFORE_INPUT, "max_states": max_states, "max_queries": max_queries}
    try:
        learned, stats = learn_moore(alphabet, oracle.query, equivalence, max_states, max_queries)
    except ResourceLimitError as e:
        return base | _over_the_cap(oracle, observed, str(e), words, length, seed)
    cmp = compare_machines(learned, observed)
    report = base | {
        "verdict": "identical" if cmp["isomorphic"] else "differs", "isomorphic": cmp["isomorphic"],
        "learned_states": cmp["learned_states"],
        "equivalence_oracle": {"words": words, "length": length, "seed": seed, "rounds": stats["equivalence_queries"]},
        "queries": {"membership": stats["membership_queries"], "suffixes": stats["suffixes"],
                    "counterexample_lengths": stats["counterexamples"]},
        "model_runs": {"sequences": oracle.sequences, "tokens": oracle.tokens}}
    if cmp["isomorphic"]:
        report["state_map"] = cmp["state_map"]
    else:
        w = tuple(cmp["word_indices"])
        report |= {"word": cmp["word"], "word_indices": list(w), "word_text": word_name(w, alphabet), "learned_output": cmp["learned_output"],
                   "target_output": cmp["target_output"], "model_output": oracle.query([w])[0]}
    report["learned"] = learned.to_dict()
    return report
