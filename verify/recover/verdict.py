"""The graded verdict of docs/design.md §10: exact, approximate, or not a representation.

A residual compared with one number is a cliff: trained Householder models that never reach β = 2
sit at relation residuals 0.035–0.051 around the tolerance 0.05, and a model with residual 0 may
still fail at length 500 (a decay the rescaling hides).  So the verdict is graded, on numbers that
are always computed:

* **exact**: a representation by the tests of steps 3–4 (residual <= 0.05, multiplicities within 0.1
  of integers), no symbol singular on ``V``, projective spread <= :data:`SPREAD_TOLERANCE`, the
  snapped model (step 7) passes its certificate, and the learned weights decode every random word
  correctly in float32 from the burn-in up to the searched length (the *exactness horizon*, ``None``
  = no failure; a model without a readout is decoded by the mean state of each element), and the
  mean states of any two elements are apart (a representation reached from an ``h0`` that a
  subgroup fixes — a permutation model started at ``e_0`` — cannot tell the elements apart);
* **approximate**: not exact, no symbol singular on ``V``, relation residual <= :data:`APPROXIMATE_TOLERANCE`
  and multiplicities within :data:`APPROXIMATE_MULTIPLICITY` of non-negative integers adding up to
  ``dim V``: the closest representation is named, with the residual, the spread and the horizon;
* **not a representation**: anything else, with the reasons (singular symbols named first) and the
  closest representation (the rounded multiplicities on the chosen subspace).

``verdict`` (the exit status: 0 unless some file is "not a representation") is true for exact and
approximate.  A representation that is not faithful (e.g. a model that collapses every state to one,
the trivial representation) keeps its grade — it *is* that representation — and the verdict says
"not faithful" (``constituents_faithful`` false): such a model does not track the group.
"""

from __future__ import annotations

import numpy as np
import torch

from bilinear.theory.errors import InputError, MathematicalError

__all__ = ["grade_result", "APPROXIMATE_TOLERANCE", "APPROXIMATE_MULTIPLICITY", "SPREAD_TOLERANCE", "GRADES"]

#: An approximate representation has a relation residual at most this.
APPROXIMATE_TOLERANCE = 0.15
#: ... and multiplicities within this of integers.
APPROXIMATE_MULTIPLICITY = 0.25
#: An exact tracker's states are a function of the element: projective spread at most this.
SPREAD_TOLERANCE = 0.05
#: Two elements whose mean unit states are closer than this are not told apart.
SEPARATION_TOLERANCE = 1e-3
GRADES = ("exact", "approximate", "not a representation")


def _constituents_text(out: dict) -> str:
    return " + ".join((f"{c['multiplicity']}x" if c["multiplicity"] > 1 else "") +
                      f"psi{c['real_irreducible']}(dim {c['real_dimension']})" for c in out["constituents"]) or "none"


def _horizon(model, extra: dict, horizon_max: int, seed: int, start: int = 1) -> dict:
    """The float32 exactness horizon of the learned weights (``None`` = none failed up to ``horizon_max``).
    A model without a readout of its own is read out by the mean unit state of each element (of the
    states kept after the burn-in), the nearest-state decoder of an exact tracker."""
    from dataclasses import replace

    from bilinear.verify.experiments.simulate import exactness_horizon
    from bilinear.verify.recover.snap import learned_weight_file
    if horizon_max == 0:
        return {"horizon": None, "searched": 0, "dtype": "float32", "reason": "not searched (--horizon-max 0)"}
    means = extra.get("element_states")
    if model.readout is None and means is not None and all(m is not None for m in means):
        G = model.group
        model = replace(model, readout=np.array(means), labels=tuple(G.names))
    try:
        wf = learned_weight_file(model)
        r = exactness_horizon(wf, dtype=torch.float32, max_length=horizon_max, seed=seed, start=start)
    except (InputError, MathematicalError, FloatingPointError, ValueError) as e:
        return {"horizon": None, "searched": 0, "dtype": "float32", "reason": f"not measured: {e}"}
    return {"horizon": r["horizon"], "searched": r["searched"], "dtype": "float32", "from_length": start}


def _snap_certified(model, extra) -> tuple[bool, str | None]:
    from bilinear.verify.recover.snap import snapped_matrices, snapped_weight_file
    from bilinear.verify.recover.snap_file import certify_verdict
    tw = extra.get("tw")
    if tw is None or not np.isfinite(tw.residual):
        return False, "no intertwiner with the exact construction"
    rho_o, W = snapped_matrices(tw.T, tw.reference)
    return certify_verdict(snapped_weight_file(model, extra["sub"], rho_o, W))


