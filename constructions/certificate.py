"""Certificates of weight files: the one-step check of docs/design.md §3 that proves a construction exact
for every length.

The exact one-step certificate itself — a breadth-first search over ``(q, φ(q))`` checking
``A_σ φ(q) = φ(δ(q, σ))`` for every reachable state and symbol, injectivity of ``φ`` and decoding
with a positive margin — is :func:`bilinear.theory.automata.one_step.certify_exact`, the same code the theorem checks
call; this module reads a weight file, rebuilds the reference Moore machine it claims to track
(the Cayley machine of a group over its alphabet, or an automaton, minimised when the file says so)
and delegates to it.  Exact certificates work in a number field (:mod:`bilinear.theory.arith.number_field`):
integers, rationals or algebraic numbers (``Q(ζ_n)``, ``Q(√5)``); no float enters a decision.
Numeric constructions get a numeric certificate: the residual ``ε = max ‖A_σ φ(q) - φ(δ(q,σ))‖₂``, the
operator-norm bound ``L = max ‖A_σ‖₂``, the margin ``μ`` and the largest ``T`` for which the error
bound ``‖h_t - φ(q_t)‖ ≤ ε' (1 + L + ... + L^{t-1})`` stays below ``μ / max_{k≠l} ‖R_k - R_l‖₂``
(``ε'`` adds the float64 rounding of one step), so decoding is guaranteed up to length ``T``.

:func:`certify_weights` works on a :class:`~bilinear.constructions.weightfile.WeightFile` alone: it rebuilds
the reference object from ``meta.source``, re-derives the exact entries and checks that the float
``W``, ``h0`` and ``readout`` are their correctly rounded values (so an edited ``W`` is rejected),
checks the structure the level claims (the exact predicate its declaration in
:mod:`bilinear.theory.hierarchy.levels` states, read here from number-field or float64 entries) and
the factors of its witness (CP's ``U, V, Z``, HOUSE's Householder factors), then runs the certificate.  Failures raise
:class:`~bilinear.theory.errors.MathematicalError` naming what failed.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np

from bilinear.theory.automata.automaton import Automaton
from bilinear.theory.errors import InputError, MathematicalError
from bilinear.theory.arith.field_matrices import Columns, SparseMatrix
from bilinear.theory.arith.number_field import NumberField
from bilinear.theory.automata.one_step import certify_exact
from bilinear.theory.hierarchy.levels import LEVELS, Level

from bilinear.constructions.source import read_source
from bilinear.constructions.weightfile import WeightFile, load_weights, weights_of

__all__ = ["Certificate", "certify_weights", "certify_file", "reference_machine", "certify_numeric"]


@dataclass(frozen=True)
class Certificate:
    """The outcome of a successful certificate (failures raise)."""

    certified: bool
    exact: bool
    method: str
    level: str
    field: str
    hidden_size: int
    num_symbols: int
    num_states: int
    margin: float
    margin_exact: str | None
    structure: str
    residual: float | None = None
    guaranteed_length: int | None = None
    seconds: float = 0.0

    def to_json(self) -> dict:
        return asdict(self)


# ------------------------------------------------------------------------------------ reference
def reference_machine(wf: WeightFile) -> Automaton:
    """The Moore machine the file claims to track, rebuilt from ``meta.source``; its alphabet must
    be the file's alphabet."""
    target = read_source(wf.meta.get("source"))
    if target.automaton is not None:
        ref = target.automaton
    else:
        assert target.group is not None and target.alphabet is not None
        ref = Automaton.from_group(target.group, list(target.alphabet))
    if tuple(ref.alphabet) != tuple(wf.alphabet):
        raise MathematicalError(f"alphabet: the file's alphabet {list(wf.alphabet)[:5]}... is not the source's "
                                f"{list(ref.alphabet)[:5]}...")
    return ref


