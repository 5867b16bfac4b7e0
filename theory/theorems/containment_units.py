r"""The unit maps of the containments and their fixed-size identities (docs/design.md §5).

Every containment map of :mod:`bilinear.theory.theorems.containments` is the blockwise extension of a
*unit map*: the global map applies it to every unit (one diagonal entry, one 2x2 block, one B x B block,
one symbol's matrix) and places the images block by block.  A :class:`Reduction` holds the unit map, the
unit identity ``a'(x_k) e = e a(x_k)`` it must satisfy (symbolic entries, one symbolic input coordinate
``x_k``; a ``MatrixSymbol`` of symbolic size where the unit is a whole block), the lemmas of
:mod:`bilinear.theory.theorems.reduction` that carry it to every ``H`` and ``D`` and to the scores, and —
when the reduction does not cover the whole statement — what remains checked.  The two CP maps are not
block by block in their rank index: their identity is stated entrywise with symbolic ``H``, ``B``, ``D``
and symbolic indices (sums of Kronecker deltas that sympy evaluates), and the global maps evaluate the
same index formulas at integers.

:func:`prove_reduction` proves the unit identity (and the unit's constraints) for a given unit map, so a
test can pass a broken one (a sign flipped, a block transposed) and see the proof fail.

Example::

    >>> prove_reduction(REDUCTIONS["cdiag_in_block2"])["unit_identity"]
    ["x a'(a, b) - x [[a, -b], [b, a]] = 0"]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import sympy
from sympy import Identity, KroneckerDelta, MatrixSymbol

from bilinear.theory.errors import MathematicalError
from bilinear.theory.theorems.reduction import LEMMAS, check_lemmas, size_symbols, zero_or_raise

__all__ = ["Reduction", "REDUCTIONS", "prove_reduction", "cp_of_block", "cp_of_full", "WHERE"]

WHERE = "bilinear.theory.theorems.containment_units.prove_reduction"

_x = sympy.Symbol("x_k", real=True)


# ----------------------------------------------------------------------------------- the unit maps
def _entry_exp(theta):
    return sympy.exp(theta)


def _entry_block(v):
    return sympy.Matrix([[v]])


def _real_as_complex(v):
    return v, sympy.Integer(0)


def _angle_as_complex(theta):
    return sympy.cos(theta), sympy.sin(theta)


def _complex_block(a, b):
    return sympy.Matrix([[a, -b], [b, a]])


def _same_block(W):
    return W


def _entry_cp_identity(v):
    return sympy.Integer(1), v, sympy.Integer(1)


def _entry_house(v):
    return sympy.together(1 - v)


def _pad_beta():
    return sympy.Integer(0)


def _entry_mono(v):
    return sympy.Integer(1), v


def cp_of_block(i, p, q, j, k, W):
    """The CP(B, B^2) terms of one B x B block, one per entry (p, q): ``U[i, (p, q)] = [i = p]``,
    ``V[(p, q), k] = W_k[p, q]``, ``Z[(p, q), j] = [q = j]`` (``W(p, q, k)`` reads the block)."""
    return KroneckerDelta(i, p), W(p, q, k), KroneckerDelta(q, j)


def cp_of_full(small_rank: bool, a, r1, r2, b, k, W):
    """The terms of FULL(H) in CP(H, min(H^2, HD)).  ``small_rank`` (H <= D): one term per entry
    ``r = (i, j)``: ``U[a, r] = [a = i]``, ``V[r, k] = W_k[i, j]``, ``Z[r, b] = [j = b]``; otherwise one
    per (row, symbol) ``r = (i, s)``: ``U[a, r] = [a = i]``, ``V[r, k] = [s = k]``, ``Z[r, b] = W_s[i, b]``."""
    if small_rank:
        return KroneckerDelta(a, r1), W(r1, r2, k), KroneckerDelta(r2, b)
    return KroneckerDelta(a, r1), KroneckerDelta(r2, k), W(r1, b, r2)


# ------------------------------------------------------------------------------------ the reduction
@dataclass(frozen=True)
class Reduction:
    """How one containment reduces to a fixed-size identity and the lemmas.

    ``residues(unit_map)`` returns named conditions ``(label, kind, expr)`` with kind ``"zero"`` (``expr``
    is identically 0), ``"nonnegative"`` or ``"positive"`` (sympy's assumptions decide); ``remains`` is
    ``None`` when the reduction proves the whole statement, else what is not proved for every size.
    """

    unit: str
    identity: str
    latex: str
    unit_map: Callable
    residues: Callable[[Callable], list[tuple[str, str, Any]]]
    lemmas: tuple[str, ...]
    assembly: str
    code: str
    remains: str | None = None

    def __post_init__(self):
        unknown = set(self.lemmas) - set(LEMMAS)
        if unknown:
            raise ValueError(f"reduction cites unknown lemmas {sorted(unknown)}")


def prove_reduction(red: Reduction, unit_map: Callable | None = None) -> dict:
    """Prove the lemmas (once) and the unit identity of ``red`` for ``unit_map`` (default: its own);
    raise :class:`MathematicalError` naming the first condition sympy cannot prove."""
    lemmas = check_lemmas()
    done = []
    for label, kind, expr in red.residues(red.unit_map if unit_map is None else unit_map):
        if kind == "zero":
            zero_or_raise(expr, f"unit identity {label!r}")
        elif kind in ("positive", "nonnegative"):
            if getattr(sympy.expand(sympy.sympify(expr)), f"is_{kind}") is not True:
                raise MathematicalError(f"unit constraint {label!r}: {expr} is not provably {kind}")
        else:
            raise ValueError(f"unknown residue kind {kind!r}")
        done.append(label)
    return {"lemmas": [n for n in red.lemmas if n in lemmas], "unit_identity": done}


def _real(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, real=True)


def _res_pdiag(f):
    th = _real("theta")
    return [("x V(theta) - x exp(theta) = 0", "zero", _x * f(th) - _x * sympy.exp(th)),
            ("the source entry exp(theta) > 0", "positive", sympy.exp(th))]


def _res_rdiag_block(f):
    v = _real("v")
    return [("x W(v) - x [v] = 0", "zero", _x * f(v) - sympy.Matrix([[_x * v]]))]


def _res_rdiag_cdiag(f):
    v = _real("v")
    a, b = f(v)
    e = sympy.Matrix([1, 0])
    return [("[[x a, -x b], [x b, x a]] e - e (x v) = 0, e = (1, 0)", "zero",
             _x * _complex_block(a, b) * e - e * (_x * v)),
            ("e^T e = 1", "zero", (e.T * e)[0, 0] - 1)]


def _res_rot(f):
    th = _real("theta")
    a, b = f(th)
    rot = sympy.Matrix([[sympy.cos(th), -sympy.sin(th)], [sympy.sin(th), sympy.cos(th)]])
    return [("x [[a, -b], [b, a]] - x Rot(theta) = 0", "zero", _x * _complex_block(a, b) - _x * rot),
            ("the source block is a rotation: cos^2 + sin^2 = 1", "zero",
             sympy.cos(th) ** 2 + sympy.sin(th) ** 2 - 1)]


def _res_cdiag_block(f):
    a, b = _real("a"), _real("b")
    return [("x a'(a, b) - x [[a, -b], [b, a]] = 0", "zero", _x * f(a, b) - _x * _complex_block(a, b))]


def _res_same_block(f):
    (n,) = size_symbols("B")
    W = MatrixSymbol("W", n, n)
    return [("x W'(W) - x W = 0 (W of symbolic size B)", "zero", _x * f(W) - _x * W)]


def _res_same_matrix(f):
    (n,) = size_symbols("H")
    M = MatrixSymbol("A_k", n, n)
    return [("x W(A(e_k)) - x A(e_k) = 0 (A(e_k) of symbolic size H)", "zero", _x * f(M) - _x * M)]


def _index(names: str) -> tuple[sympy.Symbol, ...]:
    return tuple(sympy.symbols(names, integer=True, nonnegative=True, seq=True))


def _in_range(expr):
    """``expr`` with every condition ``v <= hi`` / ``v >= lo`` on a summation variable ``v`` of a sum over
    ``lo <= v <= hi`` replaced by True inside that sum (what the range of the sum states)."""
    def fix(s):
        f = s.function
        for v, lo, hi in s.limits:
            f = f.subs({sympy.Le(v, hi): True, sympy.Ge(v, lo): True, sympy.Ge(hi, v): True, sympy.Le(lo, v): True})
        return sympy.Sum(_in_range(f), *s.limits)
    return expr.replace(lambda e: isinstance(e, sympy.Sum), fix)


def _resolve(expr, size, indices):
    """``expr`` under the hypotheses ``0 <= i <= size - 1`` for every ``i`` in ``indices`` (the entry is
    inside the matrix): a condition ``g >= 0`` (``g > 0``: ``g - 1 >= 0``, integers) is replaced by True
    when sympy proves ``g`` or ``g - (size - 1 - i)`` non-negative for some index ``i``; every other
    condition stays, so the residue is 0 only if it is 0 for every size and every index in range."""
    def implied(rel) -> bool:
        g = rel.gts - rel.lts - (1 if isinstance(rel, (sympy.StrictLessThan, sympy.StrictGreaterThan)) else 0)
        return g.is_nonnegative is True or any((g - (size - 1 - i)).is_nonnegative is True for i in indices)
    ineq = (sympy.LessThan, sympy.GreaterThan, sympy.StrictLessThan, sympy.StrictGreaterThan)
    expr = _in_range(expr)
    expr = expr.replace(lambda e: isinstance(e, ineq) and implied(e), lambda e: sympy.true)
    return sympy.simplify(expr)


def _res_block_cp(f):
    B, D = size_symbols("B D")
    i, j, p, q, k = _index("i j p q k")
    W, x = sympy.IndexedBase("W"), sympy.IndexedBase("x")
    Wf = lambda a, b, c: W[a, b, c]  # noqa: E731

    def term(p_, q_):
        u, v, z = f(i, p_, q_, j, k, Wf)
        return u * sympy.Sum(v * x[k], (k, 0, D - 1)) * z
    entry = sympy.Sum(term(p, q), (p, 0, B - 1), (q, 0, B - 1)).doit()
    want = sympy.Sum(W[i, j, k] * x[k], (k, 0, D - 1))
    n = size_symbols("n")[0]
    return [("(u diag(v x) z)[i, j] - (sum_k x_k W_k)[i, j] = 0 for every i, j < B (B, D symbolic)", "zero",
             _resolve(entry - want, B, (i, j))),
            ("rank (H/B) B^2 = H B (H = n B)", "zero", n * B ** 2 - (n * B) * B)]


def _res_full_cp(f):
    H, D = size_symbols("H D")
    a, b, r1, r2, k2 = _index("a b r1 r2 k2")
    s = _index("s")[0]
    W, x = sympy.IndexedBase("W"), sympy.IndexedBase("x")
    Wf = lambda i, j, c: W[i, j, c]  # noqa: E731
    out = []
    # the dummy of the evaluated sum: k2 when H <= D (the input's), r2 otherwise (the rank index's)
    for small, n2, dummy in ((True, H, k2), (False, D, r2)):
        u, v, z = f(small, a, r1, r2, b, k2, Wf)
        entry = sympy.Sum(u * sympy.Sum(v * x[k2], (k2, 0, D - 1)) * z, (r1, 0, H - 1), (r2, 0, n2 - 1)).doit()
        want = sympy.Sum(W[a, b, dummy] * x[dummy], (dummy, 0, D - 1))
        res = _resolve(entry - want, H, (a, b))
        case = "H <= D" if small else "H > D"
        out.append((f"{case}: (U diag(V x) Z)[a, b] - (sum_k x_k W_k)[a, b] = 0 (H, D symbolic)", "zero", res))
    # the rank: H <= D gives R = H^2 <= HD (D = H + s); H > D gives R = HD < H^2 (H = D + 1 + s)
    out += [("H <= D: R = H^2 <= HD", "nonnegative", (H * D - H * H).subs(D, H + s)),
            ("H > D: R = HD < H^2", "positive", (H * H - H * D).subs(H, D + 1 + s))]
    return out


def _res_cp_identity(f):
    v = _real("v")
    u, w, z = f(v)
    return [("x u v z - x v = 0 with u = z = 1", "zero", _x * u * w * z - _x * v),
            ("u = z = 1", "zero", sympy.Matrix([u - 1, z - 1]))]


def _res_house(f):
    a = sympy.Symbol("a", real=True, nonnegative=True)
    b = sympy.Symbol("b", real=True, positive=True)
    v = (b - a) / (a + b)
    beta = sympy.together(f(v))
    return [("x (1 - beta(v)) - x v = 0, v = (b - a)/(a + b)", "zero", sympy.cancel(_x * (1 - beta) - _x * v)),
            ("beta >= 0", "nonnegative", beta), ("2 - beta >= 0", "nonnegative", sympy.together(2 - beta))]


def _res_house_pad(f):
    (H,) = size_symbols("H")
    (j,) = _index("j")
    s = _index("s")[0]
    P, u = MatrixSymbol("P", H, H), MatrixSymbol("u", H, 1)
    beta = f()
    unit = sympy.Sum(KroneckerDelta(0, j) ** 2, (j, 0, H - 1)).doit()
    return [("P (I - beta u u^T) - P = 0 for every u (H symbolic)", "zero", P * (Identity(H) - beta * u * u.T) - P),
            ("beta in [0, 2]", "nonnegative", beta), ("2 - beta >= 0", "nonnegative", 2 - beta),
            ("u = e_0: e_0^T e_0 = sum_j [j = 0] = 1", "zero", (unit - 1).subs(H, 1 + s))]


def _res_mono(f):
    v = _real("v")
    p, d = f(v)
    return [("x p d - x v = 0 with p = 1", "zero", _x * p * d - _x * v),
            ("p = 1 (the identity permutation of one coordinate)", "zero", p - 1)]


_WORD = ("word_step", "readout")
_BLOCKS = ("block_product", "block_sum", "block_transpose", "block_grouping")
_CODE = "bilinear.theory.theorems.containments."

_DIAG_ASSEMBLY = ("A(x) = diag(...) is the block-diagonal matrix of its 1x1 entries, and so is the image; "
                  "block_sum and block_grouping give the whole matrix from the units, block_product gives "
                  "A'(x)E = EA(x) from the unit identity with E = blockdiag(e, ..., e) (e = [1]).")

#: The reduction of every containment map, by the map's key.
REDUCTIONS: dict[str, Reduction] = {
    "pdiag_in_rdiag": Reduction(
        "one diagonal entry of one symbol", "x exp(theta) = x V with V = exp(theta); exp(theta) > 0",
        r"x\,e^{\theta} = x\,V,\quad V = e^{\theta}", _entry_exp, _res_pdiag,
        ("linearity",) + _BLOCKS + _WORD, _DIAG_ASSEMBLY, _CODE + "_pdiag_to_rdiag"),
    "rdiag_in_block": Reduction(
        "one diagonal entry of one symbol", "x [v] = [x v]: the entry is a 1x1 block",
        r"x\,[v] = [xv]", _entry_block, _res_rdiag_block, ("linearity",) + _BLOCKS + _WORD,
        "block b of the image is blockdiag of the B units bB, ..., bB+B-1 (block_grouping), so the image is "
        "blockdiag of all H units = diag(Vx) (block_sum, block_grouping).", _CODE + "_rdiag_to_block"),
    "rdiag_in_cdiag": Reduction(
        "one diagonal entry of one symbol, embedded by e = (1, 0)",
        "[[x v, 0], [0, x v]] e = e (x v), e^T e = 1",
        r"\begin{pmatrix} xv & 0 \\ 0 & xv\end{pmatrix}\begin{pmatrix}1\\0\end{pmatrix} = "
        r"\begin{pmatrix}1\\0\end{pmatrix} xv", _real_as_complex, _res_rdiag_cdiag, ("linearity",) + _BLOCKS + _WORD,
        "A'(x) = blockdiag of the 2x2 units, E = blockdiag(e, ..., e); block_product gives A'(x)E = EA(x) and "
        "E^TE = blockdiag(e^Te) = I (block_transpose, block_product).", _CODE + "_rdiag_to_cdiag"),
    "rot_in_cdiag": Reduction(
        "one 2x2 rotation block of one symbol", "x [[cos t, -sin t], [sin t, cos t]] = x Rot(t)",
        r"x\begin{pmatrix}\cos\theta & -\sin\theta\\ \sin\theta & \cos\theta\end{pmatrix} = x\,\mathrm{Rot}(\theta)",
        _angle_as_complex, _res_rot, ("linearity",) + _BLOCKS + _WORD,
        "both matrices are blockdiag of their H/2 units (block_sum, block_grouping).", _CODE + "_rot_to_cdiag"),
    "cdiag_in_block2": Reduction(
        "one 2x2 block [[a, -b], [b, a]] of one symbol", "x W(a, b) = x [[a, -b], [b, a]]",
        r"x\,W^{(j)}_k = x\begin{pmatrix} a & -b \\ b & a\end{pmatrix}", _complex_block, _res_cdiag_block,
        ("linearity",) + _BLOCKS + _WORD, "both matrices are blockdiag of their H/2 units (block_sum, "
        "block_grouping).", _CODE + "_cdiag_to_block"),
    "block_in_block": Reduction(
        "one B x B block of one symbol (B symbolic)", "x W = x W: a block is copied",
        r"x\,W = x\,W", _same_block, _res_same_block, ("linearity",) + _BLOCKS + _WORD,
        "block c of size B' of the image is blockdiag of the r = B'/B consecutive units cr, ..., cr + r - 1; "
        "regrouping consecutive blocks changes nothing (block_grouping, by induction on the number of blocks).",
        _CODE + "_block_to_block"),
    "block_in_full": Reduction(
        "one B x B block of one symbol (B symbolic)", "x W = x W: a block is copied",
        r"x\,W = x\,W", _same_block, _res_same_block, ("linearity",) + _BLOCKS + _WORD,
        "W_k = blockdiag_b W^(b)_k, and sum_k x_k blockdiag_b W^(b)_k = blockdiag_b sum_k x_k W^(b)_k "
        "(block_sum, by induction on D and on the number of blocks).", _CODE + "_block_to_full"),
    "block_in_cp": Reduction(
        "one B x B block, all symbols (B, D symbolic): CP(B, B^2) with one rank-one term per entry",
        "(u diag(v x) z)[i, j] = sum_p sum_q [i = p] (W[p, q, :] . x) [q = j] = (sum_k x_k W_k)[i, j] for every "
        "i, j < B; R = (H/B) B^2 = HB",
        r"\sum_{p,q<B} [i{=}p]\,(W_{pq\cdot}\cdot x)\,[q{=}j] = (W_{\cdot\cdot}\cdot x)_{ij}",
        cp_of_block, _res_block_cp, ("linearity",) + _BLOCKS + _WORD,
        "U = blockdiag_b u, Z = blockdiag_b z, V stacks the units' v, so diag(Vx) = blockdiag_b diag(v_b x) and "
        "U diag(Vx) Z = blockdiag_b (u diag(v_b x) z) (block_product twice).", _CODE + "_block_to_cp"),
    "full_in_cp": Reduction(
        "the whole matrix entrywise (H, D and the indices symbolic; not block by block: the rank depends on "
        "H and D)",
        "if H <= D: sum_{i,j} [a = i] (W[i, j, :] . x) [j = b] = (sum_k x_k W_k)[a, b] with R = H^2 <= HD; else "
        "sum_{i,s} [a = i] x_s W_s[i, b] = (sum_k x_k W_k)[a, b] with R = HD < H^2; so R = min(H^2, HD)",
        r"\sum_{i,j<H}[a{=}i](W_{ij\cdot}\cdot x)[j{=}b] = \sum_{i<H,s<D}[a{=}i]\,x_s (W_s)_{ib} = (W\cdot x)_{ab}",
        cp_of_full, _res_full_cp, _WORD,
        "none: the identity is the whole matrix, entry by entry, for every H and D (Kronecker-delta sums "
        "evaluated by sympy over symbolic ranges); the two cases and the rank bound cover every H, D.",
        _CODE + "_full_to_cp"),
    "rdiag_eq_cp_identity": Reduction(
        "one diagonal entry of one symbol: CP(1, 1) with u = z = 1", "x (1 v 1) = x v",
        r"1\cdot (xv)\cdot 1 = xv", _entry_cp_identity, _res_cp_identity, ("linearity",) + _BLOCKS + _WORD,
        "U = Z = blockdiag of the units [1] = I, diag(Vx) = blockdiag of the entries (block_product); V -> "
        "(I, V, I) is inverted by reading V, so the identity gives both inclusions.",
        _CODE + "_rdiag_to_cp_identity"),
    "rdiag_in_house": Reduction(
        "one diagonal entry v = (b - a)/(a + b) in (-1, 1] of one symbol, one factor on its coordinate",
        "x (1 - beta) = x v with beta = 1 - v = 2a/(a + b) in [0, 2]",
        r"x\,(1 - \beta) = xv,\ \beta = 1 - v \in [0, 2]", _entry_house, _res_house,
        ("linearity",) + _BLOCKS + _WORD,
        "factor i is I - beta_i e_i e_i^T = blockdiag(I, 1 - beta_i, I); a product of block-diagonal matrices "
        "with the same partition is the block-diagonal matrix of the products (block_product, by induction on "
        "the number of factors), so prod_i factor_i = diag(1 - beta_i) = diag(v); |e_i| = 1.",
        _CODE + "_rdiag1_to_house",
        remains="the rescaling of a general RDIAG model to entries in [-1, 1] (divide symbol k by "
                "m_k = max(1, max_i |V_ik|) > 0): a positive scale per step changes no label, which is "
                "scale_invariance.normalisation, checked on H <= 4, D <= 3, not proved here"),
    "house_in_full": Reduction(
        "the matrix A(e_k) of one symbol (a product of factors; H symbolic)", "x W = x A(e_k) with W = A(e_k)",
        r"W_k = A(e_k) = \textstyle\prod_j (I - \beta_{jk}u_{jk}u_{jk}^\top)", _same_block, _res_same_matrix,
        ("linearity",) + _WORD, "none beyond linearity: FULL(H) takes any W_k, and both levels are linear in x.",
        _CODE + "_house_to_full"),
    "house_in_house": Reduction(
        "one padding factor (beta = 0, u = e_0; H symbolic)",
        "P (I - 0 u u^T) = P for every P and u; beta = 0 in [0, 2]; e_0^T e_0 = 1",
        r"P\,(I - 0\cdot uu^\top) = P", _pad_beta, _res_house_pad, ("linearity",) + _WORD,
        "A'(e_k) = A(e_k) F_1 ... F_{n_h' - n_h} with every padding factor F = I, by induction on the number of "
        "padding factors.", _CODE + "_house_to_house"),
    "mono_in_full": Reduction(
        "the matrix A(e_k) = P_k diag(d_k) of one symbol (H symbolic)", "x W = x A(e_k) with W = A(e_k)",
        r"W_k = A(e_k) = P_k\,\mathrm{diag}(d_{\cdot k})", _same_block, _res_same_matrix, ("linearity",) + _WORD,
        "none beyond linearity: FULL(H) takes any W_k, and both levels are linear in x.", _CODE + "_mono_to_full"),
    "rdiag_in_mono": Reduction(
        "one diagonal entry of one symbol: MONO(1) with the permutation [1]", "x (1 v) = x v, [1] a permutation",
        r"x\cdot 1 \cdot v = xv", _entry_mono, _res_mono, ("linearity",) + _BLOCKS + _WORD,
        "P_k = blockdiag of the units [1] = I (a permutation matrix for every H), diag(d) = blockdiag of the "
        "entries (block_product).", _CODE + "_rdiag_to_mono"),
}
