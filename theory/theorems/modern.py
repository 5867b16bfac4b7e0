"""The modern levels (docs/design.md §14): HOUSE (Householder products) and MONO (monomial transitions).

Each checker takes the functions it relies on as parameters, so that tests can feed broken variants
and see the check fail.
"""

from __future__ import annotations

import itertools
import random
from fractions import Fraction

import numpy as np
import sympy

from bilinear.theory.errors import MathematicalError
from bilinear.theory.theorems.base import CheckKind, Theorem

__all__ = ["THEOREMS", "householder_factor", "check_fixed_hyperplanes", "check_cartan_dieudonne",
           "check_single_factor_order", "check_mono_characterisation", "check_strict_containments",
           "embeds_in_signed_permutations", "signed_permutation_matrices"]

GROUPS = ("Z2", "Z3", "Z4", "Z2^2", "S3", "D4", "Q8", "A4", "S4", "A5")


def householder_factor(beta: Fraction, w: list[Fraction]) -> sympy.Matrix:
    """``I - beta k kᵀ`` with ``k = w/|w|``, exactly: ``I - beta w wᵀ/(wᵀw)`` (rational in ``w``)."""
    v = sympy.Matrix([sympy.Rational(x) for x in w])
    return sympy.eye(len(w)) - sympy.Rational(beta) * v * v.T / (v.T * v)[0, 0]


def check_fixed_hyperplanes(factor=householder_factor, samples: int = 150, seed: int = 0) -> dict:
    """rank(∏_{j<n} F_j - I) <= n for seeded exact products (H <= 5, n <= 4, beta in [0, 2])."""
    rng = random.Random(seed)
    worst = 0
    for _ in range(samples):
        H, n = rng.randint(1, 5), rng.randint(1, 4)
        A = sympy.eye(H)
        for _j in range(n):
            w = [Fraction(rng.randint(-3, 3)) for _ in range(H)]
            if not any(w):
                w[0] = Fraction(1)
            A = A * factor(Fraction(rng.randint(0, 8), 4), w)
        r = (A - sympy.eye(H)).rank()
        if r > n:
            raise MathematicalError(f"a product of {n} factors in H = {H} has rank(A - I) = {r} > {n}")
        worst = max(worst, r)
    return {"samples": samples, "largest_rank": worst}


def check_cartan_dieudonne(decompose=None, groups=("S3", "D4", "Q8", "A4", "S4")) -> dict:
    """For every element g of the exact real irreducibles of ``groups``: ``decompose`` gives exactly
    ``rank(ρ(g) - I)`` (from the character) reflections whose product is ρ(g), exactly."""
    from fractions import Fraction as Fr

    from bilinear.theory.arith.cartan_dieudonne import factors_product, reflection_factors
    from bilinear.theory.groups.parser import parse_group
    from bilinear.theory.hierarchy.house import reflection_ranks
    from bilinear.theory.representations.matrices import real_irrep_matrices
    decompose = reflection_factors if decompose is None else decompose
    checked = 0
    for spec in groups:
        G = parse_group(spec)
        ranks = reflection_ranks(G, range(G.num_classes))
        for r in range(ranks.shape[0]):
            rim = real_irrep_matrices(G, r)
            exact_mats = rim.matrices_exact
            if not rim.exact or exact_mats is None:
                continue
            from bilinear.theory.arith.number_field import NumberField, RATIONALS
            theta = rim.primitive_element
            F = RATIONALS if theta is None else NumberField.from_sympy(theta)
            if theta is not None and F.primes:
                F, theta = NumberField.multiquadratic(sorted(F.primes)), None
            for g in range(G.order):
                M = exact_mats[g]
                dense = [[tuple(Fr(x) for x in F.coefficients(M[i, j], theta)) for j in range(rim.dim)]
                         for i in range(rim.dim)]
                fs = decompose(F, dense)
                if len(fs) != ranks[r, G.class_of[g]] or factors_product(F, rim.dim, fs) != dense:
                    raise MathematicalError(f"{spec}, real irreducible {r}, element {G.names[g]}: {len(fs)} "
                                            f"reflections, rank(ρ(g) - I) = {ranks[r, G.class_of[g]]}")
                checked += 1
    return {"groups": list(groups), "matrices": checked}


