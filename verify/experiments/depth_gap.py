"""The learnability gap, measured (docs/results_depth.md): training a :class:`~bilinear.verify.models.stack.BilinearStack`
from random initialisation against training started at the certified cascade plus noise.

For a group, a level and a number of layers equal to its depth, the stack has exactly the cascade's
architecture (hidden sizes, input symbols, readout rows, decoder and output widths), so the runs differ
only in where they start: ``random`` (the stack's own seeded initialisation) or ``cascade`` with
``noise`` (every parameter tensor perturbed by ``noise`` times its RMS).  Each run trains with Adam on
random words (cross-entropy of the prefix product's label at every step) and is evaluated before and
after on fresh words of a longer length; it *succeeds* when the per-token accuracy after training is at
least ``success``.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np
import torch

from bilinear.constructions.cascade import cascade_construction
from bilinear.constructions.cascade_file import cascade_file
from bilinear.constructions.construction import GroupTarget
from bilinear.theory.automata.automaton import Automaton
from bilinear.theory.errors import check_choice
from bilinear.theory.groups.parser import parse_group

from bilinear.verify.device import threads
from bilinear.verify.models.stack import BilinearStack

__all__ = ["GapConfig", "gap_run", "gap_sweep", "INITS"]

INITS = ("cascade", "random")


@dataclass(frozen=True)
class GapConfig:
    """Training and evaluation of one run."""

    steps: int = 200
    batch: int = 16
    train_length: int = 32
    lr: float = 5e-3
    eval_n: int = 64
    eval_length: int = 256
    success: float = 0.99

    def to_json(self) -> dict:
        return asdict(self)


def _words(rng: np.random.Generator, D: int, n: int, T: int) -> np.ndarray:
    return rng.integers(0, D, size=(n, T))


def _accuracy(model: BilinearStack, tokens: np.ndarray, target: np.ndarray) -> float:
    with torch.no_grad():
        pred = model(torch.as_tensor(tokens)).argmax(-1).numpy()
    return float(np.mean(pred == target))


def gap_run(group: str, level: str, init: str, noise: float = 0.0, seed: int = 0,
            config: GapConfig = GapConfig()) -> dict:
    """One run (module docstring): its record, with the accuracies before and after training."""
    check_choice("init", init, INITS)
    G = parse_group(group)
    c = cascade_construction(GroupTarget.resolve(G), level)
    cf = cascade_file(c)
    if init == "cascade":
        model = BilinearStack.from_cascade(cf, noise=noise, seed=seed)
    else:
        sizes = [len(wf.labels) for wf in cf.layers]
        D = len(cf.alphabet)
        model = BilinearStack(level, D, len(cf.labels), [wf.hidden_size for wf in cf.layers],
                              [wf.shape[2] for wf in cf.layers], sizes,
                              [D * int(np.prod(sizes[:i], dtype=np.int64)) for i in range(len(sizes))],
                              int(np.prod(sizes, dtype=np.int64)), seed=seed)
    ref = Automaton.from_group(G, list(c.target.alphabet))
    pos = {s: i for i, s in enumerate(cf.labels)}
    label_of_state = np.array([pos[y] for y in ref.outputs], dtype=np.int64)
    rng = np.random.default_rng(10_000 + seed)
    D = len(cf.alphabet)
    test = _words(rng, D, config.eval_n, config.eval_length)
    test_target = label_of_state[ref.run(test)]
    short = _words(rng, D, config.eval_n, config.train_length)
    short_target = label_of_state[ref.run(short)]
    t0 = time.perf_counter()
    with threads(1):
        before = _accuracy(model, test, test_target)
        opt = torch.optim.Adam(model.parameters(), lr=config.lr)
        losses = []
        for _ in range(config.steps):
            tok = _words(rng, D, config.batch, config.train_length)
            target = torch.as_tensor(label_of_state[ref.run(tok)])
            logits = model(torch.as_tensor(tok))
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        after = _accuracy(model, test, test_target)
        after_short = _accuracy(model, short, short_target)
    return {"group": group, "level": level, "layers": len(cf.layers), "hidden_sizes": list(cf.hidden_sizes),
            "init": init, "noise": float(noise) if init == "cascade" else None, "seed": int(seed),
            "accuracy_before": before, "accuracy_after": after,
            "accuracy_after_train_length": after_short, "success": after >= config.success,
            "final_loss": float(np.mean(losses[-20:])) if losses else None,
            "parameters": int(sum(p.numel() for p in model.parameters())),
            "seconds": round(time.perf_counter() - t0, 2), "config": config.to_json()}


def gap_sweep(cases, noises, seeds, config: GapConfig = GapConfig(), progress=None) -> list[dict]:
    """Every ``(group, level)`` of ``cases`` × (``cascade`` at each noise, and ``random``) × ``seeds``."""
    out = []
    for group, level in cases:
        for init, noise in [("cascade", s) for s in noises] + [("random", 0.0)]:
            for seed in seeds:
                r = gap_run(group, level, init, noise, seed, config)
                out.append(r)
                if progress is not None:
                    progress(r)
    return out