# ------------------------------------------------------------------------------------ exact
def _exact_parts(wf: WeightFile):
    """Exact ``A_k``, ``h0`` and ``R`` from the file, after checking that the stored floats are their
    correctly rounded values."""
    ex = wf.meta["exact"]
    F = NumberField.from_json(ex["field"])
    index, value, shape = wf.sparse_W()
    order = np.lexsort((index[:, 2], index[:, 1], index[:, 0]))
    index, value = index[order], value[order]
    H, _, D = shape
    d = F.degree
    if d == 1:
        den_W, den_h0, den_R = (int(ex[k]) for k in ("den_W", "den_h0", "den_readout"))
        numW = np.rint(value * den_W).astype(object)[None, :]
        h0num = np.rint(wf.h0 * den_h0).astype(object)[None, :]
        R = wf.readout
        r, c = np.nonzero(R)
        Rnum = np.rint(R[r, c] * den_R).astype(object)[None, :]
    else:
        den_W, den_h0, den_R = int(ex["W"]["den"]), int(ex["h0"]["den"]), int(ex["readout"]["den"])
        numW = np.array(ex["W"]["num"], dtype=object).reshape(-1, d).T
        if numW.shape[1] != len(index):
            raise MathematicalError("W: the number of non-zero entries differs from the exact values in meta")
        h0num = np.array(ex["h0"]["num"], dtype=object).reshape(-1, d).T
        r, c = np.array(ex["readout"]["rows"], dtype=np.int64), np.array(ex["readout"]["cols"], dtype=np.int64)
        Rnum = np.array(ex["readout"]["num"], dtype=object).reshape(-1, d).T
    # tamper check: the floats must be exactly the rounded exact values, with the same support
    if not np.array_equal(F.rounded(numW, den_W), value):
        raise MathematicalError("W: the float weights are not the rounded exact values in meta (edited file?)")
    if h0num.shape[1] != H or not np.array_equal(F.rounded(h0num, den_h0), wf.h0):
        raise MathematicalError("h0: the float start state is not the rounded exact value (edited file?)")
    R_exact = SparseMatrix(F, wf.readout.shape, r, c, Rnum, den_R)
    if not np.array_equal(R_exact.dense_float(), wf.readout):
        raise MathematicalError("readout: the float readout is not the rounded exact value (edited file?)")
    mats = []
    for k in range(D):
        sel = index[:, 2] == k
        mats.append(SparseMatrix(F, (H, H), index[sel, 0], index[sel, 1], numW[:, sel], den_W))
    if sum(len(A.rows) for A in mats) != len(index):
        raise MathematicalError("W: an exact entry is zero where the file stores a non-zero weight")
    h0 = Columns(F, h0num[:, :, None], np.array([den_h0], dtype=object))
    return F, mats, h0, R_exact


# ------------------------------------------------------------------------------------ structure
class _FieldNumber:
    """``num / den`` in a number field (coefficient vector ``num``): the ordered-field element the
    level's structure predicate reads from an exact matrix."""

    def __init__(self, field: NumberField, num, den):
        self.field, self.num, self.den = field, np.asarray(num, dtype=object), den

    def _lift(self, other) -> "_FieldNumber":
        if isinstance(other, _FieldNumber):
            return other
        num = np.zeros(self.field.degree, dtype=object)
        num[0] = other
        return _FieldNumber(self.field, num, 1)

    def __add__(self, other):
        o = self._lift(other)
        return _FieldNumber(self.field, self.num * o.den + o.num * self.den, self.den * o.den)

    def __neg__(self):
        return _FieldNumber(self.field, -self.num, self.den)

    def __sub__(self, other):
        return self + (-self._lift(other))

    def __mul__(self, other):
        o = self._lift(other)
        return _FieldNumber(self.field, self.field.multiply(self.num[:, None], o.num[:, None])[:, 0],
                            self.den * o.den)

    def __eq__(self, other):
        o = self._lift(other)
        return bool(np.all(self.num * o.den == o.num * self.den))

    def __gt__(self, other):
        d = self - other
        return bool(self.field.signs(d.num[:, None], 1)[0] * (1 if d.den > 0 else -1) > 0)


