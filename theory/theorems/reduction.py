r"""The reduction that proves a containment for every size: lemmas on symbolic block matrices, a
fixed-size unit identity, and the induction on word length (docs/design.md §5).

A containment ``L(H) ⊂ L'(H')`` (:mod:`bilinear.theory.theorems.containments`) is an explicit map of
parameters and a state embedding ``E`` with ``A'(x) E = E A(x)``.  When the map is *blockwise and linear
in x*, the statement for every ``H`` and ``D`` follows from

1. **the unit identity** ``a'(x_k) e = e a(x_k)``: one block of fixed size (or of a symbolic size, as a
   sympy ``MatrixSymbol``), symbolic entries and one symbolic input coordinate ``x_k`` — a finite
   symbolic computation (:mod:`bilinear.theory.theorems.containment_units`);
2. **the lemmas** below, each an identity between matrix expressions whose sizes are themselves symbols
   (``n1``, ``m1``, ...), so each holds for every size, checked once by sympy (:func:`check_lemmas`):

   * ``linearity``: ``(S' + x T')E - E(S + xT) = (S'E - ES) + x(T'E - ET)``; adding one symbol at a time
     (induction on ``D``) the per-symbol identities give ``A'(x)E = EA(x)`` for every ``x``;
   * ``block_product``, ``block_sum``, ``block_transpose``: block-diagonal matrices multiply, add and
     transpose block by block (rectangular blocks allowed, so ``E = blockdiag(e, ..., e)``);
   * ``block_grouping``: ``blockdiag(blockdiag(X1, X2), X3)`` acts as ``blockdiag(X1, X2, X3)``; with
     ``blockdiag(X1..Xn+1) = blockdiag(blockdiag(X1..Xn), Xn+1)`` this is the induction on the number of
     blocks, and regrouping consecutive blocks (BLOCK(H, B) ⊂ BLOCK(H, B')) changes nothing;
3. **the induction on word length**: ``word_step`` (``A'(Eh) - E(Ah) = (A'E - EA)h``) gives
   ``h'_t = E h_t`` for every ``t`` from ``h'_0 = E h_0``, and ``readout`` (``(RE^T)(Eh) = R(E^TE)h``) with
   ``E^T E = I`` gives the same scores.

Each lemma is a :class:`Lemma` whose two sides are built by functions, so a test can state a broken
variant (a sign flipped, a block transposed) and see :meth:`Lemma.check` fail.  :func:`is_zero` is the one
decision procedure: sympy's ``block_collapse``, ``doit`` and ``expand`` (and ``simplify`` for scalar
residues, e.g. ``cos^2 + sin^2 - 1``); it answers True only when the residue *is* zero, never by sampling.

Example::

    >>> sorted(check_lemmas())[:3]
    ['block_grouping', 'block_product', 'block_sum']
    >>> n = sympy.Symbol("n", integer=True, positive=True)
    >>> A = sympy.MatrixSymbol("A", n, n)
    >>> is_zero(A.T - A), is_zero((A.T).T - A)
    (False, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

import sympy
from sympy import BlockDiagMatrix, BlockMatrix, MatrixSymbol, block_collapse
from sympy.matrices.expressions.matexpr import MatrixExpr

from bilinear.theory.errors import MathematicalError

__all__ = ["Lemma", "LEMMAS", "check_lemmas", "is_zero", "zero_or_raise", "size_symbols", "WHERE"]

#: Where the lemmas are checked (printed by ``bilinear prove --show``).
WHERE = "bilinear.theory.theorems.reduction.check_lemmas"


def size_symbols(names: str) -> tuple[sympy.Symbol, ...]:
    """Positive integer symbols used as matrix sizes (``size_symbols("n1 m1")``)."""
    return tuple(sympy.symbols(names, integer=True, positive=True, seq=True))


def _leaves(expr) -> list:
    """The blocks of a (nested) block column or matrix, flattened row by row after collapsing."""
    expr = block_collapse(expr)
    if isinstance(expr, BlockMatrix):
        out: list = []
        for i in range(expr.blockshape[0]):
            for j in range(expr.blockshape[1]):
                out.extend(_leaves(expr.blocks[i, j]))
        return out
    return [expr]


def is_zero(expr: Any) -> bool:
    """Whether sympy proves ``expr == 0``: a scalar (``expand``, then ``simplify``), an explicit matrix
    (every entry) or a matrix expression of symbolic size (``block_collapse``, ``doit``, ``expand``;
    block by block)."""
    if isinstance(expr, sympy.MatrixBase):
        return all(is_zero(e) for e in expr)
    if isinstance(expr, MatrixExpr):
        e = block_collapse(expr)
        if isinstance(e, BlockMatrix):
            return all(is_zero(b) for b in e.blocks)
        if isinstance(e, sympy.MatrixBase):
            return is_zero(e)
        e = e.doit().expand()
        return bool(e.is_ZeroMatrix) or e == 0
    e = sympy.expand(sympy.sympify(expr))
    return e == 0 or sympy.simplify(e) == 0


def zero_or_raise(residue: Any, what: str) -> None:
    """Raise :class:`MathematicalError` naming ``what`` unless :func:`is_zero` proves ``residue`` zero."""
    if not is_zero(residue):
        raise MathematicalError(f"{what}: the residue {residue} is not identically 0")


@dataclass(frozen=True)
class Lemma:
    """A lemma on matrices of symbolic sizes: ``sides()`` builds ``(lhs, rhs)``; :meth:`check` proves
    ``lhs - rhs = 0`` (for block columns, leaf by leaf)."""

    name: str
    statement: str
    latex: str
    sides: Callable[[], tuple[Any, Any]]

    def check(self) -> str:
        lhs, rhs = self.sides()
        left, right = _leaves(lhs), _leaves(rhs)
        if len(left) != len(right):
            raise MathematicalError(f"lemma {self.name}: the sides have {len(left)} and {len(right)} blocks")
        for i, (a, b) in enumerate(zip(left, right)):
            if a.shape != b.shape:
                raise MathematicalError(f"lemma {self.name}: block {i} has shapes {a.shape} and {b.shape}")
            zero_or_raise(a - b, f"lemma {self.name}, block {i}")
        return self.statement


def _linearity():
    n, m = size_symbols("n m")
    x = sympy.Symbol("x", real=True)
    S, T = MatrixSymbol("S", n, n), MatrixSymbol("T", n, n)
    S2, T2, E = MatrixSymbol("Sp", m, m), MatrixSymbol("Tp", m, m), MatrixSymbol("E", m, n)
    return (S2 + x * T2) * E - E * (S + x * T), (S2 * E - E * S) + x * (T2 * E - E * T)


def _two_blocks(rect: bool = True):
    n1, n2, m1, m2, k1, k2 = size_symbols("n1 n2 m1 m2 k1 k2")
    A1, A2 = MatrixSymbol("A1", n1, m1), MatrixSymbol("A2", n2, m2)
    B1, B2 = MatrixSymbol("B1", m1, k1), MatrixSymbol("B2", m2, k2)
    C1, C2 = MatrixSymbol("C1", n1, m1), MatrixSymbol("C2", n2, m2)
    return A1, A2, B1, B2, C1, C2


def _block_product():
    A1, A2, B1, B2, _, _ = _two_blocks()
    return BlockDiagMatrix(A1, A2) * BlockDiagMatrix(B1, B2), BlockDiagMatrix(A1 * B1, A2 * B2)


def _block_sum():
    A1, A2, _, _, C1, C2 = _two_blocks()
    x = sympy.Symbol("x", real=True)
    return BlockDiagMatrix(A1, A2) + x * BlockDiagMatrix(C1, C2), BlockDiagMatrix(A1 + x * C1, A2 + x * C2)


def _block_transpose():
    A1, A2, *_ = _two_blocks()
    return BlockDiagMatrix(A1, A2).T, BlockDiagMatrix(A1.T, A2.T)


def _block_grouping():
    n1, n2, n3, m1, m2, m3 = size_symbols("n1 n2 n3 m1 m2 m3")
    X1, X2, X3 = MatrixSymbol("X1", n1, m1), MatrixSymbol("X2", n2, m2), MatrixSymbol("X3", n3, m3)
    v1, v2, v3 = MatrixSymbol("v1", m1, 1), MatrixSymbol("v2", m2, 1), MatrixSymbol("v3", m3, 1)
    inner = block_collapse(BlockDiagMatrix(X1, X2) * BlockMatrix([[v1], [v2]]))
    nested = BlockMatrix([[inner], [X3 * v3]])      # blockdiag(blockdiag(X1, X2), X3) (v1; v2; v3)
    return nested, BlockDiagMatrix(X1, X2, X3) * BlockMatrix([[v1], [v2], [v3]])


def _word_step():
    n, m = size_symbols("n m")
    A, A2, E, h = MatrixSymbol("A", n, n), MatrixSymbol("Ap", m, m), MatrixSymbol("E", m, n), MatrixSymbol("h", n, 1)
    return A2 * (E * h) - E * (A * h), (A2 * E - E * A) * h


def _readout():
    n, m, c = size_symbols("n m c")
    R, E, h = MatrixSymbol("R", c, n), MatrixSymbol("E", m, n), MatrixSymbol("h", n, 1)
    return (R * E.T) * (E * h), R * (E.T * E) * h


#: The lemmas, by name; every containment proof cites the ones it uses.
LEMMAS: dict[str, Lemma] = {lem.name: lem for lem in (
    Lemma("linearity", "(S' + x T')E - E(S + x T) = (S'E - ES) + x(T'E - ET) for matrices of any sizes: "
          "by induction on D, A'(e_k)E = EA(e_k) for every k gives A'(x)E = EA(x) for every x",
          r"(S' + xT')E - E(S + xT) = (S'E - ES) + x(T'E - ET)", _linearity),
    Lemma("block_product", "blockdiag(A1, A2) blockdiag(B1, B2) = blockdiag(A1 B1, A2 B2) (conformable, "
          "rectangular blocks of any sizes)",
          r"\mathrm{diag}(A_1, A_2)\,\mathrm{diag}(B_1, B_2) = \mathrm{diag}(A_1B_1, A_2B_2)", _block_product),
    Lemma("block_sum", "blockdiag(A1, A2) + x blockdiag(C1, C2) = blockdiag(A1 + x C1, A2 + x C2)",
          r"\mathrm{diag}(A_1, A_2) + x\,\mathrm{diag}(C_1, C_2) = \mathrm{diag}(A_1 + xC_1, A_2 + xC_2)",
          _block_sum),
    Lemma("block_transpose", "blockdiag(A1, A2)^T = blockdiag(A1^T, A2^T)",
          r"\mathrm{diag}(A_1, A_2)^\top = \mathrm{diag}(A_1^\top, A_2^\top)", _block_transpose),
    Lemma("block_grouping", "blockdiag(blockdiag(X1, X2), X3) acts on every block vector as blockdiag(X1, X2, X3): "
          "the induction on the number of blocks, and regrouping consecutive blocks changes nothing",
          r"\mathrm{diag}(\mathrm{diag}(X_1, X_2), X_3) = \mathrm{diag}(X_1, X_2, X_3)", _block_grouping),
    Lemma("word_step", "A'(Eh) - E(Ah) = (A'E - EA)h: if A'(x)E = EA(x) and h' = Eh then A'(x)h' = E(A(x)h); "
          "by induction on the word length h'_t = E h_t for every t",
          r"A'(Eh) - E(Ah) = (A'E - EA)h", _word_step),
    Lemma("readout", "(R E^T)(E h) = R (E^T E) h: with E^T E = I the readout R' = R E^T gives R' h'_t = R h_t",
          r"(RE^\top)(Eh) = R(E^\top E)h", _readout),
)}


@lru_cache(maxsize=None)
def _checked() -> tuple[tuple[str, str], ...]:
    return tuple((name, lem.check()) for name, lem in LEMMAS.items())


def check_lemmas() -> dict[str, str]:
    """Check every lemma once (cached: the containment proofs share them); name -> statement."""
    return dict(_checked())
