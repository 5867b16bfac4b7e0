r"""Affine models are bilinear models of size H+1 on one-hot inputs, but they are not scale invariant.

**Theorem.** (i) Let ``h_t = A(x_t) h_{t-1} + B x_t + b`` with ``A(x) = sum_k x_k W_k`` (AFFINE(H)).
Put ``W'_k = [[W_k, B e_k + b], [0, 1]]`` (FULL(H+1)) and ``h'_0 = (h_0, 1)``.  For every input with
``1^T x = 1`` (in particular every one-hot ``e_k``), ``A'(x) (h, 1) = (A(x) h + B x + b, 1)``, so
``h'_t = (h_t, 1)`` for every word, and the affine readout ``R h + β`` is the linear readout
``R' = [R, β]`` of the bilinear model.  (ii) Affine models are not scale invariant: normalising the
affine state ``h`` after every step can change ``argmax`` of the readout.

Proofs: :data:`PROOF_EMBEDDING`, :data:`PROOF_COUNTEREXAMPLE` (``bilinear prove --show affine.as_bilinear``).

**Checks**: (i) proved for every ``H`` and ``D`` (:func:`prove_affine_embedding`: block matrices of
symbolic size ``H``, the lemmas of :mod:`bilinear.theory.theorems.reduction`); the code's map at
``H <= 6``, ``D <= 3`` with ``x_{D-1} = 1 - sum_{k<D-1} x_k`` (the hyperplane ``1^T x = 1``), and a record
that the identity fails off that hyperplane, is :func:`check_affine_embedding` (run by the tests); (ii) the example
run in exact rationals for 12 steps, and a check that the normalised *embedded* bilinear model gives
the same labels as the plain affine one at every step.

Example::

    >>> scale_counterexample(AFFINE_EXAMPLE)["first_disagreement"]
    7
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy
from sympy import BlockMatrix, Identity, MatrixSymbol, ZeroMatrix

from bilinear.theory.errors import MathematicalError
from bilinear.theory.theorems.base import CheckKind, Theorem
from bilinear.theory.theorems.model_classes import LEVELS, symbol_matrix, symbol_vector
from bilinear.theory.theorems.reduction import check_lemmas, size_symbols, zero_or_raise
from bilinear.theory.theorems.scale_invariance import argmax_first, exact_normalised_run, l1_norm

__all__ = ["affine_params", "affine_block", "affine_to_full", "prove_affine_embedding", "check_affine_embedding", "AffineModel", "AFFINE_EXAMPLE",
           "scale_counterexample", "check_counterexample", "PROOF_EMBEDDING", "PROOF_COUNTEREXAMPLE", "THEOREMS"]


def affine_params(H: int, D: int) -> dict:
    """Symbolic AFFINE(H) parameters: ``W`` (D matrices), ``B`` (H x D), ``b`` (H)."""
    return {"W": [symbol_matrix(f"W{k}", H, H) for k in range(D)], "B": symbol_matrix("B", H, D),
            "b": symbol_vector("b", H)}


def affine_block(W, c):
    """The unit map ``(W, c) -> [[W, c], [0, 1]]``: a block matrix of symbolic size when ``W`` and ``c``
    are ``MatrixSymbol``s (the proof), an explicit matrix when they are explicit (the map)."""
    M = BlockMatrix([[W, c], [ZeroMatrix(1, W.shape[1]), Identity(1)]])
    return sympy.Matrix(M.as_explicit()) if isinstance(W, sympy.MatrixBase) else M


def affine_to_full(p: dict, H: int, D: int, block=affine_block) -> dict:
    """The map ``W'_k = [[W_k, B e_k + b], [0, 1]]`` to FULL(H+1) parameters (``block`` per symbol)."""
    return {"W": [block(p["W"][k], p["B"][:, k] + p["b"]) for k in range(D)]}


