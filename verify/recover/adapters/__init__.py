"""Adapters: the models the field trains, read as per-token transitions (docs/design.md §10).

One module per source, each with the source's formula and conventions in its docstring:
:mod:`.fla` (flash-linear-attention DeltaNet, Gated DeltaNet, Gated DeltaProduct), :mod:`.fla_mamba3`
(fla's own ``Mamba3`` layer), :mod:`.pdssm` (PD-SSM, its PyTorch and JAX conventions), :mod:`.mamba3`
(Mamba-3's rotations and decay given as angles),
:mod:`.householder` (factors ``(k, β)`` given directly) and :mod:`.generic` (arrays ``A``, complex or
real, any layout, row vectors, additive terms).  Every adapter returns a
:class:`~.transitions.Transitions`; :func:`read_foreign` picks the adapter from a file's keys.
"""

from __future__ import annotations

from bilinear.theory.errors import InputError

from bilinear.verify.recover.adapters.fla import fla_from_file_dict, is_fla_dict
from bilinear.verify.recover.adapters.fla_mamba3 import fla_mamba3_from_file_dict, is_fla_mamba3_dict
from bilinear.verify.recover.adapters.generic import from_arrays
from bilinear.verify.recover.adapters.mamba3 import is_mamba3_dict, mamba3_transitions
from bilinear.verify.recover.adapters.pdssm import is_pdssm_dict, pdssm_transitions
from bilinear.verify.recover.adapters.transitions import LinearModel, Transitions

__all__ = ["read_foreign", "Transitions", "LinearModel", "ForeignOptions"]


class ForeignOptions:
    """How to read a foreign file: ``layout`` (``D,H,H``/``H,H,D``), ``head``, ``row_vectors``,
    ``column`` (fla: one value column), ``seed`` (of a missing ``h0``)."""

    def __init__(self, layout: str | None = None, head: int | None = None, row_vectors: bool = False,
                 column: int | None = None, seed: int = 0):
        self.layout, self.head, self.row_vectors, self.column, self.seed = layout, head, row_vectors, column, seed

    def used(self) -> list[str]:
        return [f for f, v in (("--layout", self.layout), ("--head", self.head), ("--value-column", self.column))
                if v is not None] + (["--row-vectors"] if self.row_vectors else [])


def _refuse(opts: ForeignOptions, allowed: tuple[str, ...], what: str) -> None:
    bad = [f for f in opts.used() if f not in allowed]
    if bad:
        raise InputError(f"{bad[0]}: does not apply to {what}")


def read_foreign(data: dict, where: str, opts: ForeignOptions | None = None) -> Transitions:
    """The :class:`Transitions` of a foreign file's dict: an fla layer or model (fla's Mamba3 too), a PD-SSM block,
    Mamba-3 rotations and decay (``dt``, ``theta``, ``a``), or arrays (``A`` or ``k``/``beta``,
    optional ``b``, ``h0``)."""
    opts = opts or ForeignOptions()
    if is_fla_mamba3_dict(data):
        _refuse(opts, ("--head", "--value-column"), f"{where} (an fla Mamba3 layer)")
        return fla_mamba3_from_file_dict(data, where, head=opts.head, column=opts.column, seed=opts.seed)
    if is_fla_dict(data):
        _refuse(opts, ("--head", "--value-column"), f"{where} (an fla layer)")
        return fla_from_file_dict(data, where, head=opts.head, column=opts.column)
    if is_pdssm_dict(data):
        _refuse(opts, (), f"{where} (a PD-SSM block)")
        return pdssm_transitions(data, where)
    if is_mamba3_dict(data):
        _refuse(opts, (), f"{where} (Mamba-3 rotations and decay)")
        return mamba3_transitions(data["dt"], data["theta"], data.get("a", 0.0), int(data.get("plain", 0)),
                                  data.get("h0"), where)
    _refuse(opts, ("--layout", "--head", "--row-vectors"), f"{where} (arrays)")
    return from_arrays(data, where, layout=opts.layout, head=opts.head, row_vectors=opts.row_vectors, seed=opts.seed)