class _ExactEntries:
    """:class:`~bilinear.theory.hierarchy.structure.Entries` of an exact sparse matrix."""

    exact = True

    def __init__(self, A: SparseMatrix, field: NumberField):
        self.A, self.field, self.size = A, field, A.shape[0]
        self._where = {(int(i), int(j)): e for e, (i, j) in enumerate(zip(A.rows, A.cols))}

    def support(self) -> list[tuple[int, int]]:
        return list(self._where)

    def entry(self, i: int, j: int) -> _FieldNumber:
        e = self._where.get((i, j))
        num = np.zeros(self.field.degree, dtype=object) if e is None else self.A.num[:, e]
        return _FieldNumber(self.field, num, self.A.den)


class _Near(float):
    """A float64 entry whose ``==`` is ``numpy.allclose``'s test at ``atol = 1e-12``: the numeric
    certificate's reading of an exact structure."""

    def __eq__(self, other):
        return bool(np.isclose(float(self), float(other), atol=1e-12))

    __hash__ = float.__hash__

    def __add__(self, other):
        return _Near(float(self) + float(other))

    def __sub__(self, other):
        return _Near(float(self) - float(other))

    def __mul__(self, other):
        return _Near(float(self) * float(other))

    def __neg__(self):
        return _Near(-float(self))


class _FloatEntries:
    """:class:`~bilinear.theory.hierarchy.structure.Entries` of a float64 matrix (``exact = False``)."""

    exact = False

    def __init__(self, A: np.ndarray):
        self.A, self.size = np.asarray(A), len(A)

    def support(self) -> list[tuple[int, int]]:
        r, c = np.nonzero(self.A)
        return list(zip(r.tolist(), c.tolist()))

    def entry(self, i: int, j: int) -> _Near:
        return _Near(self.A[i, j])


def _claimed_shape(wf: WeightFile) -> Level:
    """The level and sizes the file claims: its ``level``, hidden size and ``meta.parameters``."""
    if wf.level not in LEVELS:
        raise MathematicalError(f"level {wf.level!r}: unknown")
    parameters = wf.meta.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise MathematicalError(f"level {wf.level}: meta.parameters is not an object")
    try:
        return LEVELS[wf.level].of(wf.hidden_size, parameters)
    except InputError as e:
        raise MathematicalError(f"level {wf.level}: {e}") from None


def _structure(shape: Level, method: str | None, views) -> str:
    """Check that every matrix has the structure the level (or, for ``full`` built by the methods
    ``regular`` / ``permutation``, the method) declares; return its description."""
    structure = shape.structure(method)
    claim = method if method in shape.method_structures else shape.name
    for k, A in enumerate(views):
        problem = structure.violation(A)
        if problem is not None:
            raise MathematicalError(f"level {claim}: A[{k}] {problem}")
    return structure.description


def _check_cp(info: dict, mats, field: NumberField, H: int, D: int) -> None:
    """``W_ijk = Σ_r U_ir V_rk Z_rj`` exactly, with the factors stored in ``meta.info.cp``."""
    cp = info.get("cp")
    if not isinstance(cp, dict):
        raise MathematicalError("level cp: meta.info.cp holds no factors")
    R = int(cp["rank"])

    def mat(d, shape):
        num = np.array(d["num"], dtype=object).reshape(-1, field.degree).T
        return SparseMatrix(field, shape, np.array(d["rows"], dtype=np.int64), np.array(d["cols"], dtype=np.int64),
                            num, int(d["den"]))
    U, V, Z = mat(cp["U"], (H, R)), mat(cp["V"], (R, D)), mat(cp["Z"], (R, H))
    for k, A in enumerate(mats):
        sel = V.cols == k
        scale = {int(r): V.num[:, e] for r, e in zip(V.rows[sel], np.flatnonzero(sel))}
        keep = np.array([int(r) in scale for r in Z.rows], dtype=bool)
        zr, zc = Z.rows[keep], Z.cols[keep]
        znum = Z.num[:, keep]
        if len(zr):
            factors = np.stack([scale[int(r)] for r in zr], axis=1)
            znum = field.multiply(znum, factors)
        scaledZ = SparseMatrix(field, (R, H), zr, zc, znum, Z.den * V.den)
        eye = np.zeros((field.degree, H, H), dtype=np.int64)
        eye[0, np.arange(H), np.arange(H)] = 1
        cols = scaledZ.apply(Columns(field, eye, np.ones(H, dtype=np.int64)))
        prod = U.apply(cols)                                  # columns j of U diag(V e_k) Z
        dense = np.zeros((field.degree, H, H), dtype=object)
        dense[:, A.rows, A.cols] = A.num
        target = Columns(field, dense, np.full(H, A.den, dtype=object))
        if not np.all(prod.column_equal(target)):
            raise MathematicalError(f"level cp: U diag(V e_{k}) Z differs from A[{k}]")


