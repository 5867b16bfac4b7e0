"""Writing the snap of docs/design.md §10 step 7 and measuring it: certificate and exactness horizons."""

from __future__ import annotations

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
    and the snapped file, float32 horizons).  Only for a representation (else InputError)."""
    from bilinear.verify.experiments.simulate import exactness_horizon
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
    hb = exactness_horizon(learned, dtype=torch.float32, max_length=horizon_max, seed=seed)
    ha = exactness_horizon(snapped, dtype=torch.float32, max_length=horizon_max, seed=seed)
    save_weights(path, snapped)
    result["snap"] = {"file": path, "certified": ok, "reason": reason, "certified_before": ok_before,
                      "reason_before": reason_before, "metric_condition": snapped.meta["info"]["metric_condition"],
                      "horizon_before": hb["horizon"], "horizon_after": ha["horizon"],
                      "horizon_searched": horizon_max, "horizon_dtype": "float32"}
    return result["snap"]