def _separation(model, extra: dict) -> dict:
    """The least distance between the mean unit states of two elements, and the first pair closer
    than :data:`SEPARATION_TOLERANCE` (None when every pair is apart)."""
    means = extra.get("element_states") or []
    idx = [g for g, m in enumerate(means) if m is not None]
    if len(idx) < 2:
        return {"min_distance": None, "pair": None}
    X = np.array([means[g] for g in idx])
    D = np.linalg.norm(X[:, None] - X[None], axis=-1) + np.diag(np.full(len(idx), np.inf))
    i, j = np.unravel_index(int(np.argmin(D)), D.shape)
    close = D[i, j] < SEPARATION_TOLERANCE
    names = model.group.names
    return {"min_distance": float(D[i, j]), "pair": [names[idx[min(i, j)]], names[idx[max(i, j)]]] if close else None}


def grade_result(model, out: dict, extra: dict, s) -> None:
    """Add ``grade``, ``reasons``, ``horizon``, ``snap_certified``, ``closest`` and ``verdict`` to ``out``."""
    resid = out["homomorphism_residual"]
    resid = np.inf if resid is None else resid
    mult_err = out["multiplicity_error"]
    mult_err = np.inf if mult_err is None else mult_err
    dec = extra["dec"]
    reasons: list[str] = []
    if out["singular_symbols"]:
        reasons.append(f"singular on symbols {', '.join(out['singular_symbols'])} "
                       f"(smallest/largest singular value on V below 1e-8)")
    if not out["burn_in_settled"]:
        reasons.append(f"transients did not die out within length {out['length']} (burn-in {out['burn_in']}); "
                       "a larger --length helps")
    whole = bool(np.all(dec.rounded >= 0) and dec.dimension_check == out["dimension"])
    near = (not out["singular_symbols"] and resid <= APPROXIMATE_TOLERANCE and mult_err <= APPROXIMATE_MULTIPLICITY
            and whole and all(x > 0 for x in out["scales"]))
    out["closest"] = {"constituents": "none (symbols singular on V)" if out["singular_symbols"] else _constituents_text(out),
                      "dimension": out["dimension"],
                      "homomorphism_residual": out["homomorphism_residual"], "multiplicity_error": out["multiplicity_error"]}
    horizon = _horizon(model, extra, s.horizon_max, s.seed, out["burn_in"]) if near or out["is_representation"] else \
        {"horizon": None, "searched": 0, "dtype": "float32", "reason": "not measured: not a representation"}
    out["horizon"] = horizon
    certified, why = _snap_certified(model, extra) if out["is_representation"] else (False, "not a representation")
    out["snap_certified"], out["snap_reason"] = certified, why
    if out["is_representation"]:
        exact = True
        if out["projective_spread"] > SPREAD_TOLERANCE:
            exact = False
            reasons.append(f"projective spread {out['projective_spread']:.3g} > {SPREAD_TOLERANCE}: the state is not a "
                           "function of the element alone")
        if not certified:
            exact = False
            reasons.append(f"the snapped model fails its certificate ({why})")
        if horizon["horizon"] is not None:
            exact = False
            reasons.append(f"the learned weights decode wrongly at length {horizon['horizon']} (float32)")
        grade = "exact" if exact else "approximate"
    elif near:
        grade = "approximate"
        if resid > out["representation_tolerance"]:
            reasons.append(f"relation residual {resid:.3g} > {out['representation_tolerance']}")
        if mult_err > 0.1:
            reasons.append(f"multiplicities {mult_err:.3g} from integers")
    else:
        grade = "not a representation"
        if not out["singular_symbols"]:
            if resid > APPROXIMATE_TOLERANCE:
                reasons.append(f"relation residual {resid:.3g} > {APPROXIMATE_TOLERANCE}")
            if mult_err > APPROXIMATE_MULTIPLICITY or not whole:
                reasons.append(f"multiplicities {mult_err:.3g} from non-negative integers summing to dim V")
    out["separation"] = _separation(model, extra)
    if grade != "not a representation" and out["separation"]["pair"] is not None:
        a, b = out["separation"]["pair"]
        reasons.append(f"elements {a} and {b} reach the same state: h0's orbit does not tell every element apart "
                       "(h0 is fixed by a subgroup)")
        if grade == "exact":
            grade = "approximate"
    out["constituents_faithful"] = bool(dec.faithful)
    if grade != "not a representation" and not dec.faithful:
        reasons.append("not faithful: the constituents' kernels meet beyond the identity, so the states do not tell "
                       "every element apart")
    out["grade"], out["reasons"] = grade, reasons
    out["verdict"] = grade != "not a representation"
