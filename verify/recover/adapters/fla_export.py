"""A certified HOUSE construction written as the weights of one fla Gated DeltaProduct layer.

The inverse of :mod:`.fla`: a weight file of level ``house`` (``meta.info.house``: per symbol ``n_h``
factors ``(k, β)``, docs/design.md §14) becomes a ``GatedDeltaProduct`` layer (``num_heads = 1``,
``head_dim = H``, ``expand_v = 1``, ``num_householder = n_h``, ``use_forget_gate = False``,
``use_short_conv = False``, ``allow_neg_eigval = True``) over a one-hot embedding (``hidden_size = D``,
``embedding = I``), so that the layer's own ``forward`` produces, for symbol ``x``:

* ``k_j = L2-normalise(SiLU(W_k e_x))`` equal to the construction's ``k_j``: the column of ``W_k`` is
  ``SiLU^{-1}(s k_j)`` on the increasing branch (``z >= -1.2785``), with ``s > 0`` small enough that
  every entry of ``s k_j`` is above SiLU's minimum ``-0.2785``;
* ``β_j = 2 σ(W_b e_x)``: a sigmoid never reaches 2, so a reflection (``β = 2``) becomes ``β = 2 - ε``
  (``W_b = logit(1 - ε/2)``), a factor ``β = 0`` becomes ``2σ(-40) ≈ 8.5e-18``, other β exactly;
* the factor order reversed: ``meta.info.house`` lists ``A = F_0 F_1 ...`` (factor 0 leftmost, applied
  last), fla applies its factor 0 first;
* ``v = SiLU(0) = 0``: no write, so the layer is linear and the state is ``S = h ⊗ e_0`` (the first value
  column holds ``h``) from the initial state ``initial_state[0, 0, :, 0] = h0`` (written in the file:
  fla's default initial state is zero, which a linear layer never leaves).

With ``β = 2 - ε`` each reflection shrinks its mirror direction by ``1 - ε``, so the layer tracks the
group only up to a horizon; it is measured (float32, the precision fla runs in) on the exported
transitions and stated in ``meta["horizon"]``.
"""

from __future__ import annotations

import math

import numpy as np

from bilinear.theory.errors import InputError, expected, shown

__all__ = ["house_to_fla", "silu_inverse"]

_SILU_MIN_AT = -1.2784645427610738          # argmin of SiLU
_SILU_MIN = _SILU_MIN_AT / (1 + math.exp(-_SILU_MIN_AT))


def silu_inverse(y: np.ndarray) -> np.ndarray:
    """``z >= -1.2785`` with ``SiLU(z) = y`` (bisection, to float64 precision), for ``y > SiLU's minimum``."""
    y = np.asarray(y, dtype=np.float64)
    if np.any(y <= _SILU_MIN):
        raise expected("silu_inverse: y", f"values above SiLU's minimum {_SILU_MIN:.6f}", shown(f"min {float(y.min()):.6f}"))
    lo = np.full(y.shape, _SILU_MIN_AT)
    hi = np.maximum(y, 0.0) + 2.0
    for _ in range(200):
        mid = (lo + hi) / 2
        f = mid / (1 + np.exp(-mid)) - y
        lo, hi = np.where(f < 0, mid, lo), np.where(f < 0, hi, mid)
    return (lo + hi) / 2


def house_to_fla(wf, eps: float = 1e-3, horizon_max: int = 10_000, seed: int = 0) -> dict:
    """``{"config", "state_dict", "embedding", "initial_state", "meta"}`` (numpy arrays; module docstring)."""
    if not 0 < eps < 1:
        raise expected("--eps", "a number in (0, 1)", eps)
    house = (wf.meta.get("info") or {}).get("house")
    if wf.level != "house" or not house:
        raise expected("weight file", "level house with meta.info.house (bilinear construct --level house)",
                       shown(f"level {wf.level}"))
    factors = house["factors"]
    D, H, n = len(factors), wf.hidden_size, int(house["householders"])
    Wk = np.zeros((n * H, D))
    Wb = np.zeros((n, D))
    for x, fs in enumerate(factors):
        if len(fs) != n:
            raise InputError(f"weight file: symbol {x} has {len(fs)} factors, expected {n}")
        for j, f in enumerate(reversed(fs)):         # the toolkit's factor 0 is leftmost; fla applies its 0 first
            k = np.asarray(f["k"], dtype=np.float64)
            k = k / np.linalg.norm(k)
            s = min(1.0, 0.25 / max(float(-k.min()), 1e-12))      # every entry of s k above -0.25
            Wk[j * H:(j + 1) * H, x] = silu_inverse(s * k)
            beta = float(f["beta"])
            if beta >= 2:
                Wb[j, x] = math.log((1 - eps / 2) / (eps / 2))
            elif beta <= 0:
                Wb[j, x] = -40.0
            else:
                Wb[j, x] = math.log(beta / (2 - beta))
    config = {"layer": "GatedDeltaProduct", "hidden_size": D, "num_heads": 1, "head_dim": H, "expand_v": 1.0,
              "num_householder": n, "use_forget_gate": False, "use_short_conv": False, "allow_neg_eigval": True,
              "use_output_gate": False}
    sd = {"q_proj.weight": np.zeros((H, D)), "k_proj.weight": Wk, "v_proj.weight": np.zeros((n * H, D)),
          "b_proj.weight": Wb, "o_norm.weight": np.ones(H), "o_proj.weight": np.zeros((D, H))}
    S0 = np.zeros((1, 1, H, H))
    S0[0, 0, :, 0] = wf.h0
    meta = {"source": wf.meta.get("source"), "eps": eps, "labels": list(wf.labels), "alphabet": list(wf.alphabet),
            "readout": np.asarray(wf.readout).tolist()}
    meta["horizon"] = _horizon(wf, config, sd, eps, horizon_max, seed)
    return {"config": config, "state_dict": sd, "embedding": np.eye(D), "initial_state": S0, "meta": meta}


def _horizon(wf, config, sd, eps, horizon_max, seed) -> dict:
    """The float32 exactness horizon of the exported transitions (read back through :mod:`.fla`)."""
    import torch

    from bilinear.constructions.weightfile import WeightFile, weights_of
    from bilinear.verify.experiments.simulate import exactness_horizon
    from bilinear.verify.recover.adapters.fla import fla_transitions
    t = fla_transitions(sd, np.eye(wf.shape[2]), config, head=0, column=0)
    back = WeightFile(weights_of(t.A), wf.h0, wf.readout, wf.labels, wf.alphabet, "full",
                      {"source": wf.meta.get("source"), "level": "full", "exact": None, "info": {}})
    r = exactness_horizon(back, dtype=torch.float32, max_length=horizon_max, seed=seed)
    return {"horizon": r["horizon"], "searched": horizon_max, "dtype": "float32", "eps": eps,
            "write_max": 0.0 if t.b is None else float(np.abs(t.b).max())}
