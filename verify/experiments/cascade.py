"""Float simulation of a cascade file (:mod:`bilinear.constructions.cascade_file`) against its group.

Each layer runs as a one-layer :class:`~bilinear.verify.experiments.simulate.Simulator` on the symbols
its lookup table gives for the token and the labels decoded (argmax) from the layers below at the same
step; the output table turns the decoded labels into a group element, compared with the prefix
product of the word at every step.
"""

from __future__ import annotations

import numpy as np
import torch

from bilinear.constructions.cascade_file import CascadeFile, load_cascade
from bilinear.constructions.source import read_source
from bilinear.theory.automata.automaton import Automaton
from bilinear.theory.errors import MathematicalError

from bilinear.verify.experiments.simulate import Simulator, random_words

__all__ = ["run_cascade", "simulate_cascade"]


def run_cascade(cf: CascadeFile, tokens, dtype: torch.dtype = torch.float64, normalize: bool = True) -> np.ndarray:
    """The label index output after each token, ``(B, T)``, for token indices ``tokens`` ``(B, T)``."""
    x = np.asarray(tokens, dtype=np.int64)
    decoded: list[np.ndarray] = []
    for wf, table in zip(cf.layers, cf.inputs):
        symbols = table[(x,) + tuple(decoded)]
        decoded.append(Simulator(wf, dtype=dtype, normalize=normalize).run(symbols))
    return cf.output[tuple(decoded)]


def simulate_cascade(cf: CascadeFile | str, n: int = 100, length: int = 1000, seed: int = 0,
                     dtype: torch.dtype = torch.float64, normalize: bool = True, tokens=None) -> dict:
    """Per-token and final-label accuracy of the cascade against its group on random words."""
    cf = load_cascade(cf) if not isinstance(cf, CascadeFile) else cf
    target = read_source(cf.meta.get("source"))
    if target.group is None or target.alphabet is None:
        raise MathematicalError("meta.source: a cascade tracks a group")
    ref = Automaton.from_group(target.group, list(target.alphabet))
    tokens = random_words(len(cf.alphabet), n, length, seed) if tokens is None else np.asarray(tokens)
    pred = run_cascade(cf, tokens, dtype, normalize)
    pos = {s: i for i, s in enumerate(cf.labels)}
    target_idx = np.array([pos.get(y, -1) for y in ref.outputs], dtype=np.int64)[ref.run(tokens)]
    return {"per_token": float(np.mean(pred == target_idx)), "final": float(np.mean(pred[:, -1] == target_idx[:, -1])),
            "n": int(tokens.shape[0]), "length": int(tokens.shape[1]), "dtype": str(dtype).replace("torch.", ""),
            "layers": len(cf.layers)}
