"""Step 4 of docs/design.md §10: character, multiplicities of the real irreducibles, faithful, minimal.

The character ``χ(c)`` on each conjugacy class is the mean of ``tr ρ(g)`` over the class's elements
(a class function for a representation; the mean damps the noise of a trained one).  The
multiplicity of the real irreducible ``ψ`` (``bilinear.theory.representations.real_irreps.real_irreducibles``, characters
from the exact table ``bilinear.theory.characters.build.character_table``) is

    ``m_ψ = <χ, ψ> / <ψ, ψ>``,   ``<χ, ψ> = (1/|G|) Σ_c |c| χ(c) conj(ψ(c))``,

with ``<ψ, ψ> = 1, 2, 4`` for real, complex and quaternionic type (``ψ = χ_i``, ``χ_i + conj χ_i``,
``2 χ_i``).  ``multiplicity_error = max |m_ψ - round(m_ψ)|``; the constituents are the ``ψ`` with
``round(m_ψ) > 0``.  *Faithful*: the kernels of the constituents meet in ``{e}``
(``bilinear.theory.representations.real_irreps.is_faithful``).  *Minimal*: faithful and ``dim V`` equal to the smallest
faithful real dimension of ``bilinear.theory.hierarchy.placement`` (what ``bilinear analyze`` reports).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bilinear.theory.characters.build import character_table
from bilinear.theory.hierarchy.placement import hierarchy_level
from bilinear.theory.representations.real_irreps import is_faithful, real_irreducibles

__all__ = ["Decomposition", "decompose", "MULTIPLICITY_TOLERANCE", "real_characters"]

#: ``is_representation`` needs multiplicities within this distance of integers.
MULTIPLICITY_TOLERANCE = 0.1


@dataclass(frozen=True, eq=False)
class Decomposition:
    """``character`` (one float per class), ``multiplicities`` (float per real irreducible),
    ``rounded`` (ints), ``multiplicity_error``, ``constituents`` (JSON-ready list), ``faithful``,
    ``minimal``, ``min_faithful_dim`` (the group's smallest faithful real dimension)."""

    character: np.ndarray
    multiplicities: np.ndarray
    rounded: np.ndarray
    multiplicity_error: float
    constituents: list
    faithful: bool
    minimal: bool
    min_faithful_dim: int
    dimension_check: int


def real_characters(G) -> np.ndarray:
    """Values ``(num real irreducibles, num classes)`` of the real irreducible characters (floats)."""
    T = character_table(G)
    rows = []
    for ir in real_irreducibles(T):
        vals = sum(T.row_complex(i) for i in ir.constituents)
        rows.append(np.real(2 * vals if ir.type == "quaternionic" else vals))
    return np.array(rows)


def decompose(G, rho: np.ndarray) -> Decomposition:
    """Decompose the representation ``rho`` (``(|G|, d, d)``, one matrix per element)."""
    T = character_table(G)
    irr = real_irreducibles(T)
    traces = np.trace(rho, axis1=1, axis2=2)
    sizes = np.asarray(G.class_sizes, dtype=np.float64)
    chi = np.zeros(G.num_classes)
    np.add.at(chi, G.class_of, traces)
    chi /= sizes
    psi = real_characters(G)
    norms = np.array([{"real": 1, "complex": 2, "quaternionic": 4}[ir.type] for ir in irr], dtype=np.float64)
    mult = (psi * (sizes * chi)[None, :]).sum(axis=1) / G.order / norms
    rounded = np.rint(mult).astype(np.int64)
    err = float(np.max(np.abs(mult - rounded))) if np.all(np.isfinite(mult)) else float("inf")
    cons = []
    used = []
    for ir, m, mf in zip(irr, rounded, mult):
        if m > 0:
            used.append(ir.index)
            cons.append({"real_irreducible": ir.index, "degree": ir.degree, "indicator": ir.indicator,
                         "type": ir.type, "real_dimension": ir.real_dim, "multiplicity": int(m),
                         "multiplicity_float": float(mf), "character": [float(x) for x in psi[ir.index]]})
    faithful = bool(used) and is_faithful(G, used) if G.order > 1 else True
    dim = rho.shape[1]
    mfd = hierarchy_level(G).min_faithful_dim_real
    check = int(sum(int(m) * ir.real_dim for ir, m in zip(irr, rounded) if m > 0))
    return Decomposition(chi, mult, rounded, err, cons, bool(faithful), bool(faithful and dim == mfd), int(mfd), check)
