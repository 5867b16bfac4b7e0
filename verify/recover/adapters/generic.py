"""The generic path: transition arrays in a file, in any of the common conventions.

Keys (an ``.npz``, or a ``.pt`` dict of tensors/arrays):

* ``A``: one matrix per symbol, real or complex.  Layout ``D,H,H`` (``A[x]`` is the matrix of symbol
  ``x``; the toolkit's and most codebases' order) or ``H,H,D`` (``A[:, :, x]``; the toolkit's dense
  ``W``).  The layout is read off the shape when ``D != H``; when ``D == H`` it is ambiguous and
  ``layout`` must be given (the wrong one gives a wrong answer without any error).  A fourth,
  leading axis (heads or layers) is selected by ``head``.
* ``b`` (``D x H``) optional: an additive input term, ``h_t = A(x_t) h_{t-1} + b(x_t)``; read by the
  affine lift (:mod:`.transitions`).
* ``k``, ``beta`` (and ``g``) instead of ``A``: Householder factors (:mod:`.householder`).
* ``h0`` optional.  When absent it is *not* silently a basis vector (a basis vector may lie in an
  invariant subspace that misses part of the model): an affine model starts from the zero state
  (``[0; 1]`` lifted), a linear one from a seeded random unit vector, which reaches every invariant
  subspace its words can reach (generic); the choice is recorded in ``h0_note``.

``row_vectors``: the model computes ``h_t = h_{t-1} A(x_t) (+ b)`` (e.g. ``h @ A`` in torch); the
column-vector model is then ``A(x)^T``.  Recovery also detects this by itself (the anti-homomorphism
test of :mod:`bilinear.verify.recover.pipeline`).

>>> import numpy as np
>>> t = from_arrays({"A": np.zeros((3, 3, 2))}, "f.npz")
>>> t.A.shape, t.notes[0]
((2, 3, 3), 'layout H,H,D (read off the shape: D = 2, H = 3)')
>>> from_arrays({"A": np.zeros((3, 3, 3))}, "f.npz")
Traceback (most recent call last):
...
bilinear.theory.errors.InputError: --layout: expected D,H,H or H,H,D for f.npz, whose A has shape (3, 3, 3) (D = H: ambiguous), got nothing
"""

from __future__ import annotations

import numpy as np

from bilinear.constructions.weightfile import transitions_of
from bilinear.theory.errors import InputError, expected, shown

from bilinear.verify.recover.adapters.householder import householder_transitions, limits
from bilinear.verify.recover.adapters.transitions import Transitions

__all__ = ["from_arrays", "LAYOUTS", "random_h0"]

LAYOUTS = ("D,H,H", "H,H,D")


def random_h0(H: int, seed: int, complex_: bool = False) -> np.ndarray:
    """The seeded random unit vector used when a linear model has no ``h0`` (module docstring)."""
    rng = np.random.default_rng([seed, 0xB0])
    v = rng.standard_normal(H) + (1j * rng.standard_normal(H) if complex_ else 0)
    return v / np.linalg.norm(v)


def _numeric(x, name: str, where: str) -> np.ndarray:
    a = np.asarray(x.detach().cpu().numpy() if hasattr(x, "detach") else x)
    if a.dtype.kind not in "fiuc":
        raise expected(f"{where}: {name}", "a float array (real or complex)", shown(f"{a.dtype} {a.shape}"))
    if not np.all(np.isfinite(a)):
        raise InputError(f"{where}: {name}: contains non-finite values (NaN or inf)")
    return a


def _select_head(a: np.ndarray, name: str, head: int | None, ndim: int, where: str) -> np.ndarray:
    if a.ndim == ndim + 1:
        if head is None:
            raise expected("--head", f"the head (or layer) of {where}'s {name}, whose shape {a.shape} has a leading "
                                     f"axis of {a.shape[0]}", shown("nothing"))
        if not 0 <= head < a.shape[0]:
            raise expected("--head", f"an integer in [0, {a.shape[0] - 1}]", head)
        return a[head]
    if head is not None and name == "A":
        raise expected("--head", f"a file whose {name} has a head axis ({ndim + 1} dimensions)", shown(f"shape {a.shape}"))
    return a