def prove_affine_embedding(block=affine_block) -> dict:
    """The proof for every ``H`` and ``D``: with ``H`` symbolic (``W`` an H x H ``MatrixSymbol``, ``c = Be_k
    + b`` and ``h`` H x 1), (i) ``block(W, c) (h, 1) = (Wh + c, 1)`` for one symbol, and (ii) the linear
    step ``(x0 M0 + x1 M1)(h, 1) = ((x0 W0 + x1 W1)h + x0 c0 + x1 c1, x0 + x1)``: by induction on ``D`` the
    last coordinate is ``1^T x``, which is 1 on the hyperplane (and not otherwise)."""
    (H,) = size_symbols("H")
    W0, W1 = MatrixSymbol("W0", H, H), MatrixSymbol("W1", H, H)
    c0, c1, h = MatrixSymbol("c0", H, 1), MatrixSymbol("c1", H, 1), MatrixSymbol("h", H, 1)
    x0, x1 = sympy.symbols("x0 x1", real=True)
    hp = BlockMatrix([[h], [Identity(1)]])
    zero_or_raise(block(W0, c0) * hp - BlockMatrix([[W0 * h + c0], [Identity(1)]]),
                  "block(W, c) (h, 1) - (W h + c, 1)")
    step = (x0 * block(W0, c0) + x1 * block(W1, c1)) * hp
    want = BlockMatrix([[(x0 * W0 + x1 * W1) * h + x0 * c0 + x1 * c1], [(x0 + x1) * Identity(1)]])
    zero_or_raise(step - want, "the linear step over two symbols")
    check_lemmas()
    return {"lemmas": ["linearity", "block_sum", "word_step", "readout"],
            "unit_identity": ["[[W, c], [0, 1]] (h, 1) = (W h + c, 1), H symbolic",
                              "sum_k x_k [[W_k, c_k], [0, 1]] (h, 1) = (A(x) h + sum_k x_k c_k, 1^T x)"]}


def check_affine_embedding(mapping=affine_to_full, max_h: int = 6, max_d: int = 3) -> dict:
    """``A'(x)(h, 1) = (A(x)h + Bx + b, 1)`` on ``1^T x = 1``, symbolically, for all ``H, D``."""
    cases, off_hyperplane = 0, 0
    for H in range(1, max_h + 1):
        for D in range(1, max_d + 1):
            p = affine_params(H, D)
            free = symbol_vector("x", D)
            x = sympy.Matrix(list(free[:D - 1]) + [1 - sum(free[:D - 1], sympy.Integer(0))])
            h = symbol_vector("h", H)
            tp = mapping(p, H, D)
            Wfull = tp["W"]
            if len(Wfull) != D or any(W.shape != (H + 1, H + 1) for W in Wfull):
                raise MathematicalError(f"H={H}, D={D}: the map must give D matrices of size H+1")
            A = sum((x[k] * p["W"][k] for k in range(D)), sympy.zeros(H, H))
            want = (A * h + p["B"] * x + p["b"]).col_join(sympy.Matrix([1]))
            hp = h.col_join(sympy.Matrix([1]))
            full = LEVELS["FULL"]
            got = full.matrix(tp, x, {"H": H + 1, "D": D}) * hp
            for i, r in enumerate(got - want):
                r = sympy.expand(r)
                if r != 0:
                    raise MathematicalError(f"H={H}, D={D}: coordinate {i} of A'(x)(h,1) - (A(x)h+Bx+b, 1) is {r}")
            # off the hyperplane 1^T x = 1 the identity fails (the one-hot assumption is needed)
            generic = full.matrix(tp, free, {"H": H + 1, "D": D}) * hp
            if sympy.expand(generic[H] - 1) != 0:
                off_hyperplane += 1
            cases += 1
    return {"cases": cases, "max_H": max_h, "max_D": max_d, "fails_off_hyperplane": off_hyperplane}


