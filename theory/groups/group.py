"""The finite-group type every other module builds on.

A :class:`FiniteGroup` is a frozen record of its elements (rows of an integer array, sorted
lexicographically, the identity first, so element ``0`` is always the identity) together with a
backend that multiplies rows (see :mod:`bilinear.theory.groups.backends`).  Elements are referred to by their index
``0..|G|-1``; ``G.mul(a, b)`` is vectorised over numpy arrays of indices.

The product follows docs/design.md §3: ``G.mul(g, h)`` is ``g*h`` with ``g`` applied first (permutations act
on the right, as in GAP and sympy).  Everything structural is derived lazily and cached: inverses,
element orders, conjugacy classes and the class of each element, power maps, exponent, abelian
invariants, canonical element names.

Example::

    >>> from bilinear.theory import symmetric_group
    >>> G = symmetric_group(3)
    >>> G.order, G.num_classes, G.exponent
    (6, 3, 6)
    >>> a, b = G.element("(2,3)"), G.element("(1,2)")
    >>> G.names[G.mul(a, b)]          # (2,3) first, then (1,2): 1->1->2, 2->3->3, 3->2->1
    '(1,2,3)'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from bilinear.theory.groups.backends import Backend, PermutationBackend
from bilinear.theory.errors import InputError, MathematicalError, OrderLimitError, expected, shown
from bilinear.theory.arith.integers import factorint
from bilinear.theory.groups.limits import MAX_TABLE_ORDER
from bilinear.theory.groups.rows import RowIndex, lex_sorted, strictly_increasing_rows


__all__ = ["FiniteGroup", "group_from_rows"]

@dataclass(frozen=True, eq=False)
class FiniteGroup:
    """A finite group given by its elements' rows and a multiplying backend.

    Fields: ``name``; ``codes`` (``n x c`` int64, rows strictly increasing in lexicographic order,
    row 0 the identity); ``backend``; ``generators`` (indices of a generating set);
    ``key_columns`` (columns whose values already determine an element, for fast lookup; ``None``
    means all); ``labels`` (explicit element names; ``None`` means the backend's canonical names).
    """

    name: str
    codes: np.ndarray
    backend: Backend
    generators: tuple[int, ...]
    key_columns: tuple[int, ...] | None = None
    labels: tuple[str, ...] | None = None

    def __post_init__(self):
        codes = np.asarray(self.codes)
        if codes.ndim != 2 or codes.shape[0] < 1 or codes.shape[1] != self.backend.width:
            raise expected("codes", f"an (order x {self.backend.width}) integer array", shown(f"shape {codes.shape}"))
        if not np.issubdtype(codes.dtype, np.integer):
            raise InputError("codes: expected integer rows")
        codes = codes.astype(np.int64, copy=True)
        codes.setflags(write=False)
        object.__setattr__(self, "codes", codes)
        if not strictly_increasing_rows(codes):
            raise InputError("codes: rows must be distinct and sorted lexicographically")
        if not np.array_equal(self.backend.compose(codes[0], codes), codes) or \
                not np.array_equal(self.backend.compose(codes, codes[0]), codes):
            raise MathematicalError(f"{self.name}: row 0 is not the identity")
        gens = tuple(int(g) for g in self.generators)
        if any(g < 0 or g >= len(codes) for g in gens):
            raise InputError(f"generators: indices must lie in 0..{len(codes) - 1}")
        object.__setattr__(self, "generators", gens)
        if self.labels is not None:
            labels = tuple(str(x) for x in self.labels)
            if len(labels) != len(codes) or len(set(labels)) != len(labels):
                raise InputError(f"labels: expected {len(codes)} distinct names")
            object.__setattr__(self, "labels", labels)

    # ---------------------------------------------------------------- basics
    def __len__(self) -> int:
        return int(self.codes.shape[0])

    def __repr__(self) -> str:
        return f"FiniteGroup({self.name!r}, order={self.order})"

    @property
    def order(self) -> int:
        return int(self.codes.shape[0])

    @property
    def identity(self) -> int:
        return 0

    def memo(self, key, build):
        """The value ``build()`` derived from this group, built once per ``key`` and stored on the
        group object itself (not in a module-level table).  Derived data may refer back to the
        group (a character table does); the reference cycle is reclaimed by the garbage collector
        together with the group, so no cache keeps a group alive.  ``key`` must hold every argument
        that changes the result."""
        store = self.__dict__.setdefault("_memo", {})
        if key not in store:
            store[key] = build()
        return store[key]

    @cached_property
    def _index(self) -> RowIndex:
        return RowIndex(self.codes, self.key_columns)

    def index_of_rows(self, rows, check: bool = True) -> np.ndarray:
        """Indices of the given rows (raises :class:`MathematicalError` if one is not an element)."""
        return self._index.lookup(np.asarray(rows, dtype=np.int64), check=check)

    def mul(self, a, b) -> np.ndarray:
        """Vectorised product ``a*b`` of element indices (``a`` applied first)."""
        a = np.asarray(a, dtype=np.int64)
        b = np.asarray(b, dtype=np.int64)
        index = self._index
        if isinstance(self.backend, PermutationBackend) and 0 < len(index.cols) < self.backend.degree:
            # (a*b)[i] = b[a[i]]: the key columns of a product need a's images of the key points only
            a, b = np.broadcast_arrays(a, b)
            images = self.codes[a[..., None], index.cols]             # a's images of the key points
            return index.lookup_keys(self.codes[b[..., None], images])
        return index.lookup(self.backend.compose(self.codes[a], self.codes[b]), check=False)

    def mul_word(self, word) -> int:
        """Product ``w_1 * w_2 * ... * w_T`` of a sequence of element indices (identity if empty)."""
        acc = np.int64(0)
        for w in word:
            acc = self.mul(acc, w)
        return int(acc)

    @cached_property
    def inverses(self) -> np.ndarray:
        inv = self._index.lookup(self.backend.invert(self.codes), check=False)
        inv.setflags(write=False)
        return inv

    def power(self, elements, k) -> np.ndarray:
        """``g**k`` for every ``g`` in ``elements``; ``k`` an integer or an array (negative allowed)."""
        g = np.asarray(elements, dtype=np.int64)
        k = np.array(np.broadcast_to(np.asarray(k, dtype=np.int64), g.shape))
        g = np.where(k < 0, self.inverses[g], g)
        k = np.abs(k)
        result = np.zeros_like(g)
        base = g.copy()
        while np.any(k > 0):
            odd = (k & 1) == 1
            if np.any(odd):
                result = np.where(odd, self.mul(result, base), result)
            k = k >> 1
            if np.any(k > 0):
                base = self.mul(base, base)
        return result

    def conjugate(self, g, x) -> np.ndarray:
        """``x^-1 * g * x`` (vectorised)."""
        x = np.asarray(x, dtype=np.int64)
        return self.mul(self.mul(self.inverses[x], g), x)

    def commutator(self, a, b) -> np.ndarray:
        """``a^-1 b^-1 a b`` (vectorised)."""
        return self.mul(self.mul(self.inverses[a], self.inverses[b]), self.mul(a, b))

    @cached_property
    def table(self) -> np.ndarray:
        """Dense Cayley table ``T[a, b] = a*b`` (int32); only up to order :data:`MAX_TABLE_ORDER`."""
        n = self.order
        if n > MAX_TABLE_ORDER:
            raise OrderLimitError(f"{self.name}: a dense Cayley table of order {n} exceeds {MAX_TABLE_ORDER}")
        t = np.empty((n, n), dtype=np.int32)
        step = max(1, 2_000_000 // max(n, 1))
        cols = np.arange(n)
        for start in range(0, n, step):
            rows = np.arange(start, min(n, start + step))
            t[rows] = self.mul(rows[:, None], cols[None, :])
        t.setflags(write=False)
        return t

    # ---------------------------------------------------------------- names
    @cached_property
    def names(self) -> tuple[str, ...]:
        """Canonical element names (cycle notation for permutation groups, readable names otherwise)."""
        if self.labels is not None:
            return self.labels
        names = tuple(self.backend.names(self.codes))
        if len(set(names)) != len(names):
            raise MathematicalError(f"{self.name}: element names are not distinct")
        return names

    def names_of(self, elements) -> list[str]:
        """Canonical names of the given element indices (without naming every element)."""
        idx = np.asarray(elements, dtype=np.int64).reshape(-1)
        if self.labels is not None or "names" in self.__dict__:
            return [self.names[int(i)] for i in idx]
        return list(self.backend.names(self.codes[idx]))

    @cached_property
    def _name_index(self) -> dict[str, int]:
        return {s: i for i, s in enumerate(self.names)}

    def element(self, name: str) -> int:
        """Index of the element with the given canonical name (or a spelling the backend also reads:
        cycle notation for ``D_n``, :meth:`~bilinear.theory.groups.backends.Backend.row_of_alias`)."""
        key = name.replace(" ", "")
        if key in self._name_index:
            return self._name_index[key]
        row = self.backend.row_of_alias(key) if self.labels is None else None
        if row is not None:
            return int(self.index_of_rows(row[None, :])[0])
        raise InputError(f"element: {name!r} is not an element name of {self.name}")

    # ---------------------------------------------------------------- orders
    @cached_property
    def element_orders(self) -> np.ndarray:
        """Order of every element (the order of ``g`` divides ``|G|``: strip prime factors while ``g**(o/p) = e``)."""
        n = self.order
        mods = self.backend.additive_moduli
        if mods is not None:                   # the order of x in prod Z_m is lcm_j m_j / gcd(x_j, m_j)
            m = np.asarray(mods, dtype=np.int64)
            orders = np.lcm.reduce(m // np.gcd(self.codes, m), axis=1) if len(m) else np.ones(n, np.int64)
            orders.setflags(write=False)
            return orders
        closed = self.backend.element_orders(self.codes)
        if closed is not None:
            orders = np.asarray(closed, dtype=np.int64)
            orders.setflags(write=False)
            return orders
        if isinstance(self.backend, PermutationBackend) and self.backend.degree <= 256:
            return self._permutation_orders()
        everything = np.arange(n, dtype=np.int64)
        orders = np.full(n, n, dtype=np.int64)
        for p, e in factorint(n).items():
            for _ in range(e):
                cand = orders // p
                ok = (orders % p == 0) & (self.power(everything, cand) == 0)
                orders = np.where(ok, cand, orders)
        orders.setflags(write=False)
        return orders

    def _permutation_orders(self) -> np.ndarray:
        """Orders of permutations as the lcm of their cycle lengths: the length at point ``i`` is
        the first ``t`` with ``g^t(i) = i`` (at most ``degree`` steps of ``O(|G| degree)``)."""
        codes = self.codes
        points = np.arange(codes.shape[1])
        length = np.zeros(codes.shape, dtype=np.int64)
        cur = codes
        for t in range(1, codes.shape[1] + 1):
            length[(length == 0) & (cur == points)] = t
            if length.all():
                break
            cur = np.take_along_axis(codes, cur, axis=1)
        orders = np.lcm.reduce(length, axis=1)
        orders.setflags(write=False)
        return orders

    @cached_property
    def exponent(self) -> int:
        return int(math.lcm(*[int(o) for o in np.unique(self.element_orders)]))

    @cached_property
    def is_abelian(self) -> bool:
        if self.backend.additive_moduli is not None:
            return True
        g = np.asarray(self.generators, dtype=np.int64)
        if len(g) == 0:
            return True
        return bool(np.array_equal(self.mul(g[:, None], g[None, :]), self.mul(g[None, :], g[:, None])))

    # ---------------------------------------------------------------- classes
    def _conjugation_maps(self) -> list[np.ndarray]:
        everything = np.arange(self.order, dtype=np.int64)
        return [self.conjugate(everything, s) for s in self.generators]

    @cached_property
    def class_of(self) -> np.ndarray:
        """``class_of[g]`` = index of the conjugacy class of ``g``; classes are numbered by their
        smallest element, so class 0 is ``{e}``."""
        n = self.order
        if self.is_abelian:                    # every class is one element, numbered by itself
            cls = np.arange(n, dtype=np.int64)
            cls.setflags(write=False)
            return cls
        lab = _orbit_labels(n, self._conjugation_maps())
        reps, cls = np.unique(lab, return_inverse=True)  # label = smallest element of its orbit
        cls = cls.astype(np.int64)
        cls.setflags(write=False)
        return cls

    @cached_property
    def classes(self) -> tuple[np.ndarray, ...]:
        """Conjugacy classes as sorted index arrays, ordered by their smallest element."""
        order = np.argsort(self.class_of, kind="stable")
        bounds = np.cumsum(np.bincount(self.class_of))
        return tuple(np.split(order, bounds[:-1]))

    @property
    def num_classes(self) -> int:
        return int(self.class_of.max()) + 1

    @cached_property
    def class_sizes(self) -> np.ndarray:
        return np.bincount(self.class_of).astype(np.int64)

    @cached_property
    def class_representatives(self) -> np.ndarray:
        return np.unique(self.class_of, return_index=True)[1].astype(np.int64)   # smallest element per class

    @cached_property
    def class_orders(self) -> np.ndarray:
        """Element order on each class."""
        return self.element_orders[self.class_representatives]

    def power_map(self, k: int) -> np.ndarray:
        """``power_map(k)[c]`` = class of ``g**k`` for ``g`` in class ``c``."""
        return self.class_of[self.power(self.class_representatives, k)]

    # ---------------------------------------------------------------- subgroups
    def closure(self, generators) -> np.ndarray:
        """Sorted indices of the subgroup generated by ``generators``.

        Only a generating subset is multiplied out: a generator is kept when it lies outside the
        subgroup of those kept before it, so at most ``log2 |G|`` are kept (each at least doubles the
        subgroup) and ``closure(range(|G|))`` costs ``O(|G| log |G|)`` products, not ``|G|^2``.  The
        kept generators, their products of order above 2 and the repeated squares of both join the
        steps of a breadth-first search (the same subgroup), so a long cycle — a generator of order
        ``10^5``, or the rotation two reflections of ``D_5000`` make — is crossed in a logarithmic
        number of layers.  Each kept generator extends the subgroup ``H`` found so far coset by coset:
        only coset representatives are multiplied by the steps, so ``Z_2^16`` with every element
        costs a few ``|G|`` products, not ``|G| log |G|`` per kept generator.

        >>> from bilinear.theory.groups.named import cyclic_group
        >>> len(cyclic_group(12).closure([4])), len(cyclic_group(12).closure(range(12)))
        (3, 12)
        """
        return np.flatnonzero(self._generate(generators)[1])

    def generating_subset(self, elements) -> list[int]:
        """The generators :meth:`closure` keeps: ``elements`` in increasing order, each kept when it
        lies outside the subgroup generated by those kept before (at most ``log2 |G|`` of them).

        >>> from bilinear.theory.groups.named import cyclic_group
        >>> cyclic_group(12).generating_subset([0, 3, 4, 6, 8, 9])
        [3, 4]
        """
        return self._generate(elements)[0]

    def _generate(self, generators) -> tuple[list[int], np.ndarray]:
        """``(kept generators, membership mask of the subgroup they generate)``, the subgroup grown
        one kept generator at a time (:meth:`_reached`)."""
        gens = np.unique(np.asarray(list(generators), dtype=np.int64))
        members = np.zeros(self.order, dtype=bool)
        members[0] = True
        kept: list[int] = []
        for g in gens:
            if not members[g]:
                kept.append(int(g))
                members = self._reached(members, self._with_squares(kept))
        return kept, members

    def _with_squares(self, gens: list[int]) -> np.ndarray:
        """Steps for the search of ``<gens>``: ``gens``, the products ``a*b`` of two of them whose square
        is not the identity, and the repeated squares ``x^2, x^4, ...`` of all these (each chain up to
        the identity or ``log2 |G|`` squares).  All lie in ``<gens>``; the squares shorten the search
        along a long cycle (a generator, or the rotation two reflections of ``D_n`` make) to a
        logarithmic number of layers."""
        g = np.asarray(gens, dtype=np.int64)
        i, j = np.triu_indices(len(g), k=1)
        pairs = np.concatenate([self.mul(g[i], g[j]), self.mul(g[j], g[i])]) if len(g) > 1 else g[:0]
        pairs = pairs[self.mul(pairs, pairs) != 0]                   # order > 2: worth a chain of squares
        out = [g, pairs]
        x = np.unique(np.concatenate([g, pairs]))
        for _ in range(max(1, int(self.order).bit_length())):
            x = self.mul(x, x)
            x = np.unique(x[x != 0])
            if not x.size:
                break
            out.append(x)
        return np.unique(np.concatenate(out))

    def _reached(self, subgroup: np.ndarray, steps: np.ndarray) -> np.ndarray:
        """Membership mask of the subgroup generated by the subgroup ``H`` (a membership mask) and
        ``steps``: the union of the right cosets ``H x`` reached from ``H`` by right multiplication by
        ``steps``, breadth first over coset representatives only (``(H x) s = H (x s)``: a product
        outside adds its whole coset), the cosets filled in blocks of at most ``2^21`` products."""
        members = subgroup.copy()
        H = np.flatnonzero(members)
        frontier = np.array([0], dtype=np.int64)                     # representatives of new cosets
        block = max(1, (1 << 21) // H.size)
        while frontier.size:
            prods = self.mul(frontier[:, None], steps[None, :]).ravel()
            prods = np.unique(prods[~members[prods]])
            found = []
            for a in range(0, prods.size, block):
                cosets = self.mul(H[:, None], prods[None, a:a + block])  # column t: the coset H prods[t]
                fresh = ~members[cosets[0]]                               # (H[0] = e: the product itself)
                cosets = cosets[:, fresh]
                members[cosets.ravel()] = True
                found.append(prods[a:a + block][fresh][np.unique(cosets.min(axis=0), return_index=True)[1]])
            frontier = np.concatenate(found) if found else frontier[:0]
        return members

    def normal_closure(self, elements) -> np.ndarray:
        """Sorted indices of the smallest normal subgroup containing ``elements``."""
        gens = set(int(x) for x in elements)
        while True:
            sub = self.closure(sorted(gens))
            mask = np.zeros(self.order, dtype=bool)
            mask[sub] = True
            g = np.asarray(sorted(gens), dtype=np.int64)
            conj = np.unique(np.concatenate([self.conjugate(g, s) for s in self.generators] + [g]))
            outside = conj[~mask[conj]]
            if outside.size == 0:
                return sub
            gens.update(int(x) for x in outside)

    @cached_property
    def derived_subgroup(self) -> np.ndarray:
        """Sorted indices of ``[G, G]``: the normal closure of commutators of the generators."""
        if self.is_abelian:
            return np.array([0], dtype=np.int64)
        g = np.asarray(self.generators, dtype=np.int64)
        comms = self.commutator(g[:, None], g[None, :]).ravel()
        return self.normal_closure(comms)

    @cached_property
    def center(self) -> np.ndarray:
        """Sorted indices of ``Z(G)``: the elements whose class is a singleton."""
        return np.flatnonzero(self.class_sizes[self.class_of] == 1)

    @cached_property
    def abelian_invariants(self) -> tuple[int, ...]:
        """Prime-power orders of the cyclic factors of ``G/[G,G]``, ascending (GAP's ``AbelianInvariants``).

        For ``A = G/[G,G]`` and a prime ``p``, ``N_k = #{a in A : a^(p^k) = 0} = p^(sum_i min(k, e_i))``,
        so the number of factors ``Z_{p^e}`` with ``e >= k`` is ``log_p(N_k / N_{k-1})``.
        """
        mods = self.backend.additive_moduli
        if mods is not None:                   # Z_m = prod over p^a || m of Z_{p^a}
            return tuple(sorted(int(p) ** int(a) for m in mods for p, a in factorint(m).items()))
        d = self.derived_subgroup
        in_d = np.zeros(self.order, dtype=bool)
        in_d[d] = True
        quotient = self.order // len(d)
        everything = np.arange(self.order, dtype=np.int64)
        out = []
        for p, e in factorint(quotient).items():
            counts = [1]
            for k in range(1, e + 1):
                counts.append(int(np.count_nonzero(in_d[self.power(everything, p ** k)])) // len(d))
            at_least = [round(math.log(counts[k] // counts[k - 1], p)) for k in range(1, e + 1)]
            at_least.append(0)
            for k in range(1, e + 1):
                out += [p ** k] * (at_least[k - 1] - at_least[k])
        return tuple(sorted(out))

    # ---------------------------------------------------------------- checks and export
    def check_axioms(self, sample: int | None = None, seed: int = 0) -> None:
        """Check closure, associativity, identity and inverses; exhaustive when ``sample`` is None
        (and the order is at most 200), otherwise on ``sample`` random triples.  Raises
        :class:`MathematicalError` on the first failure."""
        n = self.order
        all_el = np.arange(n)
        if not np.array_equal(self.mul(0, all_el), all_el) or not np.array_equal(self.mul(all_el, 0), all_el):
            raise MathematicalError(f"{self.name}: element 0 is not the identity")
        inv = self.inverses
        if not (np.all(self.mul(all_el, inv) == 0) and np.all(self.mul(inv, all_el) == 0)):
            raise MathematicalError(f"{self.name}: inverses fail")
        if sample is None and n <= 200:
            a, b, c = np.meshgrid(all_el, all_el, all_el, indexing="ij")
        else:
            rng = np.random.default_rng(seed)
            a, b, c = (rng.integers(0, n, size=sample or 20000) for _ in range(3))
        # index_of_rows with check=True verifies closure of every product
        ab = self.index_of_rows(self.backend.compose(self.codes[a], self.codes[b]))
        bc = self.index_of_rows(self.backend.compose(self.codes[b], self.codes[c]))
        if not np.array_equal(self.mul(ab, c), self.mul(a, bc)):
            raise MathematicalError(f"{self.name}: multiplication is not associative")

    def permutation_images(self) -> np.ndarray:
        """Image arrays of the elements: the backend's own action (the rows of a permutation group,
        the vertices of the ``n``-gon for a dihedral group), otherwise the right regular action
        ``x -> x*g`` on the elements."""
        own = self.backend.permutation_images(self.codes)
        if own is not None:
            return np.asarray(own, dtype=np.int64)
        return np.ascontiguousarray(self.table.T.astype(np.int64))

    def summary(self) -> dict:
        """The invariants that ``bilinear analyze`` prints: ``group``, ``order``, ``num_classes``,
        ``exponent``, ``is_abelian``, ``abelian_invariants``, and per class (in class order)
        ``class_sizes``, ``class_orders`` and ``class_representatives`` (the smallest element of the
        class by its canonical name, docs/design.md §3: ``r^k`` / ``s*r^k`` for ``D_n``).

        >>> from bilinear.theory import dihedral_group
        >>> dihedral_group(4).summary()["class_representatives"]
        ['1', 's', 's*r', 'r', 'r^2']
        """
        return {
            "group": self.name,
            "order": self.order,
            "num_classes": self.num_classes,
            "exponent": self.exponent,
            "is_abelian": self.is_abelian,
            "abelian_invariants": list(self.abelian_invariants),
            "class_sizes": [int(x) for x in self.class_sizes],
            "class_orders": [int(x) for x in self.class_orders],
            "class_representatives": self.names_of(self.class_representatives),
        }


def _orbit_labels(n: int, maps: list[np.ndarray]) -> np.ndarray:
    """Smallest point of each orbit of the group generated by the permutations ``maps`` of ``0..n-1``.

    Min-label propagation with pointer jumping; it stops only when every map preserves the labels,
    which is exactly the orbit partition.
    """
    lab = np.arange(n, dtype=np.int64)
    while True:
        for p in maps:
            m = np.minimum(lab, lab[p])
            np.minimum.at(lab, lab, m)  # hook roots onto smaller labels
            np.minimum.at(lab, lab[p], m)
            lab = np.minimum(lab, m)
        while True:
            nxt = lab[lab]
            if np.array_equal(nxt, lab):
                break
            lab = nxt
        if all(np.array_equal(lab, lab[p]) for p in maps):
            return lab


def group_from_rows(name: str, rows: np.ndarray, backend: Backend, generator_rows,
                    key_columns: tuple[int, ...] | None = None,
                    labels_of=None) -> FiniteGroup:
    """Build a :class:`FiniteGroup` from all its element rows in any order.

    ``generator_rows`` are located among the sorted rows; ``labels_of`` (optional) maps the sorted
    rows to explicit names.
    """
    rows = np.asarray(rows, dtype=np.int64)
    rows = rows[lex_sorted(rows)]
    if len(rows) > 1 and not strictly_increasing_rows(rows):
        raise MathematicalError(f"{name}: element enumeration produced repeated rows")
    idx = RowIndex(rows, key_columns)
    gens = [int(i) for i in idx.lookup(np.asarray(generator_rows, dtype=np.int64).reshape(-1, rows.shape[1]))] \
        if len(generator_rows) else []
    labels = None if labels_of is None else tuple(labels_of(rows))
    g = FiniteGroup(name, rows, backend, tuple(gens), key_columns, labels)
    g.__dict__["_index"] = idx  # reuse the index built above (cached_property slot)
    return g