def check_single_factor_order(max_order: int = 24, real_roots=None) -> dict:
    """The eigenvalue 1 - beta of a factor must be a real root of unity: the real roots of x^m - 1
    (m <= max_order) are ±1 only, so beta in {0, 2}; and the exact witness that a scale c != 1 does
    occur in projective tracking: H = 1, A = 1 - 3/2 = -1/2 tracks Z2 with c = 1/2."""
    x = sympy.Symbol("x")
    real_roots = (lambda m: sympy.real_roots(x ** m - 1)) if real_roots is None else real_roots
    for m in range(1, max_order + 1):
        roots = set(real_roots(m))
        if not roots <= {1, -1}:
            raise MathematicalError(f"x^{m} - 1 has the real roots {sorted(roots)}, not only ±1")
    betas = sorted({1 - r for m in range(1, max_order + 1) for r in real_roots(m)})
    if betas != [0, 2]:
        raise MathematicalError(f"finite-order betas {betas}, expected [0, 2]")
    a, c = Fraction(1) - Fraction(3, 2), Fraction(1, 2)
    phi = {0: Fraction(1), 1: Fraction(-1)}
    if not all(a * phi[q] == c * phi[(q + 1) % 2] for q in (0, 1)):
        raise MathematicalError("the beta = 3/2 witness does not track Z2 with c = 1/2")
    return {"max_order": max_order, "betas": [str(b) for b in betas], "projective_witness": "beta = 3/2, c = 1/2"}


def signed_permutation_matrices(n: int) -> list:
    """Every n x n signed permutation matrix (column i has the sign s_i in row perm(i)), as int64 arrays."""
    out = []
    for perm in itertools.permutations(range(n)):
        for signs in itertools.product((1, -1), repeat=n):
            M = np.zeros((n, n), dtype=np.int64)
            for i, (j, s) in enumerate(zip(perm, signs)):
                M[j, i] = s
            out.append(M)
    return out


def embeds_in_signed_permutations(G, n: int) -> bool:
    """Whether G has an injective homomorphism into the n x n signed permutation matrices (brute force
    over images of the generators of the right orders)."""
    gens = list(G.generators)
    if not gens:
        return True
    cands = []
    for M in signed_permutation_matrices(n):
        k, P = 1, M
        while not np.array_equal(P, np.eye(n, dtype=np.int64)):
            P, k = P @ M, k + 1
        cands.append((M, k))
    per_gen = [[M for M, k in cands if k == int(G.element_orders[s])] for s in gens]
    for images in itertools.product(*per_gen):
        rho, frontier, ok = {0: np.eye(n, dtype=np.int64)}, [0], True
        while frontier and ok:
            nxt = []
            for g in frontier:
                for s, M in zip(gens, images):
                    h, P = int(G.mul(g, s)), rho[g] @ M
                    if h in rho:
                        ok = ok and bool(np.array_equal(rho[h], P))
                    else:
                        rho[h] = P
                        nxt.append(h)
            frontier = nxt
        if ok and len({M.tobytes() for M in rho.values()}) == G.order:
            return True
    return False


def check_mono_characterisation(degree=None, groups=("Z2", "Z3", "Z4", "Z2^2", "S3", "Z6", "D4", "Q8")) -> dict:
    """The least faithful ±1-monomial degree from induced characters equals the least n with G inside
    the signed permutation group B_n (brute force), and lies between the faithful real dimension and
    the least faithful permutation degree."""
    from bilinear.theory.groups.parser import parse_group
    from bilinear.theory.hierarchy.placement import hierarchy_level
    from bilinear.theory.hierarchy.mono import monomial_degree
    degree = (lambda G: monomial_degree(G).degree) if degree is None else degree
    out = {}
    for spec in groups:
        G = parse_group(spec)
        d = degree(G)
        if not embeds_in_signed_permutations(G, d) or (d > 1 and embeds_in_signed_permutations(G, d - 1)):
            raise MathematicalError(f"{spec}: degree {d} is not the least n with {spec} inside B_n")
        m = monomial_degree(G)
        if not max(hierarchy_level(G).min_faithful_dim_real, 1) <= d <= m.permutation_degree:
            raise MathematicalError(f"{spec}: degree {d} outside [faithful real dim, permutation degree]")
        out[spec] = d
    return {"groups": list(groups), "degrees": out}