@dataclass(frozen=True)
class AffineModel:
    """An exact affine model ``h_t = W_s h_{t-1} + B[:, s] + b`` with readout scores ``R h``."""

    W: tuple   # per symbol, rows of Fractions
    B: tuple   # rows (H x D)
    b: tuple
    h0: tuple
    R: tuple

    def step(self, h, s):
        H = len(h)
        return [sum((self.W[s][i][j] * h[j] for j in range(H)), Fraction(0)) + self.B[i][s] + self.b[i]
                for i in range(H)]

    def label(self, h) -> int:
        return argmax_first([sum((r * v for r, v in zip(row, h)), Fraction(0)) for row in self.R])


F = Fraction
AFFINE_EXAMPLE = AffineModel(W=(((F(1),),),), B=((F(0),),), b=(F(-1, 2),), h0=(F(3),), R=((F(1),), (F(-1),)))


def scale_counterexample(model: AffineModel, word=None, norm=l1_norm) -> dict:
    """First step where normalising the affine state changes the readout label, and a check that the
    normalised bilinear embedding agrees with the plain affine model; raises if labels never differ."""
    word = [0] * 12 if word is None else list(word)
    h = list(model.h0)
    hn = [v / norm(h) for v in h]
    first, labels_plain, labels_norm = None, [], []
    for t, s in enumerate(word, 1):
        h = model.step(h, s)
        nxt = model.step(hn, s)
        hn = [v / norm(nxt) for v in nxt]
        labels_plain.append(model.label(h))
        labels_norm.append(model.label(hn))
        if first is None and labels_plain[-1] != labels_norm[-1]:
            first = t
    if first is None:
        raise MathematicalError("normalising the state never changed the label: no counterexample")
    # the bilinear embedding of the same model, normalised, keeps the plain labels (scale invariance)
    H, D = len(model.h0), len(model.W)
    mats = []
    for k in range(D):
        M = [list(model.W[k][i]) + [model.B[i][k] + model.b[i]] for i in range(H)] + [[F(0)] * H + [F(1)]]
        mats.append(M)
    R = [list(row) + [F(0)] for row in model.R]
    exact_normalised_run(mats, word, list(model.h0) + [F(1)], R, norm)
    return {"first_disagreement": first, "labels_plain": labels_plain, "labels_normalised": labels_norm,
            "embedded_bilinear_normalised_agrees": True}



PROOF_EMBEDDING = (
    "Block multiplication: ``A'(x)(h, 1) = (A(x) h + sum_k x_k (B e_k + b), sum_k x_k)`` and ``sum_k "
    'x_k (B e_k + b) = B x + (1^T x) b``; with ``1^T x = 1`` this is ``(A(x)h + Bx + b, 1)``. '
    '(Without that constraint the last coordinate is ``1^T x``, so the one-hot assumption is needed.)'
)

PROOF_COUNTEREXAMPLE = (
    'The explicit example ``H = D = 1``, ``W = 1``, ``B = 0``, ``b = -1/2``, ``h_0 = 3``, readout '
    'scores ``(h, -h)`` (label 0 iff ``h >= 0``): plain states ``3 - t/2`` are negative from ``t = '
    '7`` (label 1), while the normalised states ``ĥ_t = (ĥ_{t-1} - 1/2)/|ĥ_{t-1} - 1/2|`` are ``1`` '
    "for all ``t >= 1`` (label 0). The bilinear embedding (``h' = (h, 1)``) *is* scale invariant, but"
    " normalising ``h'`` is not the same as normalising ``h``: the extra coordinate stops being 1."
)


def check_counterexample(model: AffineModel, first: int) -> dict:
    """The stated counterexample, exactly: normalising changes the label first at step ``first``."""
    details = scale_counterexample(model, [0] * first)
    if details["first_disagreement"] != first:
        raise MathematicalError(f"normalising first changes the label at t = {details['first_disagreement']}, "
                                f"not at t = {first}")
    return details


