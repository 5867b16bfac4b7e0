"""A trained model as a membership oracle for automaton extraction (:mod:`bilinear.verify.recover.extract`).

The output of a word is the class the model predicts at the word's last position (the argmax of
its logits, named by the class names given); the empty word has the output :data:`NO_OUTPUT`, and a
position whose logits are not finite the output :data:`NOT_FINITE`.  The words of one batch that are
not yet known and are no prefix of another are run together, right-padded with symbol 0 (a padded
row is a word too), and the output of every prefix of every row is cached: sound for a causal model,
which :meth:`ModelOracle.check_causal` checks first.
"""

from __future__ import annotations

import numpy as np

from bilinear.theory.errors import InputError

__all__ = ["ModelOracle", "NO_OUTPUT", "NOT_FINITE", "BATCH"]

#: The output of the empty word (no model predicts anything before the first symbol).
NO_OUTPUT = "(none)"
#: The output of a position whose logits are not finite.
NOT_FINITE = "(not finite)"
#: Rows of one batch of words.
BATCH = 1024


class ModelOracle:
    """Membership answers of a model (see the module docstring), cached per word, with the count of
    sequences and tokens run."""

    def __init__(self, model, labels, num_symbols: int):
        self.model, self.num_symbols = model, num_symbols
        self.names = np.array(tuple(labels) + (NOT_FINITE,), dtype=object)
        self.cache: dict[tuple[int, ...], str] = {}
        self.sequences = self.tokens = 0

    def trace(self, tokens: np.ndarray) -> np.ndarray:
        """The output after every prefix, ``(N, L)`` names, for tokens ``(N, L)`` (the equivalence
        oracle's words: not cached, so the cache grows with the membership queries only)."""
        from bilinear.verify.experiments.evaluate import predict
        tokens = np.asarray(tokens, dtype=np.int64)
        pred = predict(self.model, tokens, BATCH, "cpu")
        self.sequences += tokens.shape[0]
        self.tokens += tokens.size
        return self.names[np.where(pred < 0, len(self.names) - 1, pred)]

    def query(self, words) -> list[str]:
        """The output of each word: the words not yet known that are no prefix of another are run,
        grouped by length, padded on the right with symbol 0."""
        todo = sorted({w for w in words if w and w not in self.cache})
        maximal = [w for i, w in enumerate(todo) if not (i + 1 < len(todo) and todo[i + 1][:len(w)] == w)]
        maximal.sort(key=len)
        for i in range(0, len(maximal), BATCH):
            chunk = maximal[i:i + BATCH]
            tokens = np.zeros((len(chunk), len(chunk[-1])), dtype=np.int64)
            for r, w in enumerate(chunk):
                tokens[r, :len(w)] = w
            out = self.trace(tokens)                 # a padded row is a word too: all its prefixes are kept
            for row, ys in zip(tokens.tolist(), out.tolist()):
                for t, y in enumerate(ys):
                    self.cache.setdefault(tuple(row[:t + 1]), y)
        return [NO_OUTPUT if not w else self.cache[w] for w in words]

    def check_causal(self, length: int, seed: int, path: str) -> None:
        """Predictions on a prefix do not change when the rest of the word changes (16 random words of
        ``length`` symbols, their first halves with two different continuations)."""
        from bilinear.verify.experiments.evaluate import predict
        rng = np.random.default_rng([int(seed), 2**31])
        a = rng.integers(0, self.num_symbols, size=(16, max(2, length)))
        b = a.copy()
        half = a.shape[1] // 2
        b[:, half:] = rng.integers(0, self.num_symbols, size=b[:, half:].shape)
        pa, pb, pc = (predict(self.model, t, BATCH, "cpu") for t in (a, b, a[:, :half]))
        bad = np.flatnonzero((pa[:, :half] != pb[:, :half]).any(axis=1) | (pa[:, :half] != pc).any(axis=1))
        if len(bad):
            raise InputError(f"{path}: the model's prediction within the first {half} symbols of a word changes with "
                             "the symbols after them; extraction needs a causal model")