def _check_cp_numeric(info: dict, W: np.ndarray) -> None:
    """``W_ijk = Σ_r U_ir V_rk Z_rj`` to a relative tolerance of 1e-12 (numeric CP factors)."""
    cp = info.get("cp")
    if not isinstance(cp, dict):
        raise MathematicalError("level cp: meta.info.cp holds no factors")
    try:
        U, V, Z = (np.asarray(cp[k], dtype=np.float64) for k in ("U", "V", "Z"))
        rebuilt = np.einsum("ir,rk,rj->ijk", U, V, Z)
    except (KeyError, ValueError, TypeError):
        raise MathematicalError("level cp: the factors U, V, Z have the wrong shapes") from None
    if rebuilt.shape != W.shape or np.max(np.abs(rebuilt - W)) > 1e-12 * max(1.0, float(np.max(np.abs(W)))):
        raise MathematicalError("level cp: U diag(V x) Z differs from W")


def _house_factors(info: dict, D: int, H: int, householders) -> list:
    """The factors of meta.info.house with their float checks: ``householders`` per symbol, unit ``k``,
    ``beta`` in [0, 2]."""
    house = info.get("house")
    if not isinstance(house, dict) or not isinstance(house.get("factors"), list) or len(house["factors"]) != D:
        raise MathematicalError("level house: meta.info.house holds no factors for every symbol")
    if house.get("householders") != householders:
        raise MathematicalError(f"level house: meta.info.house has {house.get('householders')} factors per symbol, "
                                f"the level says {householders}")
    for k, fs in enumerate(house["factors"]):
        if not isinstance(fs, list) or len(fs) != householders:
            raise MathematicalError(f"level house: symbol {k} has not {householders} factors")
        for j, f in enumerate(fs):
            try:
                u, beta = np.asarray(f["k"], dtype=np.float64), float(f["beta"])
            except (KeyError, TypeError, ValueError):
                raise MathematicalError(f"level house: factor {j} of symbol {k} has no k and beta") from None
            if u.shape != (H,) or abs(float(np.linalg.norm(u)) - 1) > 1e-12 or not 0 <= beta <= 2:
                raise MathematicalError(f"level house: factor {j} of symbol {k} is not I - beta k k^T with |k| = 1, "
                                        "beta in [0, 2]")
    return house["factors"]


def _check_house_numeric(info: dict, A: np.ndarray, householders) -> None:
    """The product of the stored float factors equals each A_k (relative 1e-9)."""
    from bilinear.theory.arith.cartan_dieudonne import float_factors_product
    D, H = A.shape[0], A.shape[1]
    for k, fs in enumerate(_house_factors(info, D, H, householders)):
        P = float_factors_product(H, [(np.asarray(f["k"], dtype=np.float64), float(f["beta"])) for f in fs])
        if np.max(np.abs(P - A[k])) > 1e-9 * max(1.0, float(np.max(np.abs(A[k])))):
            raise MathematicalError(f"level house: the product of the stored factors differs from A[{k}]")


