"""The common output of every adapter: per-symbol transitions, an optional additive term, and what was assumed.

A source model is read as ``h_t = A(x_t) h_{t-1} + b(x_t)`` with column vectors, one matrix per
symbol.  :class:`Transitions` holds ``A`` (``D x H x H``, real or complex), ``b`` (``D x H`` or None),
``h0`` (``H``, or None when the source has no initial state), and the notes an adapter makes about
its source (conventions, limits of the parameterisation).  :meth:`Transitions.linear` turns it into
the real linear model that recovery reads:

* complex ``A`` (``H`` complex coordinates) becomes real ``2H x 2H``: ``[[Re A, -Im A], [Im A, Re A]]``
  acting on ``[Re h; Im h]`` (the realification; a complex representation of dimension ``n`` is a real
  one of dimension ``2n``);
* an additive term ``b`` becomes the *affine lift* ``[[A, b], [0, 1]]`` acting on ``[h; 1]`` (exact: the
  lifted model reaches ``[h_t; 1]``), so a group acting by affine maps is a linear representation
  of dimension ``H + 1`` whose trivial summand is the constant coordinate.

>>> import numpy as np
>>> t = Transitions(A=np.array([[[1j]]]), b=np.array([[1.0 + 0j]]), h0=np.array([0j]), h0_note="zero")
>>> m = t.linear()
>>> m.A[0]
array([[ 0., -1.,  1.],
       [ 1.,  0.,  0.],
       [ 0.,  0.,  1.]])
>>> m.h0, m.notes
(array([0., 0., 1.]), ['complex transitions realified: H = 1 complex -> 2 real coordinates [Re h; Im h]', 'additive term b: affine lift [[A, b], [0, 1]] on [h; 1] (H = 3)'])
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bilinear.theory.errors import InputError, expected, shown

__all__ = ["Transitions", "LinearModel", "realify_matrices", "realify_vectors"]


def realify_matrices(A: np.ndarray) -> np.ndarray:
    """``(..., n, n)`` complex -> ``(..., 2n, 2n)`` real: ``[[Re, -Im], [Im, Re]]``."""
    re, im = A.real, A.imag
    return np.concatenate([np.concatenate([re, -im], axis=-1), np.concatenate([im, re], axis=-1)], axis=-2)


def realify_vectors(v: np.ndarray) -> np.ndarray:
    """``(..., n)`` complex -> ``(..., 2n)`` real ``[Re; Im]``."""
    return np.concatenate([v.real, v.imag], axis=-1)


@dataclass(frozen=True, eq=False)
class LinearModel:
    """The real linear model recovery reads: ``A`` (D, H, H) float64, ``h0`` (H,) or None, ``notes``,
    ``lifted`` (whether the last coordinate is the constant of an affine lift)."""

    A: np.ndarray
    h0: np.ndarray | None
    notes: list
    lifted: bool = False


@dataclass(frozen=True, eq=False)
class Transitions:
    """``A`` (D, H, H) real or complex, ``b`` (D, H) or None, ``h0`` (H,) or None, ``h0_note`` (what
    ``h0`` is and where it came from), ``notes`` (conventions and limits, in the adapter's words),
    ``where`` (the file, for messages)."""

    A: np.ndarray
    b: np.ndarray | None = None
    h0: np.ndarray | None = None
    h0_note: str = ""
    notes: list = field(default_factory=list)
    where: str = "A"

    def __post_init__(self):
        A = np.asarray(self.A)
        if A.ndim != 3 or A.shape[1] != A.shape[2] or A.shape[0] < 1 or A.shape[1] < 1:
            raise expected(f"{self.where}: A", "shape (D, H, H) with D, H >= 1", shown(f"shape {A.shape}"))
        if A.dtype.kind not in "fiuc":
            raise expected(f"{self.where}: A", "a real or complex numeric array", shown(str(A.dtype)))
        object.__setattr__(self, "A", A)
        D, H = A.shape[0], A.shape[1]
        if self.b is not None:
            b = np.asarray(self.b)
            if b.shape != (D, H) or b.dtype.kind not in "fiuc":
                raise expected(f"{self.where}: b", f"a numeric array of shape ({D}, {H}) (one additive term per symbol)",
                               shown(f"{b.dtype} {b.shape}"))
            object.__setattr__(self, "b", b)
        if self.h0 is not None:
            h0 = np.asarray(self.h0)
            if h0.shape != (H,) or h0.dtype.kind not in "fiuc":
                raise expected(f"{self.where}: h0", f"a numeric array of shape ({H},)", shown(f"{h0.dtype} {h0.shape}"))
            object.__setattr__(self, "h0", h0)
        for name, x in (("A", A), ("b", self.b), ("h0", self.h0)):
            if x is not None and not np.all(np.isfinite(x)):
                raise InputError(f"{self.where}: {name}: contains non-finite values (NaN or inf)")

    def linear(self) -> LinearModel:
        """The real linear model (module docstring): realified when complex, lifted when affine."""
        A, b, h0 = self.A, self.b, self.h0
        notes = list(self.notes)
        is_complex = any(x is not None and np.iscomplexobj(x) for x in (A, b, h0))
        if is_complex:
            H = A.shape[1]
            A = realify_matrices(A.astype(np.complex128))
            b = None if b is None else realify_vectors(b.astype(np.complex128))
            h0 = None if h0 is None else realify_vectors(h0.astype(np.complex128))
            notes.append(f"complex transitions realified: H = {H} complex -> {2 * H} real coordinates [Re h; Im h]")
        A = np.asarray(A, dtype=np.float64)
        lifted = b is not None
        if lifted:
            D, H = A.shape[0], A.shape[1]
            L = np.zeros((D, H + 1, H + 1))
            L[:, :H, :H] = A
            L[:, :H, H] = b
            L[:, H, H] = 1.0
            A = L
            h0 = None if h0 is None else np.concatenate([np.asarray(h0, dtype=np.float64), [1.0]])
            notes.append(f"additive term b: affine lift [[A, b], [0, 1]] on [h; 1] (H = {H + 1})")
        return LinearModel(A, None if h0 is None else np.asarray(h0, dtype=np.float64), notes, lifted)
