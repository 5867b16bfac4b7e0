"""Shared helpers for construction tests: an independent float64 reference check."""

import itertools

import numpy as np


def words_up_to(num_symbols, max_len, cap=600, seed=0):
    """Every word up to ``max_len`` when there are at most ``cap`` of them, else a seeded sample."""
    total = sum(num_symbols ** L for L in range(1, max_len + 1))
    if total <= cap:
        return [w for L in range(1, max_len + 1) for w in itertools.product(range(num_symbols), repeat=L)]
    rng = np.random.default_rng(seed)
    return [tuple(rng.integers(0, num_symbols, size=int(rng.integers(1, max_len + 1)))) for _ in range(cap)]


def decode(wf, word):
    """labels[argmax(R h)] after reading ``word`` with the file's float64 weights."""
    W = wf.dense_W()
    h = wf.h0.copy()
    for k in word:
        h = W[:, :, k] @ h
    return wf.labels[int(np.argmax(wf.readout @ h))]


def group_reference(G, wf):
    alph = [G.element(a) for a in wf.alphabet]
    return lambda word: G.names[G.mul_word([alph[k] for k in word])]


def build_as(target, name, **kwargs):
    """``build`` with ``name`` = ``LEVEL`` or ``LEVEL/METHOD`` (e.g. ``full/regular``)."""
    from bilinear.constructions.build import build
    level, _, method = name.partition("/")
    return build(target, level, method=method or None, **kwargs)


def relabel(wf, level, method=None):
    """The weight file ``wf`` claiming another level (and method) in its header and meta."""
    import dataclasses
    meta = dict(wf.meta, level=level, method=method)
    return dataclasses.replace(wf, level=level, meta=meta)
