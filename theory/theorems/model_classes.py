"""Symbolic parametrisations of the levels of the hierarchy (docs/design.md §4), for the theorem checks.

Each level is a :class:`SymbolicLevel` of a level declared in :mod:`bilinear.theory.hierarchy.levels`
(whose declaration checks the sizes): ``params(sizes)`` returns fresh real sympy symbols in named arrays
(sympy matrices, or lists of them per symbol/block), and ``matrix(params, x, sizes)`` builds the
transition matrix A(x) for a vector ``x`` of D entries (symbolic, so the identities hold for every
input, one-hot or not, unless a statement says otherwise).  ``sizes`` is a dict with ``H`` (hidden
size in real dimensions), ``D`` (alphabet size) and ``B`` / ``R`` / ``N`` where the level needs them (the symbols its declaration gives its sizes).

The parametrisations (x = (x_0, ..., x_{D-1})):

====================  ==========================================================================
FULL(H)               A(x) = sum_k x_k W_k,  W_k in R^{HxH}
CP(H, R)              A(x) = U diag(V x) Z,  U in R^{HxR}, V in R^{RxD}, Z in R^{RxH}
BLOCK(H, B)           A(x) = blockdiag(sum_k x_k W^{(1)}_k, ..., sum_k x_k W^{(H/B)}_k), W^{(b)}_k in R^{BxB}
CDIAG(H), H even      A(x) = blockdiag([[a_j.x, -b_j.x], [b_j.x, a_j.x]])_{j < H/2}, a, b in R^{(H/2)xD}
ROT(H), H even        A(x) = sum_k x_k blockdiag(Rot(theta_{jk}))_j, Rot(t) = [[cos t, -sin t], [sin t, cos t]]
                      (each A(e_k) is a rotation in every 2x2 block: unit modulus)
RDIAG(H)              A(x) = diag(V x),  V in R^{HxD}
PDIAG(H)              A(x) = diag(sum_k exp(theta_{ik}) x_k),  theta in R^{HxD}
                      (each A(e_k) = diag(exp(theta_{:,k})) has positive entries; Mamba's (0,1)
                      entries are the sub-family theta < 0)
RDIAG1(H)             RDIAG with entries in (-1, 1]: V_{ik} = (b_{ik} - a_{ik}) / (a_{ik} + b_{ik}),
                      a >= 0, b > 0 (the normalised RDIAG of docs/design.md §14)
HOUSE(H, N)           A(x) = sum_k x_k prod_{j < N} (I - beta_{jk} u_{jk} u_{jk}^T), u_{jk} in R^H,
                      beta_{jk} real; the level's constraints |u_{jk}| = 1, beta_{jk} in [0, 2] are
                      checked on every mapped parameter
MONO(H)               A(x) = sum_k x_k P_k diag(d_{:,k}), d in R^{HxD}; the permutations P_k are
                      part of the sizes (``sizes["perms"]``, one tuple of images per symbol), so a
                      grid ranges over all of them
====================  ==========================================================================

Example::

    >>> import sympy
    >>> lv = LEVELS["RDIAG"]; sizes = {"H": 2, "D": 1}
    >>> p = lv.params(sizes); x = symbol_vector("x", 1)
    >>> lv.matrix(p, x, sizes)
    Matrix([
    [V_0_0*x_0,         0],
    [        0, V_1_0*x_0]])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy

from bilinear.theory.errors import InputError, expected
from bilinear.theory.hierarchy import levels as declared

__all__ = ["SymbolicLevel", "SymbolicEntries", "LEVELS", "symbol_vector", "symbol_matrix", "block_diagonal", "rotation", "hidden_size",
           "householder", "house_factors_product", "permutation_matrix", "rdiag1_entries"]


def symbol_vector(prefix: str, n: int, **assumptions) -> sympy.Matrix:
    """Column vector of ``n`` real symbols ``prefix_0 ... prefix_{n-1}``."""
    assumptions.setdefault("real", True)
    return sympy.Matrix(n, 1, lambda i, _j: sympy.Symbol(f"{prefix}_{i}", **assumptions))


def symbol_matrix(prefix: str, rows: int, cols: int, **assumptions) -> sympy.Matrix:
    """``rows x cols`` matrix of real symbols ``prefix_i_j``."""
    assumptions.setdefault("real", True)
    return sympy.Matrix(rows, cols, lambda i, j: sympy.Symbol(f"{prefix}_{i}_{j}", **assumptions))


def block_diagonal(blocks) -> sympy.Matrix:
    """Block-diagonal matrix of square sympy matrices (any sizes)."""
    blocks = list(blocks)
    n = sum(b.rows for b in blocks)
    out = sympy.zeros(n, n)
    o = 0
    for b in blocks:
        out[o:o + b.rows, o:o + b.cols] = b
        o += b.rows
    return out


def _lin(x: sympy.Matrix, mats) -> sympy.Matrix:
    """sum_k x_k M_k."""
    out = sympy.zeros(*mats[0].shape)
    for k, m in enumerate(mats):
        out += x[k] * m
    return out


def _need(sizes: dict, *keys: str) -> tuple[int, ...]:
    vals = []
    for k in keys:
        v = sizes.get(k)
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise expected(f"size {k}", "a positive integer", v)
        vals.append(v)
    return tuple(vals)


def _sizes(s: dict, level: str) -> tuple[int, ...]:
    """The sizes of the declared ``level`` read from ``s`` by their symbols (``H``, then ``B`` / ``R`` /
    ``N`` where the level takes one), then ``D``; checked by the level's declaration."""
    symbols = declared.LEVELS[level].symbols()
    values = _need(s, *symbols.values(), "D")
    declared.LEVELS[level].of(values[0], dict(zip(symbols, values)))
    return values