def _check_house(info: dict, mats, field: NumberField, householders) -> None:
    """Exactly: ``c (wᵀw) = beta``, ``∏ (I - c w wᵀ) = A_k``, and the float ``k``, ``beta`` are ``w/|w|``
    and ``beta`` rounded."""
    from fractions import Fraction

    from bilinear.theory.arith.cartan_dieudonne import add, dense_from_sparse, factors_product, mul, to_float, zero
    H = mats[0].shape[0] if mats else 0
    d = field.degree

    def element(x):
        if not isinstance(x, list) or len(x) != d:
            raise MathematicalError("level house: an exact factor entry is not a list of field coefficients")
        return tuple(Fraction(str(c)) for c in x)
    for k, fs in enumerate(_house_factors(info, len(mats), H, householders)):
        exact = []
        for j, f in enumerate(fs):
            ex = f.get("exact") if isinstance(f, dict) else None
            if not isinstance(ex, dict):
                raise MathematicalError(f"level house: factor {j} of symbol {k} has no exact form")
            beta = Fraction(str(ex.get("beta")))
            if not 0 <= beta <= 2 or float(beta) != float(f["beta"]):
                raise MathematicalError(f"level house: factor {j} of symbol {k}: beta {beta} is not the stored float "
                                        "or not in [0, 2]")
            if beta == 0:
                continue
            w, c = [element(x) for x in ex["w"]], element(ex["c"])
            if len(w) != H:
                raise MathematicalError(f"level house: factor {j} of symbol {k}: w has the wrong length")
            norm = zero(field)
            for x in w:
                norm = add(norm, mul(field, x, x))
            if mul(field, c, norm) != (beta,) + zero(field)[1:]:
                raise MathematicalError(f"level house: factor {j} of symbol {k}: c (w^T w) != beta")
            wf = np.array([to_float(field, x) for x in w])
            if np.max(np.abs(wf / np.linalg.norm(wf) - np.asarray(f["k"]))) > 1e-12:
                raise MathematicalError(f"level house: factor {j} of symbol {k}: the float k is not w/|w|")
            exact.append((w, c))
        if factors_product(field, H, exact) != dense_from_sparse(mats[k]):
            raise MathematicalError(f"level house: the product of the stored factors of symbol {k} is not A[{k}]")


#: The checks of a level's witness (:attr:`~bilinear.theory.hierarchy.levels.Level.witness`): its factors in
#: ``meta.info`` multiply out to every ``A_k`` — exactly, and in float64.
_WITNESS_CHECKS = {
    "cp": (lambda shape, info, mats, F: _check_cp(info, mats, F, shape.hidden, len(mats)),
           lambda shape, info, A: _check_cp_numeric(info, weights_of(A))),
    "house": (lambda shape, info, mats, F: _check_house(info, mats, F, shape.householders),
              lambda shape, info, A: _check_house_numeric(info, A, shape.householders)),
}


# ------------------------------------------------------------------------------------ numeric
def certify_numeric(A: np.ndarray, h0: np.ndarray, R: np.ndarray, labels, ref: Automaton,
                    min_length: int = 10 ** 6) -> dict:
    """Float64 certificate: residual, margin and the guaranteed decoding length (see module doc)."""
    label_pos = {s: i for i, s in enumerate(labels)}
    n = ref.num_states
    phi = np.full((n, len(h0)), np.nan)
    phi[ref.start] = h0
    seen = np.zeros(n, dtype=bool)
    seen[ref.start] = True
    frontier = [ref.start]
    residual = 0.0
    while frontier:
        fresh = []
        for q in frontier:
            for k in range(A.shape[0]):
                v = A[k] @ phi[q]
                t = int(ref.delta[q, k])
                if not seen[t]:
                    seen[t], phi[t] = True, v
                    fresh.append(t)
                else:
                    residual = max(residual, float(np.linalg.norm(v - phi[t])))
        frontier = fresh
    states = np.flatnonzero(seen)
    missing = [ref.outputs[q] for q in states if ref.outputs[q] not in label_pos]
    if missing:
        raise MathematicalError(f"labels: the output {missing[0]!r} of a reachable state has no readout row")
    P = phi[states]
    scores = P @ R.T
    true = np.array([label_pos[ref.outputs[q]] for q in states])
    own = scores[np.arange(len(states)), true]
    others = scores.copy()
    others[np.arange(len(states)), true] = -np.inf
    margin = float(np.min(own - others.max(axis=1))) if R.shape[0] > 1 else float("inf")
    L = max(float(np.linalg.norm(a, 2)) for a in A)
    H = len(h0)
    u = np.finfo(np.float64).eps / 2
    step_round = (H * u / (1 - H * u)) * L * float(np.max(np.linalg.norm(P, axis=1)))
    eps = residual + step_round
    diffs = [float(np.linalg.norm(R[i] - R[j])) for i in range(len(R)) for j in range(i + 1, len(R))] or [0.0]
    Dmax = float(max(diffs))
    score_round = 2 * H * u * float(np.max(np.abs(R)) * np.max(np.abs(P)) + 1) * H
    budget = (margin - score_round) / Dmax if Dmax > 0 else float("inf")
    T = _horizon(eps, L, budget)
    if margin <= 0 or T < min_length:
        raise MathematicalError(f"numeric certificate fails: margin {margin:.3g}, residual {residual:.3g}, "
                                f"decoding guaranteed only up to length {T} < {min_length}")
    return {"num_states": int(len(states)), "margin": margin, "margin_exact": None,
            "residual": residual, "guaranteed_length": int(T)}


