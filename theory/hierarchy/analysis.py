"""What ``bilinear analyze`` reports: a group's invariants, character table and, per level of the
hierarchy, whether the level tracks the group exactly and at which smallest hidden size
(docs/design.md §4, §11).

The per-level table (:func:`level_reports`) uses the toolkit's alphabet convention: the symbols are
the group's generators (the identity for the trivial group), so ``D = max(#generators, 1)``, and a
model has ``H >= 1``.  Each row names the construction that attains its hidden size (``upper``) and
the argument that no smaller one works, or that the level cannot track the group (``lower``):

=====  ===================================  ===================================================
level  tracks                               smallest hidden size
=====  ===================================  ===================================================
pdiag  the trivial group                    1
rdiag  Z_2^k                                max(k, 1)
rot    abelian groups                       2 max(rank G, 1)
cdiag  abelian groups                       2 max(rank G, 1)
block  every group, B = min_block_real      B x (least number of B-blocks holding a faithful set)
cp     every group                          min faithful real dimension; rank min(H^2, H D)
full   every group                          min faithful real dimension (at least 1)
house  every group                          min faithful real dimension; n_h = the least
                                            max_σ rank(ρ(σ) - I) there (docs/design.md §14)
mono   every group                          least degree of a faithful ±1-monomial representation
=====  ===================================  ===================================================

The modern rows (``house``, ``mono``) are computed for groups of order up to ``modern_max_order``
(default :data:`MODERN_MAX_ORDER`, the subgroup-enumeration limit of :mod:`bilinear.theory.groups.subgroups`); above it
they are left out and ``analysis()`` says so under ``modern_levels``.  Within the limit an abelian
group's rows are read off its invariants (house over every element, and mono); any other house search
states a bound on the sets it examines before it starts and is refused above ``house_max_sets``
(``--house-max-sets``, :mod:`bilinear.theory.hierarchy.house`).  ``house`` depends on the
alphabet (default: every element); the other rows do not, for an alphabet that generates the group
(cp's rank uses D = the number of generators, as before).

``bilinear construct G --level L`` writes exactly these hidden sizes (and block sizes / ranks).

Example::

    >>> from bilinear.theory import parse_group
    >>> [(r.level, r.tracks, r.hidden) for r in level_reports(parse_group("Z6"))][:4]
    [('pdiag', False, None), ('rdiag', False, None), ('rot', True, 2), ('cdiag', True, 2)]
    >>> r = level_reports(parse_group("A4xZ5"))[4]
    >>> (r.level, r.hidden, r.block)
    ('block', 6, 3)
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from bilinear.theory.characters.table import BaseCharacterTable

from bilinear.theory.characters.build import character_table
from bilinear.theory.errors import InputError, expected, type_of
from bilinear.theory.groups.group import FiniteGroup
from bilinear.theory.hierarchy.depth import LevelDepth, depth_cell, least_depth
from bilinear.theory.hierarchy.placement import HierarchyLevel, block_packing, hierarchy_level
from bilinear.theory.hierarchy.levels import CLASSICAL_LEVEL_NAMES, LEVEL_NAMES, check_level_name
from bilinear.theory.representations.real_irreps import TYPE_OF_INDICATOR, real_irreducibles
from bilinear.theory.groups.subgroups import DEFAULT_MAX_ORDER as MODERN_MAX_ORDER

__all__ = ["LevelReport", "level_reports", "analysis", "analysis_lines", "alphabet_size", "MODERN_MAX_ORDER",
           "house_report", "mono_report"]


@dataclass(frozen=True)
class LevelReport:
    """One row of the per-level table: ``tracks`` (can the level track the group exactly), the
    smallest ``hidden`` size there (``None`` when it cannot), ``block`` (BLOCK) or ``rank`` (CP) where
    they apply, the real irreducibles used (indices into ``real_irreducibles``), and the theorems
    behind the bound: ``upper`` (the construction) and ``lower`` (why nothing smaller, or nothing
    at all, works)."""

    level: str
    tracks: bool
    hidden: int | None
    upper: str
    lower: str
    block: int | None = None
    rank: int | None = None
    irreps: tuple[int, ...] = ()
    householders: int | None = None
    extra: tuple[tuple[str, object], ...] = ()
    depth: LevelDepth | None = None

    def __post_init__(self):
        check_level_name(self.level)
        if self.tracks != (self.hidden is not None):
            raise InputError(f"level {self.level}: a hidden size is given exactly when the level tracks the group")
        if self.hidden is not None and self.hidden < 1:
            raise InputError(f"level {self.level}: hidden size must be >= 1, got {self.hidden}")
        if (self.householders is not None) != (self.level == "house" and self.tracks):
            raise InputError(f"level {self.level}: householders is given exactly for a house row that tracks")

    def to_json(self) -> dict:
        out = {"level": self.level, "tracks": self.tracks, "hidden": self.hidden, "block": self.block,
               "rank": self.rank, "irreps": list(self.irreps), "upper": self.upper, "lower": self.lower}
        if self.level == "house":
            out["householders"] = self.householders
        out.update(dict(self.extra))
        if self.depth is not None:                 # the least number of layers (theory/hierarchy/depth.py)
            out.update(self.depth.to_json())
        return out


def alphabet_size(G: FiniteGroup) -> int:
    """``D`` under the alphabet convention: the number of generators (1 for the trivial group)."""
    return max(len(G.generators), 1)


_FINITE_ORDER = "finite_order.diagonal"
_COMMUTATION = "commutation.barrier"
_BLOCKS = "block_classification.min_block_real"


def _pdiag(G: FiniteGroup, L: HierarchyLevel) -> LevelReport:
    if G.order == 1:
        return LevelReport("pdiag", True, 1, "pdiag builder: A(x) = [1], h0 = [1]", "a model has H >= 1")
    return LevelReport("pdiag", False, None, "none",
                       f"{_FINITE_ORDER}: a positive diagonal matrix of finite order is I, so PDIAG tracks only {{e}}")


def _rdiag(G: FiniteGroup, L: HierarchyLevel) -> LevelReport:
    if G.exponent <= 2:
        k = L.min_faithful_dim_real
        return LevelReport("rdiag", True, max(k, 1),
                           "rdiag builder: A_x = diag((-1)^{y_i(x)}), one ±1 character per Z_2 factor",
                           f"{_FINITE_ORDER}: every coordinate is a ±1 character and k of them separate at most "
                           f"2^k elements, so H >= log2 |G| = {k}" + (" (and H >= 1)" if k == 0 else ""),
                           irreps=L.min_faithful_real_irreps)
    return LevelReport("rdiag", False, None, "none",
                       f"{_FINITE_ORDER}: real diagonal entries of finite order are ±1, so every tracked element "
                       f"squares to e; {G.name} has exponent {G.exponent}")


def _rotation(level: str, G: FiniteGroup, L: HierarchyLevel) -> LevelReport:
    if not G.is_abelian:
        return LevelReport(level, False, None, "none",
                           f"{_COMMUTATION}: {level} transitions commute, so a non-abelian group is not tracked")
    irreps: tuple[int, ...]
    if G.order == 1:
        rank, irreps = 0, ()
    elif G.exponent == 2:
        rank, irreps = L.min_faithful_dim_real, L.min_faithful_real_irreps
    else:
        rank, irreps = L.lowest_level_hidden_size // 2, L.lowest_level_irreps
    upper = ("rot builder: one 2x2 rotation block per invariant factor of G" if level == "rot" else
             "cdiag builder: the rot construction (ROT(H) ⊂ CDIAG(H), containment.rot_in_cdiag)")
    lower = (f"each 2x2 block is one complex number, so it carries one linear character; a faithful set of linear "
             f"characters generates the dual group, so it has >= rank(G) = {rank} members and H = 2 x blocks"
             + (" (one block at least)" if rank == 0 else ""))
    return LevelReport(level, True, 2 * max(rank, 1), upper, lower, irreps=irreps)


def _block(G: FiniteGroup, T: BaseCharacterTable, L: HierarchyLevel) -> LevelReport:
    B = max(L.min_block_real, 1)
    packing = block_packing(T, B)
    return LevelReport("block", True, packing.hidden,
                       f"block builder: real irreducibles of dimensions {list(packing.dims) or [1]} in "
                       f"{len(packing.blocks)} block(s) of size {B}",
                       f"{_BLOCKS}: no block size below {B} works; each block carries a real representation of "
                       f"dimension <= {B} and the blocks must be faithful together, so H/B >= the least number "
                       "of bins of size B holding a faithful set (exact search)",
                       block=B, irreps=packing.irreps)


def _full(G: FiniteGroup, L: HierarchyLevel) -> LevelReport:
    H = max(L.min_faithful_dim_real, 1)
    return LevelReport("full", True, H,
                       "full builder (method representation): a faithful sum of real irreducibles of least total "
                       "dimension, A(x) = rho(x)^T",
                       "the states of an exact tracker carry a faithful real representation (docs/design.md §4), "
                       f"and none has dimension below {L.min_faithful_dim_real} (exact faithful-set search)"
                       + (" (and H >= 1)" if L.min_faithful_dim_real == 0 else ""),
                       irreps=L.min_faithful_real_irreps)


def _cp(G: FiniteGroup, L: HierarchyLevel) -> LevelReport:
    full = _full(G, L)
    H, D = max(L.min_faithful_dim_real, 1), alphabet_size(G)
    return LevelReport("cp", True, H,
                       f"cp builder: the full construction rewritten by FULL(H) ⊂ CP(H, min(H², HD)) "
                       f"(containment.full_in_cp), rank {min(H * H, H * D)}",
                       "CP(H, R) ⊂ FULL(H) (A(x) is linear in x), so H is least as for full; the rank is the "
                       "construction's, not proved least",
                       rank=min(H * H, H * D), irreps=full.irreps)


_HOUSE_NEED = "house.fixed_hyperplanes"
_HOUSE_SUFFICE = "house.cartan_dieudonne"
_MONO = "mono.characterisation"

#: The n_h values at which analyze reports the smallest hidden size.
HOUSE_COUNTS = (1, 2, 4)


def house_report(T: BaseCharacterTable, alphabet=None, max_sets: int | None = None) -> LevelReport:
    """The ``house`` row: the smallest hidden size H (the least faithful real dimension), the least n_h
    there, the Pareto table of (H, least n_h) and the smallest H at n_h = 1, 2, 4 (``None``: no H).
    ``max_sets`` bounds the faithful-set search (``--house-max-sets``)."""
    from bilinear.theory.hierarchy.house import house_table
    t = house_table(T, alphabet, max_sets)
    o = t.options[0]
    at = {str(n): t.hidden_at(n) for n in HOUSE_COUNTS}
    never = [n for n in HOUSE_COUNTS if at[str(n)] is None]
    lower = (f"{_HOUSE_NEED}: every factor fixes a hyperplane, so rank(A_σ - I) <= n_h, and the states carry a "
             f"faithful real representation ρ with rank(ρ(σ) - I) <= n_h; none has dimension below {o.hidden}, and "
             f"at dimension <= {o.hidden} the least max_σ rank(ρ(σ) - I) is {o.householders} (exact search over "
             "faithful sets of real irreducibles)")
    if never:
        lower += f"; with n_h in {never} no hidden size works"
    return LevelReport("house", True, o.hidden,
                       f"house builder: Cartan–Dieudonné on a faithful orthogonal representation (real irreducibles "
                       f"{list(o.irreps)}), each A_σ the product of rank(A_σ - I) <= {o.householders} reflections "
                       f"(beta = 2), padded with beta = 0 ({_HOUSE_SUFFICE})",
                       lower, irreps=o.irreps, householders=o.householders,
                       extra=(("alphabet_size", len(t.alphabet)),
                              ("per_hidden", [{"hidden": p.hidden, "householders": p.householders,
                                               "irreps": list(p.irreps)} for p in t.options]),
                              ("hidden_at_householders", at)))


def mono_report(grp: FiniteGroup, max_order: int | None = None) -> LevelReport:
    """The ``mono`` row: the least degree of a faithful ±1-monomial representation, with the complex
    (PD-SSM) and the permutation degrees beside it."""
    from bilinear.theory.hierarchy.mono import monomial_degree
    d = monomial_degree(grp, max_order)
    summ = [(s.degree, s.character_order) for s in d.summands]
    how = ("abelian: from the primary invariants, sum of p^b over odd p, of 2^(b-1) over Z_(2^b) with b >= 2, "
           "and one per Z_2 that no odd factor carries" if d.num_subgroup_classes is None else
           f"exact search over the {d.num_subgroup_classes} conjugacy classes of subgroups: least total index of "
           "induced summands whose kernels, the cores of ker λ, meet in {e}")
    return LevelReport("mono", True, d.degree,
                       f"mono builder: ⊕ Ind_K^G λ over {len(d.summands)} summand(s) (degree, order of λ) {summ}, "
                       "signed permutation matrices",
                       f"{_MONO}: the coordinate lines of an exact MONO(H) tracker are permuted by the group, so it "
                       f"carries a faithful ±1-monomial representation of degree <= H; the least is {d.degree} "
                       f"({how})",
                       extra=(("complex_degree", d.complex_degree), ("permutation_degree", d.permutation_degree)))


def level_reports(G, alphabet=None, modern_max_order: int | None = None,
                  house_max_sets: int | None = None) -> tuple[LevelReport, ...]:
    """One :class:`LevelReport` per level, in the order of :data:`bilinear.theory.hierarchy.levels.LEVEL_NAMES`; the modern
    rows only when the order is at most ``modern_max_order`` (default :data:`MODERN_MAX_ORDER`).
    ``alphabet`` (element indices; default every element) is the house row's; ``house_max_sets`` bounds
    its search (default :data:`bilinear.theory.hierarchy.house.HOUSE_MAX_SETS`)."""
    T = G if isinstance(G, BaseCharacterTable) else None
    if T is None:
        if not isinstance(G, FiniteGroup):
            raise expected("G", "a FiniteGroup or CharacterTable", type_of(G))
        T = character_table(G)
    grp = T.group
    L = hierarchy_level(T)
    rows: tuple[LevelReport, ...] = (_pdiag(grp, L), _rdiag(grp, L), _rotation("rot", grp, L),
                                     _rotation("cdiag", grp, L), _block(grp, T, L), _cp(grp, L), _full(grp, L))
    assert tuple(r.level for r in rows) == CLASSICAL_LEVEL_NAMES
    if grp.order <= (MODERN_MAX_ORDER if modern_max_order is None else modern_max_order):
        rows += (house_report(T, alphabet, house_max_sets), mono_report(grp, grp.order))
        assert tuple(r.level for r in rows) == LEVEL_NAMES
    return tuple(replace(r, depth=least_depth(grp, r.level)) for r in rows)


def analysis(group: FiniteGroup, alphabet=None, modern_max_order: int | None = None,
             house_max_sets: int | None = None) -> dict:
    """The dictionary printed by ``analyze --json``: ``group.summary()`` plus

    ``levels``: one :meth:`LevelReport.to_json` entry per level (``level``, ``tracks``, ``hidden``,
    ``block``, ``rank``, ``irreps``, ``upper``, ``lower``);
    ``irreps``: one entry per complex irreducible character, in the table's order:
    ``{degree, indicator, real_dim, faithful, kernel_order}`` where ``real_dim`` is the dimension
    of the real irreducible it belongs to (``degree`` for real type, ``2 degree`` otherwise);
    ``real_irreps``: ``{real_dim, type, constituents, kernel_order, faithful}`` per real irreducible;
    ``min_block_real``, ``min_block_complex``, ``min_faithful_dim_real``,
    ``min_faithful_dim_complex`` (with the attaining sets as indices into ``real_irreps`` /
    ``irreps``), ``lowest_level`` (the first level that tracks, a name of
    :data:`bilinear.theory.hierarchy.levels.LEVEL_NAMES`), ``lowest_level_block`` (null unless ``block``),
    ``lowest_level_hidden_size`` (= that row's ``hidden``), ``lowest_level_irreps``,
    ``character_table_certificate`` (how the exact certificate checked orthogonality, and whether
    the rows were checked to be central characters); ``modern_levels``: ``"computed"``, or why the
    ``house`` and ``mono`` rows are left out (the order limit and the option that raises it).
    """
    T = character_table(group)         # first: a table too large for the memory limit is refused before the rest
    info = group.summary()
    irr = real_irreducibles(T)
    L = hierarchy_level(T)
    rows = level_reports(T, alphabet, modern_max_order, house_max_sets)
    info["levels"] = [r.to_json() for r in rows]
    limit = MODERN_MAX_ORDER if modern_max_order is None else modern_max_order
    info["modern_levels"] = ("computed" if len(rows) == len(LEVEL_NAMES) else
                             f"not computed: order {group.order} above --modern-max-order {limit} "
                             f"(pass --modern-max-order {group.order} to compute house and mono)")
    # one entry per character and per real irreducible, built from the tables' arrays (a large
    # abelian group has |G| characters: no Python object per character is made on the way)
    kernels = np.asarray(T.kernel_orders, dtype=np.int64)
    info["irreps"] = [{"degree": d, "indicator": ind, "real_dim": rd, "faithful": k == 1, "kernel_order": k}
                      for d, ind, rd, k in zip(list(T.degrees), np.asarray(T.indicators).tolist(),
                                               irr.real_dim_of_character.tolist(), kernels.tolist())]
    types = [TYPE_OF_INDICATOR[x] for x in (1, 0, -1)]
    info["real_irreps"] = [{"real_dim": rd, "type": types[1 - ind], "constituents": [i] if j < 0 else [i, j],
                            "kernel_order": k, "faithful": k == 1}
                           for rd, ind, i, j, k in zip(irr.real_dims.tolist(), irr.indicators.tolist(),
                                                       irr.characters.tolist(), irr.partners.tolist(),
                                                       irr.kernel_orders.tolist())]
    info.update({
        "min_block_real": L.min_block_real, "min_block_real_irreps": list(L.min_block_real_irreps),
        "min_block_complex": L.min_block_complex,
        "min_block_complex_characters": list(L.min_block_complex_characters),
        "min_faithful_dim_real": L.min_faithful_dim_real,
        "min_faithful_real_irreps": list(L.min_faithful_real_irreps),
        "min_faithful_dim_complex": L.min_faithful_dim_complex,
        "min_faithful_complex_characters": list(L.min_faithful_complex_characters),
        "lowest_level": L.lowest_level, "lowest_level_block": L.lowest_level_block,
        "lowest_level_hidden_size": L.lowest_level_hidden_size,
        "lowest_level_irreps": list(L.lowest_level_irreps),
        "character_table_certificate": {"orthogonality": T.certificate.orthogonality_method,
                                        "central_characters": T.certificate.central_characters},
    })
    return info


def _level_lines(info: dict) -> list[str]:
    out = [f"{'level':<6} {'tracks':<6} {'hidden':>6} {'block':>5} {'rank':>5} {'n_h':>4} {'depth':>5}  "
           "upper bound / lower bound"]
    cell = lambda v: "-" if v is None else str(v)  # noqa: E731
    for r in info["levels"]:
        out.append(f"{r['level']:<6} {'yes' if r['tracks'] else 'no':<6} {cell(r['hidden']):>6} "
                   f"{cell(r['block']):>5} {cell(r['rank']):>5} {cell(r.get('householders')):>4} "
                   f"{depth_cell(r['depth']) if 'depth' in r else '-':>5}  upper: {r['upper']}")
        out.append(f"{'':<6} {'':<6} {'':>6} {'':>5} {'':>5} {'':>4} {'':>5}  lower: {r['lower']}")
        if r.get("depth_series") is not None:
            s = r["depth_series"]
            out.append(f"{'':<43}  depth: {r['depth_reason']}" if s["reaches_trivial"] else
                       f"{'':<43}  depth ∞: {r['depth_reason']} (orders {s['orders']})")
        if r["level"] == "house":
            table = ", ".join(f"H={p['hidden']}: {p['householders']}" for p in r["per_hidden"])
            at = ", ".join(f"n_h={n}: {cell(h)}" for n, h in r["hidden_at_householders"].items())
            out.append(f"{'':<43}  least n_h per hidden size: {table}; least hidden size per n_h: {at} "
                       f"(alphabet of {r['alphabet_size']} elements)")
        if r["level"] == "mono":
            out.append(f"{'':<43}  complex diagonal (PD-SSM): {r['complex_degree']} complex coordinates; plain "
                       f"permutations: degree {r['permutation_degree']}")
    if info.get("modern_levels", "computed") != "computed":
        out.append(f"house, mono: {info['modern_levels']}")
    return out


def analysis_lines(group: FiniteGroup, info: dict | None = None) -> list[str]:
    """The text report of ``bilinear analyze`` (``info`` defaults to :func:`analysis`)."""
    from bilinear.theory.characters.format import INDICATOR_SYMBOLS
    info = analysis(group) if info is None else info
    out = [f"group {info['group']}: order {info['order']}, {info['num_classes']} conjugacy classes, "
           f"exponent {info['exponent']}, {'abelian' if info['is_abelian'] else 'non-abelian'}"]
    inv = info["abelian_invariants"]
    out.append(f"abelianisation G/[G,G]: {' x '.join(f'Z{d}' for d in inv) if inv else 'trivial'}")
    if info["num_classes"] <= 60:
        out.append(f"{'class':>5}  {'size':>6}  {'order':>5}  representative")
        for i, (s, o, r) in enumerate(zip(info["class_sizes"], info["class_orders"], info["class_representatives"])):
            out.append(f"{i:>5}  {s:>6}  {o:>5}  {r}")
    out += ["", character_table(group).format(), "", "real irreducibles:"]
    for i, r in enumerate(info["real_irreps"]):
        chars = "+".join(f"X.{c + 1}" for c in r["constituents"])
        ind = INDICATOR_SYMBOLS[{"real": 1, "complex": 0, "quaternionic": -1}[r["type"]]]
        out.append(f"  R.{i:<3} dim {r['real_dim']:>3}  {r['type']:<12} ({ind}) from {chars:<12} kernel order "
                   f"{r['kernel_order']}{'  faithful' if r['faithful'] else ''}")
        if i >= 59:
            out.append(f"  ... {len(info['real_irreps']) - 60} more")
            break
    irr = info["real_irreps"]

    def dims(idx):
        return " + ".join(str(irr[i]["real_dim"]) for i in idx) or "0"

    level = info["lowest_level"]
    if level == "block":
        level = f"block with blocks of size {info['lowest_level_block']}"
    out += [
        "",
        f"min block size: real {info['min_block_real']}, complex {info['min_block_complex']}",
        f"min faithful dimension: real {info['min_faithful_dim_real']} "
        f"(real irreducibles {info['min_faithful_real_irreps']}, dims {dims(info['min_faithful_real_irreps'])}), "
        f"complex {info['min_faithful_dim_complex']}",
        f"lowest level: {level}; smallest hidden size there: {info['lowest_level_hidden_size']} "
        f"(real irreducibles {info['lowest_level_irreps']})",
        "",
        "levels (weakest first; hidden = the smallest hidden size at which one layer of the level tracks G exactly; "
        "depth = the least number of layers of the level whose cascade tracks G, ∞ = none):",
    ]
    return out + _level_lines(info)