THEOREMS = (
    Theorem(
        name="affine.as_bilinear",
        title="AFFINE(H) ⊂ FULL(H+1) on one-hot inputs",
        statement="An affine model h_t = A(x_t)h_{t-1} + Bx_t + b equals, on inputs with 1^T x = 1 (one-hot), "
                  "the bilinear FULL(H+1) model W'_k = [[W_k, Be_k + b], [0, 1]] on states (h, 1), with readout "
                  "[R, β] for the affine readout R h + β.",
        latex=r"\begin{pmatrix}W_k & Be_k+b\\ 0 & 1\end{pmatrix}\begin{pmatrix}h\\1\end{pmatrix}"
              r"=\begin{pmatrix}W_kh+Be_k+b\\1\end{pmatrix}",
        assumptions=("one-hot inputs (more generally 1^T x = 1)", "affine readout R h + β becomes [R, β]"),
        proof=PROOF_EMBEDDING,
        kind=CheckKind.SYMBOLIC,
        checker=prove_affine_embedding,
        scope="a proof for every H and D: block matrices of symbolic size H, and the linear step over symbols "
              "(induction on D); no size is sampled.",
        steps=("Lemmas (checked once by bilinear.theory.theorems.reduction.check_lemmas): linearity, block_sum, "
               "word_step, readout.",
               "Identity (unit: one symbol, H symbolic; unit map bilinear.theory.theorems.affine.affine_block, "
               "proved by bilinear.theory.theorems.affine.prove_affine_embedding): [[W_k, c_k], [0, 1]] (h, 1) = "
               "(W_k h + c_k, 1) with c_k = B e_k + b.",
               "Assembly (affine_to_full applies affine_block to every symbol): sum_k x_k [[W_k, c_k], [0, 1]] "
               "(h, 1) = (A(x) h + Bx + (1^T x) b, 1^T x), and 1^T x = 1 on one-hot inputs.",
               "Induction on the word length: h'_t = (h_t, 1) for every t, and [R, beta] (h, 1) = R h + beta."),
        latex_proof=r"\begin{proof} For every $H$, block multiplication gives $\begin{pmatrix}W_k & c_k\\ 0 & 1"
                    r"\end{pmatrix}\begin{pmatrix}h\\1\end{pmatrix} = \begin{pmatrix}W_kh + c_k\\1\end{pmatrix}$ "
                    r"with $c_k = Be_k + b$; by linearity in $x$ the last coordinate of $A'(x)(h, 1)$ is $1^\top x = 1$ "
                    r"for one-hot $x$, so induction on $t$ gives $h'_t = (h_t, 1)$ and $[R, \beta]\,h'_t = Rh_t + \beta$."
                    r" \end{proof}",
    ),
    Theorem(
        name="affine.not_scale_invariant",
        title="Affine models are not scale invariant (an exact counterexample)",
        statement="Per-step normalisation can change the output of an affine model: for H = D = 1, W = 1, B = 0, "
                  "b = -1/2, h0 = 3 and scores (h, -h), the labels of the plain and of the L1-normalised run "
                  "agree for t <= 6 and differ at t = 7 (plain state -1/2: label 1; normalised state 1: label 0).",
        latex=r"h_t = h_{t-1} - \tfrac12,\ h_0 = 3:\quad \operatorname{sign} h_7 < 0,\quad "
              r"\hat h_t = \frac{\hat h_{t-1} - 1/2}{|\hat h_{t-1} - 1/2|} = 1",
        assumptions=("normalisation: h <- h / ||h||_1 after every step (any norm gives the same example)",
                     "readout scores (h, -h), argmax with ties to the lowest index"),
        proof=PROOF_COUNTEREXAMPLE,
        kind=CheckKind.WITNESS,
        scope=('a proof: the statement is existential and the check verifies its witness exactly, in '
               'rationals.'),
        checker=lambda: check_counterexample(AFFINE_EXAMPLE, first=7),
    ),
)
