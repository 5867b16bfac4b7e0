"""Adapters against their sources' recurrences (PD-SSM, generic arrays, Householder factors).

PD-SSM has no package: its two recurrences are transcribed below from the official code, labelled
as transcriptions (``state_tracking_PyTorch/models/pdssm.py``, ``PD_Block.forward``: the transition
matrices and the sequential loop; ``time_series_JAX/models/PDSSM.py``: ``PDSSMLayer.__call__`` and
the scan's ``binary_operator_efficient``, applied left to right), run on random weights and a
random word, and compared with the adapter's real (realified, affine-lifted) model.
"""

import math

import numpy as np
import pytest
import torch

from bilinear.theory.errors import InputError
from bilinear.verify.recover.adapters import ForeignOptions, read_foreign
from bilinear.verify.recover.adapters.generic import from_arrays
from bilinear.verify.recover.adapters.householder import householder_transitions, limits
from bilinear.verify.recover.adapters.pdssm import pdssm_transitions
from bilinear.verify.recover.adapters.transitions import Transitions


def _run_linear(lm, word):
    h = lm.h0.copy()
    out = []
    for x in word:
        h = lm.A[x] @ h
        out.append(h.copy())
    return np.array(out)


def _pytorch_block(rng, N=4, E=5, K=3):
    g = lambda *s: torch.as_tensor(rng.standard_normal(s))        # noqa: E731
    sd = {"A_dict": g(N, N, K), "S.weight": g(K, E), "B_re": g(N, E), "B_im": g(N, E)}
    for name in ("D_magnitude_generator", "D_phase_generator"):
        sd[f"{name}.0.weight"], sd[f"{name}.0.bias"] = g(2 * N, E), g(2 * N)
        sd[f"{name}.2.weight"], sd[f"{name}.2.bias"] = g(N, 2 * N), g(N)
    return sd


def _transcribed_pytorch(sd, x):
    """TRANSCRIPTION of PD_Block.forward (IBM expressive-sparse-state-space-model, PyTorch): the
    hidden states of one word ``x`` (L, E), float64/complex128."""
    t = torch
    F = t.nn.functional
    L, E = x.shape
    N = sd["B_re"].shape[0]

    def mlp(name):
        h = F.gelu(x @ sd[f"{name}.0.weight"].T + sd[f"{name}.0.bias"])
        return t.sigmoid(h @ sd[f"{name}.2.weight"].T + sd[f"{name}.2.bias"])

    hidden_state = t.zeros(N, dtype=t.complex128)
    hidden_state[0] = 1
    selection_weights = F.softmax(x @ sd["S.weight"].T, dim=-1)
    M = t.einsum("nmk,lk->lnm", sd["A_dict"], selection_weights)
    y_soft = F.softmax(M, dim=-1)
    y_hard = F.one_hot(t.argmax(y_soft, dim=-1), num_classes=N)
    P = (y_hard - y_soft).detach() + y_soft
    magnitudes = t.complex(mlp("D_magnitude_generator"), t.zeros(L, N, dtype=t.float64))
    phases_raw = 2 * math.pi * mlp("D_phase_generator")
    phases = t.exp(t.complex(t.zeros_like(phases_raw), phases_raw))
    D = magnitudes * phases
    transition_matrices = D.unsqueeze(-1) * P
    B_mat = t.complex(sd["B_re"], sd["B_im"])
    b = (B_mat @ t.complex(x, t.zeros_like(x)).T).T
    out = []
    for i in range(L):
        hidden_state = transition_matrices[i] @ hidden_state + b[i]
        out.append(hidden_state.clone())
    return t.stack(out).numpy()


def test_pdssm_pytorch_matches_transcribed_forward():
    rng = np.random.default_rng(0)
    sd = _pytorch_block(rng)
    E = rng.standard_normal((6, 5))
    word = rng.integers(0, 6, size=25)
    ref = _transcribed_pytorch(sd, torch.as_tensor(E[word]))
    t = pdssm_transitions({**sd, "embedding": E})
    assert np.array_equal(t.h0, np.eye(4)[0])
    got = _run_linear(t.linear(), word)
    real = np.concatenate([ref.real, ref.imag, np.ones((len(word), 1))], axis=1)     # [Re h; Im h; 1]
    dev = float(np.max(np.abs(got - real)) / np.max(np.abs(real)))
    print(f"\nPD-SSM PyTorch: max relative deviation from the transcribed forward {dev:.2e}")
    assert dev < 1e-12