def check_strict_containments(house=None, mono=None) -> dict:
    """The witnesses of the strict modern containments: S3 in HOUSE(2, 2) (non-abelian, so no diagonal
    level); Z3 in no HOUSE(H, 1) and not in HOUSE(2, 1) but in FULL(2); Z4 in MONO(2) (exponent 4,
    so not RDIAG); Z3 in FULL(2) but not MONO(2)."""
    from bilinear.theory.groups.parser import parse_group
    from bilinear.theory.hierarchy.house import house_table
    from bilinear.theory.hierarchy.mono import monomial_degree
    house = house_table if house is None else house
    mono = (lambda G: monomial_degree(G).degree) if mono is None else mono
    S3, Z3, Z4 = parse_group("S3"), parse_group("Z3"), parse_group("Z4")
    facts = {
        "S3 in HOUSE(2, 2), non-abelian": (house(S3).householders_at(2) or 99) <= 2 and not S3.is_abelian,
        "Z3 in no HOUSE(H, 1)": house(Z3).hidden_at(1) is None,
        "Z3 not in HOUSE(2, 1), in FULL(2)": (house(Z3).householders_at(2) or 99) > 1,
        "Z4 in MONO(2), exponent 4": mono(Z4) <= 2 and Z4.exponent == 4,
        "Z3 not in MONO(2), in FULL(2)": mono(Z3) > 2,
    }
    bad = [k for k, v in facts.items() if not v]
    if bad:
        raise MathematicalError(f"strictness witnesses fail: {bad}")
    return {"witnesses": list(facts)}


_CHAR = ("rank(rho(g) - I) = dim rho - (1/|g|) sum_{k<|g|} chi(g^k), additive over direct sums")

