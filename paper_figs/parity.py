"""Figure ``parity``: parity with a frozen random diagonal model and a trained linear readout — the
Monte-Carlo success rate against the theorem's 1 − 2^−H (``frozen_parity.rademacher_diagonal``,
:mod:`bilinear.theory.theorems.frozen_parity`; docs/design.md §5).

The Rademacher points are the theorem's own check (:func:`check_frozen_parity`, which raises if the
formula leaves its 99.9 % Clopper-Pearson interval); the error bars are 95 % Clopper-Pearson
intervals (:func:`bilinear.theory.theorems.stats.clopper_pearson`).  For contrast, Gaussian diagonal entries
(remark (a) of the theorem: not covered by it) through the same sampler, readout fit and evaluation.
Right: the failure rate on a log scale, against 2^−H.
"""

from __future__ import annotations

import numpy as np

from bilinear.theory.theorems.frozen_parity import (check_frozen_parity, evaluate, sample_models, success_probability, train_readout)
from bilinear.theory.theorems.stats import clopper_pearson

from bilinear.paper_figs import style

NAME = "parity"
TITLE = "Frozen random diagonal parity: success rate against 1 − 2^−H"
CAPTION = ("A real-diagonal model with frozen random ±1 transitions and a linear readout fitted on the two words "
           "\"0\" and \"1\" solves parity at every length with probability 1 − 2^−H (theorem "
           "`frozen_parity.rademacher_diagonal`). Points: the theorem's Monte-Carlo check (3000 models per H; "
           "bars: 95 % Clopper-Pearson); line: 1 − 2^−H; grey: Gaussian diagonal entries, outside the "
           "theorem. Right: failure rate against 2^−H. Computed by `bilinear.theory.theorems.frozen_parity`.")
SOURCES = "theory/theorems/frozen_parity.py (check_frozen_parity, seed 0)"

HIDDEN = tuple(range(1, 11))
SAMPLES = 3000
QUICK_SAMPLES = 600
SEED = 0
BARS = 0.95

__all__ = ["NAME", "TITLE", "CAPTION", "SOURCES", "compute", "draw", "build"]


def _gaussian(hidden, samples: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed + 1)
    rows = []
    for H in hidden:
        alpha, beta, w = sample_models(rng, samples, H, "gaussian")
        k = int(evaluate(rng, alpha, beta, w, train_readout(alpha, beta, w)).sum())
        rows.append({"H": H, "successes": k, "samples": samples})
    return rows


def compute(hidden=HIDDEN, samples: int = SAMPLES, seed: int = SEED) -> dict:
    """The plotted data: per H the Rademacher estimate with its interval, the formula, the Gaussian
    contrast, and the formula on a fine grid (the curve)."""
    check = check_frozen_parity(hidden_sizes=tuple(hidden), samples=samples, seed=seed)
    rade = []
    for row in check["per_H"]:
        lo, hi = clopper_pearson(row["successes"], row["samples"], BARS)
        rade.append({"H": row["H"], "successes": row["successes"], "samples": row["samples"],
                     "estimate": row["estimate"], "interval": [lo, hi], "formula": row["formula"]})
    gauss = []
    for row in _gaussian(hidden, samples, seed):
        lo, hi = clopper_pearson(row["successes"], row["samples"], BARS)
        gauss.append({**row, "estimate": row["successes"] / row["samples"], "interval": [lo, hi]})
    grid = [float(h) for h in np.linspace(min(hidden), max(hidden), 200)]
    return {"seed": seed, "samples": samples, "confidence": BARS, "rademacher": rade, "gaussian": gauss,
            "curve": {"H": grid, "success": [success_probability(h) for h in grid]}}


def draw(data: dict, out_dir: str) -> list[str]:
    fig, (ax, axf) = style.new_figure(1, 2, height=2.2)
    curve = data["curve"]
    for a, fail in ((ax, False), (axf, True)):
        ys = [1 - y for y in curve["success"]] if fail else curve["success"]
        a.plot(curve["H"], ys, color="black", linewidth=0.8, label="1 − 2$^{-H}$" if not fail else "2$^{-H}$")
        for key, col, mk, lab in (("rademacher", style.color("rdiag"), "o", "±1 entries (theorem)"),
                                  ("gaussian", "0.55", "s", "Gaussian entries")):
            rows = data[key]
            H = [r["H"] for r in rows]
            est = [r["estimate"] for r in rows]
            lo = [r["interval"][0] for r in rows]
            hi = [r["interval"][1] for r in rows]
            if fail:
                est, lo, hi = [1 - e for e in est], [1 - h for h in hi], [1 - v for v in lo]
                keep = [i for i, e in enumerate(est) if e > 0]
                H, est, lo, hi = ([v[i] for i in keep] for v in (H, est, lo, hi))
                lo = [max(v, 1e-4) for v in lo]
            a.errorbar(H, est, yerr=[[e - v for e, v in zip(est, lo)], [v - e for e, v in zip(est, hi)]],
                       fmt=mk, color=col, markersize=2.5, elinewidth=0.7, capsize=1.2, label=lab)
        a.set_xlabel("hidden size H")
        a.set_xticks([h for h in range(1, int(max(curve["H"])) + 1) if h % 2 == 1 or max(curve["H"]) <= 6])
    ax.set_ylabel("P(parity right at every length)")
    ax.set_ylim(0.35, 1.02)
    axf.set_yscale("log")
    axf.set_ylabel("failure rate")
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncol=3)
    return style.save(fig, out_dir, NAME)


def build(out_dir: str, quick: bool = False, source=None, progress=None) -> dict:
    """Run the theorem's check (``quick``: fewer samples) and draw."""
    data = compute(samples=QUICK_SAMPLES if quick else SAMPLES)
    return {"data": data, "files": draw(data, out_dir), "sources": [SOURCES]}