def _transcribed_jax(p, x):
    """TRANSCRIPTION of PDSSMLayer.__call__ and its associative scan (IBM, JAX), the scan's
    ``binary_operator_efficient`` applied left to right: hidden states of one word ``x`` (L, H)."""
    sig = lambda z: 1 / (1 + np.exp(-z))                          # noqa: E731
    B = p["B_re"] + 1j * p["B_im"]
    out, state = [], None
    for u in x:
        magnitudes = sig(p["W1_mag"] @ u + p["b1_mag"])
        phases = sig(p["W1_pha"] @ u + p["b1_pha"]) * 2 * math.pi
        D = magnitudes * np.exp(1j * phases)
        sw = np.exp(p["P_selector"] @ u)
        sw = sw / sw.sum()
        Pm = np.einsum("kmn,k->mn", p["P_dict"], sw)
        Pm = np.exp(Pm - Pm.max(axis=0)) / np.exp(Pm - Pm.max(axis=0)).sum(axis=0)   # column softmax
        P_j = np.argmax(Pm, axis=-2)
        b_j = B @ u
        if state is None:
            state = b_j
        else:                       # b_new = zeros_like(b_i).at[P_j].add(D_j * b_i) + b_j
            new = np.zeros_like(state)
            np.add.at(new, P_j, D * state)
            state = new + b_j
        out.append(state.copy())
    return np.array(out)


def test_pdssm_jax_matches_transcribed_scan():
    rng = np.random.default_rng(1)
    N, H, K = 4, 3, 5
    p = {"B_re": rng.standard_normal((N, H)), "B_im": rng.standard_normal((N, H)),
         "P_dict": rng.standard_normal((K, N, N)), "P_selector": rng.standard_normal((K, H)),
         "W1_mag": rng.standard_normal((N, H)), "b1_mag": rng.standard_normal(N),
         "W1_pha": rng.standard_normal((N, H)), "b1_pha": rng.standard_normal(N)}
    E = rng.standard_normal((4, H))
    word = rng.integers(0, 4, size=25)
    ref = _transcribed_jax(p, E[word])
    t = pdssm_transitions({**p, "embedding": E})
    assert not np.any(t.h0)
    got = _run_linear(t.linear(), word)
    real = np.concatenate([ref.real, ref.imag, np.ones((len(word), 1))], axis=1)
    dev = float(np.max(np.abs(got - real)) / np.max(np.abs(real)))
    print(f"\nPD-SSM JAX: max relative deviation from the transcribed scan {dev:.2e}")
    assert dev < 1e-12


def test_pdssm_conventions_are_transposes():
    """The same one-hot read by the two codebases: row-wise argmax (PyTorch) and column-wise (JAX)
    pick P and P^T when the dictionary matrix is a permutation with a clear maximum."""
    from bilinear.verify.recover.adapters.pdssm import one_hot_rows
    perm = np.eye(4)[[2, 0, 3, 1]] * 5.0
    rows = one_hot_rows(perm[None])[0]
    cols = (np.arange(4)[:, None] == np.argmax(perm, axis=0)[None, :]).astype(float)
    assert np.array_equal(rows, perm / 5) and np.array_equal(cols, perm / 5)


def test_realification_and_affine_lift_follow_the_complex_affine_recursion():
    rng = np.random.default_rng(2)
    A = rng.standard_normal((3, 2, 2)) + 1j * rng.standard_normal((3, 2, 2))
    b = rng.standard_normal((3, 2)) + 1j * rng.standard_normal((3, 2))
    h0 = rng.standard_normal(2) + 1j * rng.standard_normal(2)
    lm = Transitions(A=A, b=b, h0=h0).linear()
    word = rng.integers(0, 3, size=10)
    h = h0
    for x in word:
        h = A[x] @ h + b[x]
    assert lm.lifted and np.allclose(_run_linear(lm, word)[-1], np.concatenate([h.real, h.imag, [1.0]]))