THEOREMS = (
    Theorem(name="house.fixed_hyperplanes", title="HOUSE(H, n_h) needs rank(rho(sigma) - I) <= n_h",
            statement="If HOUSE(H, n_h) tracks G over the alphabet S exactly, some faithful real representation rho "
                      "of dimension <= H has rank(rho(s) - I) <= n_h for every s in S.",
            latex=r"\operatorname{rank}(\rho(\sigma) - I) \le n_h",
            assumptions=("exact tracking with one scale c_s > 0 per symbol (docs/design.md §3)",
                         "factors I - beta k k^T, |k| = 1, beta in [0, 2]"),
            proof="Each factor fixes k^perp pointwise, so A_s fixes their intersection, of codimension <= n_h: "
                  "rank(A_s - I) <= n_h. On the span V of the states A_s = c_s rho(s) with rho a faithful "
                  "representation (states are injective, transitions determined on a spanning set). "
                  "rank(c_s rho(s) - I_V) <= rank(A_s - I) <= n_h; if dim V > n_h then 1/c_s is an eigenvalue of "
                  "rho(s), of finite order and positive, so c_s = 1; otherwise rank(rho(s) - I) <= dim V <= n_h. "
                  "The check: exact ranks of seeded products of factors. " + _CHAR,
            scope=('a certificate-producing algorithm on seeded products: exact ranks of 150 products; the '
                   'bound for every product rests on the written proof (each factor fixes a hyperplane).'),
            kind=CheckKind.CERTIFICATE, checker=check_fixed_hyperplanes,
            checked_range="150 seeded exact products, H <= 5, n_h <= 4"),
    Theorem(name="house.cartan_dieudonne", title="an orthogonal map is a product of rank(A - I) reflections",
            statement="Every orthogonal A is a product of exactly rank(A - I) reflections (beta = 2), so a faithful "
                      "real representation rho of dimension <= H with rank(rho(s) - I) <= n_h gives HOUSE(H, n_h) "
                      "weights tracking G (pad with beta = 0 and fixed coordinates).",
            latex=r"A = \prod_{j \le \operatorname{rank}(A - I)} (I - 2 k_j k_j^\top)",
            assumptions=("A orthogonal (a finite group's representation is orthogonal in an invariant inner product; "
                         "conjugating changes no rank)",),
            proof="While B != I take e_i with B e_i != e_i, w = B e_i - e_i, R = I - 2ww^T/(w^Tw). |B e_i| = |e_i| so "
                  "R B e_i = e_i, and R fixes every x with Bx = x (x^T w = (B^T x)^T e_i - x^T e_i = 0); so the "
                  "fixed space of R B is that of B plus e_i: it grows by one per step, and a reflection changes it by "
                  "at most one, so exactly rank(A - I) steps reach I, and A = R_1 ... R_r.",
            scope=('an exhaustive check on given groups: the decomposition algorithm is run and its product '
                   're-verified exactly on every element of the listed real irreducibles; every orthogonal '
                   'map rests on the written proof.'),
            kind=CheckKind.EXHAUSTIVE, checker=check_cartan_dieudonne,
            checked_range="every element of every exact real irreducible of S3, D4, Q8, A4, S4"),
    Theorem(name="house.single_factor_order", title="a single factor has finite order only for beta in {0, 2}",
            statement="I - beta k k^T (|k| = 1) has finite order iff beta in {0, 2}; so HOUSE(H, 1) tracks, with "
                      "c = 1, only groups in which every symbol acts as the identity or a reflection. A scale c != 1 "
                      "does occur for projective tracking: beta = 3/2 in H = 1 tracks Z2 with c = 1/2.",
            latex=r"(1-\beta)^m = 1,\ 1 - \beta \in \mathbb{R} \Rightarrow \beta \in \{0, 2\}",
            assumptions=("beta real", "|k| = 1"),
            proof="The eigenvalues are 1 (on k^perp) and 1 - beta (on k); a finite order m needs (1 - beta)^m = 1, and "
                  "the only real roots of unity are ±1. The check lists the real roots of x^m - 1 for m <= 24 and "
                  "verifies the projective witness exactly.",
            scope=('an exhaustive check on a finite range (m <= 24) plus an exact witness; every m rests on '
                   'the written proof (the only real roots of unity are ±1).'),
            kind=CheckKind.EXHAUSTIVE, checker=check_single_factor_order, checked_range="m <= 24"),
    Theorem(name="mono.characterisation", title="MONO(H) tracks G iff G has a faithful ±1-monomial representation "
                                                "of degree <= H",
            statement="The least H with MONO(H) tracking G is the least degree of a faithful sum of representations "
                      "Ind_K^G lambda, lambda a ±1 character of K; ker Ind_K^G lambda = core_G(ker lambda).",
            latex=r"\min H = \min \{\textstyle\sum [G:K_i] : \bigcap \operatorname{core}(\ker\lambda_i) = 1\}",
            assumptions=("real diagonal entries", "exact tracking with one scale c_s > 0 per symbol"),
            proof="Sufficiency: signed permutation matrices rho(s)^T with h0 = (1, ..., H). Necessity: let V be the "
                  "span of the states and f_i the coordinate functionals restricted to V; f_{pi(i)} o A_s = d_i f_i, so "
                  "the dual action of G permutes the finitely many lines R f_i (f_i != 0), which span V*. The "
                  "stabiliser of a line acts on it by a real character of finite order, ±1, so V* is a quotient of "
                  "a ±1-monomial representation M of degree <= H; ker M lies in ker V* = 1. The check compares the "
                  "induced-character minimum with brute force over signed permutation groups.",
            scope=('an exhaustive check on given groups: the induced-character minimum equals a brute force '
                   'over signed permutation groups for the 8 listed groups; every group rests on the written'
                   ' proof.'),
            kind=CheckKind.EXHAUSTIVE, checker=check_mono_characterisation,
            checked_range="Z2, Z3, Z4, Z2^2, S3, Z6, D4, Q8 (brute force over B_n)"),
    Theorem(name="modern.strict_containments", title="the modern containments are strict",
            statement="RDIAG(H) ⊂ HOUSE(H, H), HOUSE(H, n_h) ⊂ HOUSE(H, n_h'), HOUSE ⊂ FULL, RDIAG ⊂ MONO and "
                      "MONO ⊂ FULL are strict: witnesses S3, Z3, Z3, Z4, Z3 (theory/hierarchy/levels.py CONTAINMENTS).",
            latex=r"\subsetneq",
            assumptions=("the classifications house.fixed_hyperplanes and mono.characterisation",),
            proof="S3 is non-abelian (commutation.barrier) and HOUSE(2, 2) tracks it; Z3's rotation has rank 2 and "
                  "no faithful representation of Z3 has a rank-1 element; Z4 has exponent 4 (finite_order.diagonal) "
                  "and [[0, -1], [1, 0]] is monomial; Z3 has no ±1 character, so its least monomial degree is 3 > 2.",
            scope=('a proof: each strictness is existential and its witness group is verified exactly (the '
                   'classifications it uses are the theorems named in its assumptions).'),
            kind=CheckKind.WITNESS, checker=check_strict_containments),
)
