"""``automaton``: the output of a Moore machine after each prefix (docs/design.md §8).

Definition.  Token id ``a`` is the automaton's symbol ``alphabet[a]``; the machine starts in its
start state and reads the tokens left to right; the label after each token is the output of the
current state, class id ``j`` = the ``j``-th distinct output in order of first appearance over the
states (``Automaton.output_labels``).  Any length ``>= 1``.

Options: ``states``, ``symbols`` and ``automaton_seed`` (default 0) give the random automaton
``bilinear.theory.automata.automaton.random_automaton(states, symbols, automaton_seed)``, whose output is the state
itself (symbols ``"0".."k-1"``, classes = state names); or ``file`` a JSON automaton
(docs/design.md §11).  The automaton is fixed by these options, not by the sampling seed, so train
and test data share it.

>>> from bilinear.verify.tasks import make_task
>>> task = make_task("automaton", states=3, symbols=2, automaton_seed=0)
>>> task.alphabet, task.classes
(('0', '1'), ('0', '1', '2'))
>>> A = task.automaton
>>> word = [0, 1, 1]
>>> int(task.batch(word).label[0]) == task.classes.index(A.output_of_word(word))
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bilinear.theory.automata.automaton import Automaton, random_automaton
from bilinear.theory.errors import InputError

from bilinear.verify.tasks.base import Task

__all__ = ["AutomatonTask"]


@dataclass(frozen=True, eq=False)
class AutomatonTask(Task):
    """Label = output class of the current state of a Moore machine."""

    automaton: Automaton | None = None
    spec: dict = field(default_factory=dict)

    name = "automaton"
    PARAMS = ("states", "symbols", "automaton_seed", "file")

    def __post_init__(self):
        if not isinstance(self.automaton, Automaton):
            raise InputError("automaton: expected an Automaton")

    @classmethod
    def from_options(cls, **given):
        if "file" in given:
            if {"states", "symbols", "automaton_seed"} & set(given):
                raise InputError("task automaton: give either --automaton FILE or --states/--symbols/--automaton-seed")
            return cls(Automaton.from_json(given["file"]), spec={"file": str(given["file"])})
        if "states" not in given or "symbols" not in given:
            raise InputError("task automaton: options --states and --symbols are required (or --automaton FILE)")
        seed = given.get("automaton_seed", 0)
        a = random_automaton(given["states"], given["symbols"], seed)
        return cls(a, spec={"states": int(given["states"]), "symbols": int(given["symbols"]),
                            "automaton_seed": int(seed)})

    @property
    def alphabet(self):
        return self.automaton.alphabet

    @property
    def classes(self):
        return self.automaton.output_labels

    @property
    def options(self):
        return dict(self.spec)

    def label_tokens(self, tokens):
        return self.automaton.output_index[self.automaton.run(tokens)]