def test_generic_layouts_heads_and_row_vectors():
    rng = np.random.default_rng(3)
    A = rng.standard_normal((4, 3, 3))
    t = from_arrays({"A": np.transpose(A, (1, 2, 0))}, "f.npz")             # H,H,D read off the shape
    assert np.array_equal(t.A, A) and "H,H,D" in t.notes[0]
    heads = rng.standard_normal((2, 4, 3, 3))
    assert np.array_equal(from_arrays({"A": heads}, "f.npz", head=1).A, heads[1])
    with pytest.raises(InputError, match="--head: expected the head"):
        from_arrays({"A": heads}, "f.npz")
    r = from_arrays({"A": A, "h0": np.ones(3)}, "f.npz", row_vectors=True)
    h = np.ones(3)
    for x in (0, 2, 1):                     # the row-vector model h <- h A
        h = h @ A[x]
    g = np.ones(3)
    for x in (0, 2, 1):
        g = r.A[x] @ g
    assert np.allclose(g, h)
    sq = rng.standard_normal((3, 3, 3))
    with pytest.raises(InputError, match="--layout: expected D,H,H or H,H,D for f.npz"):
        from_arrays({"A": sq}, "f.npz")
    assert np.array_equal(from_arrays({"A": sq}, "f.npz", layout="H,H,D").A, np.transpose(sq, (2, 0, 1)))


def test_missing_h0_is_never_silently_a_basis_vector():
    A = np.stack([np.eye(3)] * 2)
    t = from_arrays({"A": A}, "f.npz", seed=5)
    assert "seeded random unit vector" in t.h0_note and np.count_nonzero(t.h0) == 3
    ta = from_arrays({"A": A, "b": np.ones((2, 3))}, "f.npz")
    assert "zero state" in ta.h0_note and not np.any(ta.h0)


def test_householder_factors_in_order_and_against_a_sequential_application():
    rng = np.random.default_rng(4)
    k, beta, g = rng.standard_normal((3, 2, 4)), rng.uniform(0, 2, (3, 2)), rng.standard_normal(3) * 0.1
    A = householder_transitions(k, beta, g)
    h = rng.standard_normal(4)
    for x in range(3):                      # fla's naive loop: decay first, then factor 0, then factor 1
        v = h * np.exp(g[x])
        for j in range(2):
            kk = k[x, j] / np.linalg.norm(k[x, j])
            v = v - beta[x, j] * kk * (kk @ v)
        assert np.allclose(A[x] @ h, v)
    t = read_foreign({"k": k, "beta": beta, "h0": h}, "f.npz", ForeignOptions())
    assert np.allclose(t.A, householder_transitions(k, beta))


def test_the_stated_limits_of_beta_at_most_one_hold_by_brute_force():
    """n_h <= 2 and beta in [0, 1]: every eigenvalue real and >= 0; n_h = 3: det >= 0."""
    rng = np.random.default_rng(5)
    for n in (1, 2, 3):
        k, beta = rng.standard_normal((200, n, 4)), rng.uniform(0, 1, (200, n))
        A = householder_transitions(k, beta)
        assert limits(beta)
        if n <= 2:
            lam = np.linalg.eigvals(A)
            assert np.max(np.abs(lam.imag)) < 1e-7 and np.min(lam.real) > -1e-9
        assert np.min(np.linalg.det(A)) >= -1e-12
    assert not limits(np.array([[1.9], [0.5]]))


def test_mamba3_complex_diagonal_matches_rotation_blocks():
    """Two forms of Mamba-3's per-pair decay and rotation: the complex diagonal the adapter builds
    (realified) against real 2 x 2 rotation blocks (the coordinates reordered pairwise)."""
    from bilinear.verify.recover.adapters.mamba3 import mamba3_transitions, rotation_blocks
    rng = np.random.default_rng(6)
    dt, theta, a = rng.uniform(0.1, 1, 4), rng.uniform(-3, 3, (4, 3)), -rng.uniform(0, 0.2, 3)
    lm = mamba3_transitions(dt, theta, a).linear()
    R = rotation_blocks(dt, theta, a)
    perm = np.array([j for i in range(3) for j in (i, i + 3)])           # [Re_0, Im_0, Re_1, Im_1, ...]
    assert np.allclose(lm.A[:, perm][:, :, perm], R)
    t = read_foreign({"dt": dt, "theta": theta, "a": a}, "m.npz")
    assert np.allclose(t.A, mamba3_transitions(dt, theta, a).A) and "differs between symbols" in " ".join(t.notes)