def _horizon(eps: float, L: float, budget: float, cap: int = 10 ** 15) -> int:
    """Largest ``T <= cap`` with ``eps * (1 + L + ... + L^{T-1}) < budget``."""
    if budget <= 0:
        return 0
    if eps <= 0:
        return cap
    lo, hi = 0, cap
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if abs(L - 1) < 1e-300:
            s = float(mid)
        elif L <= 0:
            s = 1.0
        else:
            e = mid * np.log(L)
            s = np.inf if e > 700 else float(np.expm1(e) / (L - 1))
        if eps * s < budget:
            lo = mid
        else:
            hi = mid - 1
    return lo


# ------------------------------------------------------------------------------------ driver
def certify_weights(wf: WeightFile, min_length: int = 10 ** 6) -> Certificate:
    """Certify a weight file from its contents alone (see the module docstring)."""
    t0 = time.perf_counter()
    ref = reference_machine(wf)
    H, _, D = wf.shape
    level = wf.level
    info = wf.meta.get("info", {}) or {}
    if level != wf.meta.get("level", level):
        raise MathematicalError("level: the file's level differs from meta.level")
    shape = _claimed_shape(wf)
    exact_check, numeric_check = _WITNESS_CHECKS.get(shape.witness, (None, None))
    if wf.meta.get("exact"):
        F, mats, h0, R = _exact_parts(wf)
        structure = _structure(shape, wf.meta.get("method"), [_ExactEntries(A, F) for A in mats])
        if exact_check is not None:
            exact_check(shape, info, mats, F)
        res = certify_exact(F, mats, h0, R, wf.labels, ref)
        integer = F.degree == 1 and all(A.den == 1 for A in mats) and R.den == 1 and int(h0.den[0]) == 1
        method = "exact-integer" if integer else "exact-algebraic"
        field_name = "Z" if integer else F.name
        exact = True
    else:
        A = wf.transitions()
        structure = _structure(shape, wf.meta.get("method"), [_FloatEntries(a) for a in A])
        if numeric_check is not None:
            numeric_check(shape, info, A)
        res = certify_numeric(A, wf.h0, wf.readout, wf.labels, ref, min_length=min_length)
        method, field_name, exact = "numeric", "float64", False
    return Certificate(certified=True, exact=exact, method=method, level=level, field=field_name,
                       hidden_size=H, num_symbols=D, structure=structure,
                       seconds=time.perf_counter() - t0, **res)


def certify_file(path, min_length: int = 10 ** 6) -> Certificate:
    """:func:`certify_weights` of the file at ``path``; a malformed file's error names it."""
    wf = load_weights(path)
    try:
        return certify_weights(wf, min_length=min_length)
    except InputError as e:
        raise type(e)(f"weight file {path}: {e}") from None