# ---------------------------------------------------------------- parameters and matrices per level
def _full_params(s):
    H, D = _sizes(s, "full")
    return {"W": [symbol_matrix(f"W{k}", H, H) for k in range(D)]}


def _full_matrix(p, x, s):
    return _lin(x, p["W"])


def _cp_params(s):
    H, R, D = _sizes(s, "cp")
    return {"U": symbol_matrix("U", H, R), "V": symbol_matrix("V", R, D), "Z": symbol_matrix("Z", R, H)}


def _cp_matrix(p, x, s):
    return p["U"] * sympy.diag(*(p["V"] * x)) * p["Z"]


def _block_params(s):
    H, B, D = _sizes(s, "block")
    return {"blocks": [[symbol_matrix(f"W{b}k{k}", B, B) for k in range(D)] for b in range(H // B)]}


def _block_matrix(p, x, s):
    return block_diagonal(_lin(x, blk) for blk in p["blocks"])


def _cdiag_params(s):
    H, D = _sizes(s, "cdiag")
    n = H // 2
    return {"a": symbol_matrix("a", n, D), "b": symbol_matrix("b", n, D)}


def _cdiag_matrix(p, x, s):
    a, b = p["a"] * x, p["b"] * x
    return block_diagonal(sympy.Matrix([[a[j], -b[j]], [b[j], a[j]]]) for j in range(a.rows))


def _rot_params(s):
    H, D = _sizes(s, "rot")
    return {"theta": symbol_matrix("theta", H // 2, D)}


def rotation(t) -> sympy.Matrix:
    """The 2x2 rotation ``[[cos t, -sin t], [sin t, cos t]]``."""
    return sympy.Matrix([[sympy.cos(t), -sympy.sin(t)], [sympy.sin(t), sympy.cos(t)]])


def _rot_matrix(p, x, s):
    th = p["theta"]
    return _lin(x, [block_diagonal(rotation(th[j, k]) for j in range(th.rows)) for k in range(th.cols)])


def _rdiag_params(s):
    H, D = _sizes(s, "rdiag")
    return {"V": symbol_matrix("V", H, D)}


def _rdiag_matrix(p, x, s):
    return sympy.diag(*(p["V"] * x))


def _pdiag_params(s):
    H, D = _sizes(s, "pdiag")
    return {"theta": symbol_matrix("theta", H, D)}


def _pdiag_matrix(p, x, s):
    return sympy.diag(*(p["theta"].applyfunc(sympy.exp) * x))


def _rdiag1_params(s):
    H, D = _sizes(s, "rdiag")
    return {"a": symbol_matrix("a", H, D, nonnegative=True), "b": symbol_matrix("b", H, D, positive=True)}


def rdiag1_entries(p) -> sympy.Matrix:
    """The entries ``V = (b - a) / (a + b)`` of an RDIAG1 model: every value in (-1, 1]."""
    a, b = p["a"], p["b"]
    return sympy.Matrix(a.rows, a.cols, lambda i, k: (b[i, k] - a[i, k]) / (a[i, k] + b[i, k]))


def _rdiag1_matrix(p, x, s):
    return sympy.diag(*(rdiag1_entries(p) * x))


def householder(beta, u: sympy.Matrix) -> sympy.Matrix:
    """The generalised Householder factor ``I - beta u u^T``."""
    return sympy.eye(u.rows) - beta * u * u.T


def _house_params(s):
    H, N, D = _sizes(s, "house")
    return {"u": [[symbol_vector(f"u{j}k{k}", H) for j in range(N)] for k in range(D)],
            "beta": symbol_matrix("beta", N, D)}


def house_factors_product(us, betas) -> sympy.Matrix:
    """``prod_j (I - beta_j u_j u_j^T)`` in the order ``j = 0, 1, ...`` (factor 0 leftmost)."""
    out = sympy.eye(us[0].rows)
    for u, beta in zip(us, betas):
        out = out * householder(beta, u)
    return out


def _house_matrix(p, x, s):
    N = s["N"]
    return _lin(x, [house_factors_product(p["u"][k], [p["beta"][j, k] for j in range(N)])
                    for k in range(len(p["u"]))])


def permutation_matrix(images) -> sympy.Matrix:
    """The matrix ``P`` with ``P e_i = e_{images[i]}``."""
    n = len(images)
    P = sympy.zeros(n, n)
    for i, j in enumerate(images):
        P[j, i] = 1
    return P


def _mono_perms(s):
    H, D = _sizes(s, "mono")
    perms = s.get("perms")
    if (not isinstance(perms, tuple) or len(perms) != D
            or any(sorted(p) != list(range(H)) for p in perms)):
        raise expected("size perms", f"{D} permutations of range({H})", perms)
    return perms


def _mono_params(s):
    H, D = _sizes(s, "mono")
    return {"P": [permutation_matrix(p) for p in _mono_perms(s)], "d": symbol_matrix("d", H, D)}


def _mono_matrix(p, x, s):
    return _lin(x, [P * sympy.diag(*p["d"][:, k]) for k, P in enumerate(p["P"])])


class _Symbolic:
    """A sympy expression as the ordered-field element the declared structures read: ``==`` decides
    ``expand`` then ``trigsimp`` of the difference is 0, ``> 0`` asks sympy's assumptions (True only
    when provable)."""

    def __init__(self, e):
        self.e = sympy.sympify(e)

    @staticmethod
    def _of(x):
        return x.e if isinstance(x, _Symbolic) else sympy.sympify(x)

    def __add__(self, other):
        return _Symbolic(self.e + self._of(other))

    def __sub__(self, other):
        return _Symbolic(self.e - self._of(other))

    def __mul__(self, other):
        return _Symbolic(self.e * self._of(other))

    def __neg__(self):
        return _Symbolic(-self.e)

    def __eq__(self, other):
        d = sympy.expand(self.e - self._of(other))
        return d == 0 or sympy.trigsimp(d) == 0

    __hash__ = None  # type: ignore[assignment]

    def __gt__(self, other):
        return (self.e - self._of(other)).is_positive is True


class SymbolicEntries:
    """:class:`~bilinear.theory.hierarchy.structure.Entries` of a sympy matrix (the structure of a level
    checked on its symbolic ``A(e_k)``).

    >>> from bilinear.theory.hierarchy.structure import ROTATION_PAIRS
    >>> ROTATION_PAIRS.violation(SymbolicEntries(rotation(sympy.Symbol("t", real=True)))) is None
    True
    """

    exact = True

    def __init__(self, M: sympy.Matrix):
        self.M, self.size = M, M.rows

    def support(self) -> list[tuple[int, int]]:
        return [(i, j) for i in range(self.M.rows) for j in range(self.M.cols) if self.M[i, j] != 0]

    def entry(self, i: int, j: int) -> _Symbolic:
        return _Symbolic(self.M[i, j])


@dataclass(frozen=True)
class SymbolicLevel:
    """The symbolic parametrisation of one declared level (:mod:`bilinear.theory.hierarchy.levels`):
    ``params(sizes)``, ``matrix(params, x, sizes)`` and the formula.  Its ``name`` is the level's in
    capitals (``variant`` appended: ``RDIAG1``) and its ``size_keys`` are the declared sizes' symbols
    followed by ``D``."""

    level: str
    params: Callable[[dict], dict]
    matrix: Callable[[dict, sympy.Matrix, dict], sympy.Matrix]
    parametrisation: str
    variant: str = ""

    @property
    def name(self) -> str:
        return self.level.upper() + self.variant

    @property
    def size_keys(self) -> tuple[str, ...]:
        return tuple(declared.LEVELS[self.level].symbols().values()) + ("D",)

    def __repr__(self) -> str:
        return f"SymbolicLevel({self.name})"


_PARAMETRISATIONS = (
    SymbolicLevel("full", _full_params, _full_matrix, "A(x) = sum_k x_k W_k"),
    SymbolicLevel("cp", _cp_params, _cp_matrix, "A(x) = U diag(V x) Z"),
    SymbolicLevel("block", _block_params, _block_matrix, "A(x) = blockdiag(sum_k x_k W^(b)_k), blocks B x B"),
    SymbolicLevel("cdiag", _cdiag_params, _cdiag_matrix, "A(x) = blockdiag([[a_j.x, -b_j.x], [b_j.x, a_j.x]])"),
    SymbolicLevel("rot", _rot_params, _rot_matrix, "A(x) = sum_k x_k blockdiag(Rot(theta_jk))"),
    SymbolicLevel("rdiag", _rdiag_params, _rdiag_matrix, "A(x) = diag(V x)"),
    SymbolicLevel("pdiag", _pdiag_params, _pdiag_matrix, "A(x) = diag(exp(theta) x)"),
    SymbolicLevel("rdiag", _rdiag1_params, _rdiag1_matrix,
                  "A(x) = diag(V x), V = (b - a)/(a + b) in (-1, 1], a >= 0, b > 0", variant="1"),
    SymbolicLevel("house", _house_params, _house_matrix,
                  "A(x) = sum_k x_k prod_j (I - beta_jk u_jk u_jk^T), |u_jk| = 1, beta_jk in [0, 2]"),
    SymbolicLevel("mono", _mono_params, _mono_matrix, "A(x) = sum_k x_k P_k diag(d_k), P_k permutation matrices"),
)
#: Name (``FULL``, ..., ``RDIAG1``, ``HOUSE``, ``MONO``) -> symbolic parametrisation of a declared level.
LEVELS = {lv.name: lv for lv in _PARAMETRISATIONS}
assert {lv.level for lv in _PARAMETRISATIONS} <= set(declared.LEVELS)


def hidden_size(level: str, sizes: dict) -> int:
    """The hidden size (real dimensions) of a level at ``sizes``: always ``sizes['H']``."""
    if level not in LEVELS:
        raise InputError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")
    return _need(sizes, declared.LEVELS[LEVELS[level].level].symbols()["hidden"])[0]
