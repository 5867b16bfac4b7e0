"""AFFINE(H) ⊂ FULL(H+1): the map agrees with the affine recurrence; affine models lose scale invariance."""

import numpy as np

from bilinear.constructions.affine import affine_to_full, run_affine, run_bilinear


def test_affine_equals_bilinear_on_random_models():
    rng = np.random.default_rng(0)
    for _ in range(20):
        D, H = int(rng.integers(1, 4)), int(rng.integers(1, 6))
        A = rng.normal(size=(D, H, H)) / np.sqrt(H)
        B, b, h0 = rng.normal(size=(H, D)), rng.normal(size=H), rng.normal(size=H)
        W, h0p, _ = affine_to_full(A, B, b, h0)
        tokens = rng.integers(0, D, size=25)
        aff = run_affine(A, B, b, h0, tokens)
        bil = run_bilinear(W, h0p, tokens)
        assert np.allclose(bil[:, :H], aff) and np.allclose(bil[:, H], 1.0)


def test_counting_example():
    W, h0, _ = affine_to_full(np.ones((2, 1, 1)), np.array([[0.0, 1.0]]), np.zeros(1), np.zeros(1))
    assert np.array_equal(W[:, :, 1], [[1, 1], [0, 1]])
    assert run_bilinear(W, h0, [1, 0, 1, 1])[-1, 0] == 3


def test_affine_not_scale_invariant():
    """Normalising the state of an affine model changes its decisions; its bilinear form on (h, 1) is
    scale invariant, but only because the constant coordinate is rescaled along with h."""
    A, B, b = np.ones((2, 1, 1)), np.array([[0.0, 1.0]]), np.zeros(1)     # h counts the ones
    R = np.array([[1.0, -1.5], [-1.0, 1.5]])                                # [count > 1.5, count < 1.5] on (h, 1)
    tokens = [1, 1, 1]
    h = np.zeros(1)
    for k in tokens:                                                        # affine step, then normalise h
        h = A[k] @ h + B[:, k] + b
        h = h / np.linalg.norm(h)
    assert np.argmax(R @ np.r_[run_affine(A, B, b, np.zeros(1), tokens)[-1], 1.0]) == 0   # 3 > 1.5
    assert np.argmax(R @ np.r_[h, 1.0]) == 1                                              # normalised: 1 < 1.5
    W, h0, R2 = affine_to_full(A, B, b, np.zeros(1), readout=R)
    plain, normed = run_bilinear(W, h0, tokens), run_bilinear(W, h0, tokens, normalize=True)
    assert np.allclose(plain[-1] / np.linalg.norm(plain[-1]), normed[-1])
    assert np.argmax(R2 @ plain[-1]) == np.argmax(R2 @ normed[-1]) == 0