def _mamba3_file(m=5, N=4, hidden=5, A_floor=1e-4, **cfg):
    """A hand-made fla Mamba3 layer's file dict (no fla needed): symbol k turns pair j by
    2 pi (j + 1) k / m (DT = 2, A at the floor), as the docs page's example."""
    rows = [hidden, hidden, N, N, 1, 1, 1, N // 2]
    start = np.cumsum([0] + rows)
    W = np.zeros((sum(rows), hidden))
    W[start[5]] = -30.0
    k = np.arange(m)
    for j in range(N // 2):
        W[start[7] + j, :m] = np.arctanh(-(((j + 1) * k / m + 0.5) % 1.0 - 0.5))
    sd = {"in_proj.weight": W, "dt_bias": np.array([np.log(np.expm1(2.0))]), "B_bias": np.ones((1, 1, N)),
          "C_bias": np.ones((1, 1, N)), "D": np.ones(1), "B_norm.weight": np.ones(N), "C_norm.weight": np.ones(N),
          "out_proj.weight": np.zeros((hidden, hidden))}
    config = {"layer": "Mamba3", "hidden_size": hidden, "state_size": N, "expand": 1, "head_dim": hidden,
              "rope_fraction": 1.0, "A_floor": A_floor, **cfg}
    return {"config": config, "state_dict": sd, "embedding": np.eye(m, hidden)}


def test_fla_mamba3_rotation_and_decay_in_closed_form():
    """The hand-made layer's transitions are, symbol by symbol, e^(-2 A_floor) times the rotations by
    2 pi (j + 1) k / m of pair (2j, 2j+1), written out here as 2 x 2 blocks; refusals name the input."""
    m, A_floor = 5, 1e-3
    t = read_foreign(_mamba3_file(m, A_floor=A_floor), "mamba3.pt")
    for k in range(m):
        want = np.zeros((4, 4))
        for j in range(2):
            a = 2 * np.pi * (j + 1) * k / m
            want[2 * j:2 * j + 2, 2 * j:2 * j + 2] = [[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]
        assert np.allclose(t.A[k], np.exp(-2 * A_floor) * want, atol=1e-12)
    assert t.b is None and np.isclose(np.linalg.norm(t.h0), 1.0)
    assert any("after at most 43669 tokens" in n for n in t.notes)      # ceil(-ln(1.1755e-38) / 0.002) = ceil(43668.3)
    lifted = read_foreign(_mamba3_file(m), "mamba3.pt", ForeignOptions(column=0))
    assert lifted.A.shape == (m, 8, 8) and np.all(lifted.b == 0)               # x = 0: nothing is written
    with pytest.raises(InputError, match=r"in_proj.weight: expected 28 rows \(\[z, x, B, C, .*got 23$"):
        read_foreign(_mamba3_file(m, state_size=6), "mamba3.pt")
    bad = _mamba3_file(m)
    bad["config"].update(expand=2, head_dim=5)
    bad["state_dict"]["in_proj.weight"] = np.zeros((2 * 10 + 8 + 6 + 2, 5))
    with pytest.raises(InputError, match="--head: expected the head to read"):
        read_foreign(bad, "mamba3.pt")
    with pytest.raises(InputError, match="--layout: does not apply"):
        read_foreign(_mamba3_file(m), "mamba3.pt", ForeignOptions(layout="D,H,H"))
    whole = {"config": {"model_type": "mamba3", "num_hidden_layers": 2}, "state_dict": {}}
    with pytest.raises(InputError, match="num_hidden_layers: expected 1"):
        read_foreign(whole, "model.pt")