def _oriented(A: np.ndarray, layout: str | None, where: str) -> tuple[np.ndarray, str]:
    if A.ndim != 3:
        raise expected(f"{where}: A", "shape (D, H, H) or (H, H, D) (with --head: one more leading axis)",
                       shown(f"shape {A.shape}"))
    fits = [lay for lay, ok in (("D,H,H", A.shape[1] == A.shape[2]), ("H,H,D", A.shape[0] == A.shape[1])) if ok]
    if layout is not None:
        if layout not in LAYOUTS:
            raise expected("--layout", "D,H,H or H,H,D", layout)
        if layout not in fits:
            raise expected("--layout", f"a layout that fits {where}'s A of shape {A.shape}", layout)
        how = "given"
    elif not fits:
        raise expected(f"{where}: A", "shape (D, H, H) or (H, H, D)", shown(f"shape {A.shape}"))
    elif len(fits) == 2:
        raise expected("--layout", f"D,H,H or H,H,D for {where}, whose A has shape {A.shape} (D = H: ambiguous)",
                       shown("nothing"))
    else:
        layout, how = fits[0], "read off the shape"
    A = A if layout == "D,H,H" else transitions_of(A)          # the toolkit's own H,H,D layout
    return A, f"layout {layout} ({how}: D = {A.shape[0]}, H = {A.shape[1]})"


def from_arrays(data: dict, where: str, layout: str | None = None, head: int | None = None,
                row_vectors: bool = False, seed: int = 0) -> Transitions:
    """:class:`Transitions` from a dict of arrays (module docstring)."""
    notes: list[str] = []
    if "A" in data and ("k" in data or "beta" in data):
        raise expected(where, "either A or Householder factors (k, beta)", shown("both"))
    if "A" in data:
        A, note = _oriented(_select_head(_numeric(data["A"], "A", where), "A", head, 3, where), layout, where)
        notes.append(note)
    elif "k" in data and "beta" in data:
        if layout is not None:
            raise expected("--layout", "a file with A (Householder factors have one layout: k (D, n_h, H))", layout)
        if head is not None:
            raise expected("--head", "a file with A (Householder factors are read for one head: k (D, n_h, H))", head)
        k, beta = _numeric(data["k"], "k", where), _numeric(data["beta"], "beta", where)
        g = None if data.get("g") is None else _numeric(data["g"], "g", where)
        if np.iscomplexobj(k) or np.iscomplexobj(beta):
            raise expected(f"{where}: k, beta", "real arrays", "complex")
        A = householder_transitions(k, beta, g, where)
        nb = np.asarray(beta).reshape(A.shape[0], -1)
        notes.append(f"Householder factors: A = e^g (I - b_(n-1) k k^T)...(I - b_0 k k^T), n_h = {nb.shape[1]}, "
                     f"beta in [{float(nb.min()):.3g}, {float(nb.max()):.3g}]")
        notes.extend(limits(nb))
    else:
        raise InputError(f"{where}: expected an array A (D x H x H) or Householder factors k and beta")
    b = None if data.get("b") is None else _select_head(_numeric(data["b"], "b", where), "b", head, 2, where)
    h0 = None if data.get("h0") is None else _select_head(_numeric(data["h0"], "h0", where), "h0", head, 1, where)
    if row_vectors:
        A = np.swapaxes(A, 1, 2)
        notes.append("row vectors (h <- h A + b): the column-vector model is A^T")
    H = A.shape[1]
    if b is not None and b.shape != (A.shape[0], H):
        raise expected(f"{where}: b", f"shape ({A.shape[0]}, {H}) (one additive term per symbol)", shown(f"shape {b.shape}"))
    if h0 is not None:
        note = "h0 from the file"
    elif b is not None:
        h0, note = np.zeros(H, dtype=A.dtype), "h0 not in the file: the zero state (affine model)"
    else:
        h0 = random_h0(H, seed, np.iscomplexobj(A))
        note = f"h0 not in the file: a seeded random unit vector (seed {seed}; generic, not a basis vector)"
    return Transitions(A=A, b=b, h0=h0, h0_note=note, notes=notes, where=where)
