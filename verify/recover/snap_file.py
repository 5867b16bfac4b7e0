"""Writing the snap of docs/design.md §10 step 7 and measuring it: certificate and exactness horizons."""

from __future__ import annotations

import numpy as np
import torch

from bilinear.constructions.certificate import certify_weights
from bilinear.constructions.weightfile import save_weights
from bilinear.theory.errors import InputError, MathematicalError

from bilinear.verify.recover.snap import learned_weight_file, snapped_matrices, snapped_weight_file

__all__ = ["snap_to_file", "certify_verdict"]


def certify_verdict(wf) -> tuple[bool, str | None]:
    """``(certified, reason)`` of a weight file's certificate (the reason when it fails)."""
    try:
        certify_weights(wf)
        return True, None
    except MathematicalError as e:
        return False, str(e)


def snap_to_file(model, result: dict, extra: dict, path: str, horizon_max: int = 10_000, seed: int = 0) -> dict:
    """Write the snapped weight file to ``path``; add ``result["snap"]`` (certificate of the learned
    and the snapped file, float32 horizons).  Only for a representation (else InputError).

    Two horizons of each file, from the fraction of 64 random words decoded wrongly after every step
    up to ``horizon_max`` (:func:`bilinear.verify.experiments.simulate.decoding_errors`): the exactness
    horizon ``horizon_*`` (the first step with an error; None = none) and the accuracy horizon
    ``accuracy_horizon_*`` (:func:`bilinear.verify.experiments.evaluate.horizon` on every length: the
    longest length up to which the accuracy is at least 0.95 at every step)."""
    from bilinear.verify.experiments.evaluate import horizon
    from bilinear.verify.experiments.simulate import decoding_errors
    if model.group is None:
        raise InputError(f"--snap: {model.path} is an automaton model; snapping applies to group representations")
    if "tw" not in extra or result["intertwiner"]["residual"] is None:
        result["snap"] = {"file": None, "certified": False, "reason": "not a representation: nothing to snap"}
        return result["snap"]
    tw = extra["tw"]
    rho_o, W = snapped_matrices(tw.T, tw.reference)
    snapped = snapped_weight_file(model, extra["sub"], rho_o, W)
    learned = learned_weight_file(model)
    ok, reason = certify_verdict(snapped)
    ok_before, reason_before = certify_verdict(learned)
    errors = [decoding_errors(wf, dtype=torch.float32, length=horizon_max, seed=seed) for wf in (learned, snapped)]
    first = [int(np.flatnonzero(e)[0]) + 1 if e.any() else None for e in errors]
    reach = [horizon({L: 1.0 - float(e[L - 1]) for L in range(1, horizon_max + 1)}) for e in errors]
    save_weights(path, snapped)
    result["snap"] = {"file": path, "certified": ok, "reason": reason, "certified_before": ok_before,
                      "reason_before": reason_before, "metric_condition": snapped.meta["info"]["metric_condition"],
                      "horizon_before": first[0], "horizon_after": first[1],
                      "accuracy_horizon_before": reach[0], "accuracy_horizon_after": reach[1],
                      "horizon_searched": horizon_max, "horizon_dtype": "float32"}
    return result["snap"]
