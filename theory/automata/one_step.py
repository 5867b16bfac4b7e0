"""The exact one-step certificate (docs/design.md §3): one implementation for constructions and theorems.

Given exact transition matrices ``A_σ`` (:class:`~bilinear.theory.arith.field_matrices.SparseMatrix` over a
:class:`~bilinear.theory.arith.number_field.NumberField`), a start state ``h0`` and a reference Moore machine
``(Q, Σ, δ, q0, λ)`` (:class:`~bilinear.theory.automata.automaton.Automaton`: the Cayley machine of a group over its
alphabet, or an automaton), a breadth-first search over pairs ``(q, h)`` from ``(q0, h0)`` defines
``φ(q)`` at the first visit and checks, for every reachable ``q`` and every ``σ``,

    ``A_σ φ(q) = φ(δ(q, σ))``                                  (one-step check, ``c = 1``)

in exact arithmetic (:func:`exact_orbit`).  :func:`certify_exact` adds (:func:`certify_decoding`): ``φ`` injective on the
reachable states, and ``labels[argmax(R φ(q))] = λ(q)`` with a positive margin
``min_q (score of λ(q) - best other score)``.  By induction on the length of a word, the state after
any word ``w`` is ``φ(δ(q0, w))``, so decoding is correct at every length.  Failures raise
:class:`~bilinear.theory.errors.MathematicalError` naming the state and symbol.

:mod:`bilinear.constructions.certificate` calls this after reading a weight file (tamper and structure
checks); the theorem checks of :mod:`bilinear.theory.theorems` call it on the models they build.

Example (parity: the sign character of ``Z_2`` as a 1-dimensional model)::

    >>> import numpy as np
    >>> from bilinear.theory.automata.automaton import Automaton
    >>> from bilinear.theory.arith.number_field import RATIONALS
    >>> ref = Automaton(("even", "odd"), ("1",), np.array([[1], [0]]), 0, ("even", "odd"))
    >>> A = [SparseMatrix.from_dense_ints(RATIONALS, [[-1]])]
    >>> h0 = Columns.from_fractions(RATIONALS, [[[1]]])
    >>> R = SparseMatrix.from_dense_ints(RATIONALS, [[1], [-1]])
    >>> certify_exact(RATIONALS, A, h0, R, ("even", "odd"), ref)
    {'num_states': 2, 'margin': 2.0, 'margin_exact': '2'}
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from bilinear.theory.automata.automaton import Automaton
from bilinear.theory.errors import MathematicalError
from bilinear.theory.arith.field_matrices import Columns, SparseMatrix
from bilinear.theory.arith.number_field import NumberField
from bilinear.theory.resources import check_work

__all__ = ["exact_orbit", "certify_exact", "certify_decoding"]


def exact_orbit(F: NumberField, mats, h0: Columns, ref: Automaton, one_hot_path: bool = True):
    """Breadth-first search over ``(q, φ(q))`` from ``(q0, h0)``: returns the reachable states in
    discovery order and their hidden states (:class:`Columns`, same order), after checking
    ``A_σ φ(q) = φ(δ(q, σ))`` exactly for every reachable ``q`` and symbol ``σ`` (raises
    :class:`MathematicalError` naming the first failure).

    When ``h0`` is a unit vector ``e_j`` and every ``A_σ`` is a 0/1 matrix with exactly one 1 in
    each column (``A_σ e_j = e_{f_σ(j)}``: one-hot automata, regular representations), every state
    is a unit vector and the check is ``f_σ(π(q)) = π(δ(q, σ))`` on indices — still exact, in
    O(|Q|·|Σ|) instead of dense column arithmetic.  ``one_hot_path=False`` forces the general
    arithmetic (the tests compare the two), whose estimated cost ``|Q| |Σ| nnz(A) d^2`` (``d`` the
    field degree) is checked first (:func:`bilinear.theory.resources.check_work`)."""
    if one_hot_path:
        j0 = _unit_index(h0)
        if j0 is not None:
            maps = [_column_function(A) for A in mats]
            if all(f is not None for f in maps):
                return _one_hot_orbit(F, maps, j0, h0.num.shape[1], ref)
    n = ref.num_states
    d, H = h0.num.shape[0], h0.num.shape[1]
    nnz = max((len(A.rows) for A in mats), default=0)
    check_work(n * len(mats) * max(nnz, 1) * d * d,
               f"the exact one-step check of {n} states x {len(mats)} symbols (hidden size {H}, field degree {d})")
    slot = np.full(n, -1, dtype=np.int64)
    store_num = np.zeros((d, H, n), dtype=h0.num.dtype)      # φ(q) for the discovered states, by slot
    store_den = np.ones(n, dtype=h0.den.dtype)
    store_num[:, :, 0], store_den[0] = h0.num[:, :, 0], h0.den[0]
    slot[ref.start] = 0
    count = 1
    order = [ref.start]
    frontier = np.array([ref.start], dtype=np.int64)
    while frontier.size:
        V = Columns._reduced(F, store_num[:, :, slot[frontier]], store_den[slot[frontier]])
        fresh = []
        for k, A in enumerate(mats):
            image = A.apply(V)
            targets = ref.delta[frontier, k]
            uniq, first_all = np.unique(targets, return_index=True)
            unseen = slot[uniq] < 0
            new_t, first = uniq[unseen], first_all[unseen]
            if len(new_t):
                slot[new_t] = np.arange(count, count + len(new_t))
                if image.num.dtype == object and store_num.dtype != object:
                    store_num, store_den = store_num.astype(object), store_den.astype(object)
                store_num[:, :, count:count + len(new_t)] = image.num[:, :, first]
                store_den[count:count + len(new_t)] = image.den[first]
                count += len(new_t)
                order.extend(new_t.tolist())
                fresh.extend(new_t.tolist())
            expected = Columns._reduced(F, store_num[:, :, slot[targets]], store_den[slot[targets]])
            ok = image.column_equal(expected)
            if not np.all(ok):
                j = int(np.flatnonzero(~ok)[0])
                raise MathematicalError(
                    f"one-step check fails: A[{k}] phi({ref.states[frontier[j]]}) != "
                    f"phi({ref.states[targets[j]]}) for symbol {ref.alphabet[k]!r}")
        frontier = np.array(fresh, dtype=np.int64)
    store = Columns._reduced(F, store_num[:, :, :count], store_den[:count])
    return order, store


def _unit_index(h0: Columns) -> int | None:
    """``j`` if ``h0`` is exactly the unit vector ``e_j``, else None."""
    num = h0.num
    if h0.size != 1 or int(h0.den[0]) != 1 or np.any(num[1:] != 0):
        return None
    nz = np.flatnonzero(num[0, :, 0])
    return int(nz[0]) if len(nz) == 1 and num[0, nz[0], 0] == 1 else None


def _column_function(A: SparseMatrix) -> np.ndarray | None:
    """``f`` with ``A e_j = e_{f(j)}`` for every ``j`` if ``A`` is a 0/1 matrix with exactly one 1
    per column, else None."""
    H = A.shape[1]
    if (A.den != 1 or len(A.cols) != H or np.any(A.num[0] != 1) or np.any(A.num[1:] != 0)
            or len(np.unique(A.cols)) != H):
        return None
    f = np.empty(H, dtype=np.int64)
    f[A.cols] = A.rows
    return f


def _one_hot_orbit(F: NumberField, maps, j0: int, H: int, ref: Automaton):
    """:func:`exact_orbit` for unit-vector states: BFS on indices ``π(q)`` with ``φ(q) = e_{π(q)}``."""
    pi = np.full(ref.num_states, -1, dtype=np.int64)
    pi[ref.start] = j0
    order = [ref.start]
    frontier = np.array([ref.start], dtype=np.int64)
    while frontier.size:
        fresh = []
        for k, f in enumerate(maps):
            image = f[pi[frontier]]
            targets = ref.delta[frontier, k]
            uniq, first = np.unique(targets, return_index=True)
            unseen = pi[uniq] < 0
            if np.any(unseen):
                new_t = uniq[unseen]
                pi[new_t] = image[first[unseen]]
                order.extend(new_t.tolist())
                fresh.extend(new_t.tolist())
            bad = np.flatnonzero(pi[targets] != image)
            if len(bad):
                j = int(bad[0])
                raise MathematicalError(
                    f"one-step check fails: A[{k}] phi({ref.states[frontier[j]]}) != "
                    f"phi({ref.states[targets[j]]}) for symbol {ref.alphabet[k]!r}")
        frontier = np.array(fresh, dtype=np.int64)
    num = np.zeros((F.degree, H, len(order)), dtype=np.int64)
    num[0, pi[order], np.arange(len(order))] = 1
    return order, Columns._reduced(F, num, np.ones(len(order), dtype=np.int64))


def certify_exact(F: NumberField, mats, h0: Columns, R: SparseMatrix, labels, ref: Automaton) -> dict:
    """Run the one-step check and the decoding check exactly; return states, margin."""
    order, store = exact_orbit(F, mats, h0, ref)
    return certify_decoding(F, order, store, R, labels, ref)


def certify_decoding(F: NumberField, order, store: Columns, R: SparseMatrix, labels, ref: Automaton) -> dict:
    """For the orbit ``(order, store)`` of :func:`exact_orbit`: ``φ`` injective, and every reachable
    state ``q`` decoded as ``λ(q)`` by ``labels[argmax(R φ(q))]`` with a positive margin."""
    label_pos = {s: i for i, s in enumerate(labels)}
    if not store.distinct():
        raise MathematicalError("phi is not injective: two reachable states share a hidden state")
    missing = [ref.outputs[q] for q in order if ref.outputs[q] not in label_pos]
    if missing:
        raise MathematicalError(f"labels: the output {missing[0]!r} of a reachable state has no readout row")
    true_all = np.array([label_pos[ref.outputs[q]] for q in order], dtype=np.int64)
    m, d, K = store.size, F.degree, R.shape[0]
    check_work(m * max(len(R.rows), K) * d * d, f"the exact decoding check of {m} states x {K} labels "
                                                 f"(field degree {d})")
    # a block of states at a time: the scores of all states against all labels (d x K x m, and the
    # readout's d x nnz x m products) are never held at once (for S_7 they were 18 GiB)
    step = max(1, DECODING_CHUNK_BYTES // (8 * d * max(len(R.rows), K, 1)))
    best: tuple = (float("inf"), None)
    for start in range(0, m, step):
        cols = slice(start, start + step)
        scores = R.apply(Columns(F, store.num[:, :, cols], np.asarray(store.den)[cols]))   # d x K x c
        true = true_all[cols]
        c = len(true)
        own = scores.num[:, true, np.arange(c)]                  # d x c
        diff = own[:, None, :] - scores.num                      # d x K x c : own - every row
        signs = F.signs(diff, 1)
        signs[true, np.arange(c)] = 1                            # a row against itself
        if np.any(signs <= 0):
            k, j = np.argwhere(signs <= 0)[0]
            raise MathematicalError(f"decoding fails: in state {ref.states[order[start + j]]} the label {labels[k]!r} "
                                    f"scores at least as high as the correct {labels[true[j]]!r}")
        margin = _min_margin(F, diff, scores.den, true)
        if _margin_key(margin) < _margin_key(best):
            best = margin
    return {"num_states": m, "margin": best[0], "margin_exact": best[1]}


#: The decoding check holds the scores of this many bytes of states at a time.
DECODING_CHUNK_BYTES = 2 ** 26


def _margin_key(margin: tuple) -> Fraction | float:
    """The exact value of a ``(float, exact text or None)`` margin where there is one, for comparing."""
    return Fraction(margin[1]) if margin[1] is not None else margin[0]


def _min_margin(F: NumberField, diff: np.ndarray, den: np.ndarray, true: np.ndarray):
    """Smallest positive ``(own - other) / den`` (exactly for rationals; float otherwise)."""
    m = diff.shape[2]
    mask = np.ones(diff.shape[1:], dtype=bool)
    mask[true, np.arange(m)] = False
    if F.degree == 1:
        if not mask.any():
            return float("inf"), None
        vals = diff[0]
        if vals.dtype != object:
            colmin = np.where(mask, vals, np.iinfo(np.int64).max).min(axis=0)
        else:
            colmin = [min(vals[mask[:, j], j]) if mask[:, j].any() else None for j in range(m)]
        best = min(Fraction(int(colmin[j]), int(den[j])) for j in range(m) if mask[:, j].any())
        return float(best), str(best)
    fl = np.real(F.evaluate(diff, den[None, :].astype(float)))
    fl = np.where(mask, fl, np.inf)
    return float(fl.min()), None
