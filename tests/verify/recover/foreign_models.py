"""Foreign models as a user of other codebases would export them, with the verdict each must get.

Each builder writes one file (the way its source stores it: arrays in another convention, a PD-SSM
state dict, Householder factors) and returns ``(path, extra CLI arguments, expected grade, what the
verdict must say)``.  The expected grade comes from how the model is built (an exact representation
in a random basis, a block that decays, β = 2 - ε, a one-hot that repeats a column), not from
running recovery.
"""

from __future__ import annotations

import numpy as np
import torch

from bilinear.theory.groups.parser import parse_group
from bilinear.theory.representations.matrices import real_irrep_matrices

S3 = parse_group("S3")


def _rep(G, irreps) -> np.ndarray:
    """``⊕ ψ`` on every element, ``(|G|, d, d)`` (real irreducibles by index)."""
    blocks = [real_irrep_matrices(G, r).matrices for r in irreps]
    d = sum(b.shape[1] for b in blocks)
    out = np.zeros((G.order, d, d))
    i = 0
    for b in blocks:
        out[:, i:i + b.shape[1], i:i + b.shape[1]] = b
        i += b.shape[1]
    return out


def _basis(H: int, rng) -> np.ndarray:
    return rng.standard_normal((H, H)) + 2 * np.eye(H)


def dead_block(tmp, rng):
    """S3 (sign + standard) beside a 6-dimensional block shrinking 0.7x per step, in a random basis."""
    rho = _rep(S3, [1, 2])                                              # (6, 3, 3)
    H = 9
    A = np.zeros((6, H, H))
    for g in range(6):
        Q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
        A[g, :3, :3] = rho[g].T
        A[g, 3:, 3:] = 0.7 * Q
    M = _basis(H, rng)
    A = M @ A @ np.linalg.inv(M)
    h0 = M @ np.concatenate([rng.standard_normal(3), 3 * rng.standard_normal(6)])
    path = tmp / "dead_block.npz"
    np.savez(path, A=A, h0=h0)
    return path, ["--group", "S3"], "exact", "dim V=3"


def near_miss(tmp, rng, eps=0.025):
    """H = 16 DeltaProduct (n_h = 2) on S3's transpositions (1,2), (2,3): sign + standard on a
    3-dimensional subspace, with β = 2 - ε instead of 2."""
    rho = _rep(S3, [1, 2])
    Q, _ = np.linalg.qr(rng.standard_normal((16, 16)))
    k, beta = [], []
    for name in ("(1,2)", "(2,3)"):
        m = rho[S3.element(name)].T                                      # a reflection of rank 2 - I ... on 3 dims
        w, V = np.linalg.eigh(m)
        minus = V[:, np.isclose(w, -1)]                                  # the two -1 eigenvectors
        k.append([Q[:, :3] @ minus[:, j] for j in range(2)])
        beta.append([2 - eps, 2 - eps])
    h0 = Q[:, :3] @ rng.standard_normal(3)
    path = tmp / "near_miss.npz"
    np.savez(path, k=np.array(k), beta=np.array(beta), h0=h0)
    return path, ["--group", "S3", "--alphabet", "(1,2);(2,3)"], "approximate", "dim V=3"


def pdssm_block(tmp, singular=(), name="pdssm.pt"):
    """A PD-SSM PyTorch ``PD`` model with one block whose one-hot matrices are S3's permutation
    matrices (symbol k = element k), unit magnitudes, zero phases, no input term; ``singular``
    symbols get a one-hot that repeats a column (rows 0 and 1 both pick column 0)."""
    N, E, K = 3, 6, 6
    A_dict = np.zeros((N, N, K))
    perms = _permutation_matrices()
    for g in range(6):
        P = perms[g]
        if g in singular:
            P = np.zeros((N, N))
            P[0, 0] = P[1, 0] = P[2, 2] = 1.0
        A_dict[:, :, g] = P
    z = lambda *s: torch.zeros(*s, dtype=torch.float64)     # noqa: E731
    sd = {"blocks.0.A_dict": torch.as_tensor(A_dict), "blocks.0.S.weight": 30 * torch.eye(K, E, dtype=torch.float64),
          "blocks.0.B_re": z(N, E), "blocks.0.B_im": z(N, E), "blocks.0.D": z(E),
          "embedding.weight": torch.eye(E, dtype=torch.float64)}
    for gen, bias in (("D_magnitude_generator", 40.0), ("D_phase_generator", -40.0)):
        sd[f"blocks.0.{gen}.0.weight"], sd[f"blocks.0.{gen}.0.bias"] = z(2 * N, E), z(2 * N)
        sd[f"blocks.0.{gen}.2.weight"], sd[f"blocks.0.{gen}.2.bias"] = z(N, 2 * N), torch.full((N,), bias, dtype=torch.float64)
    path = tmp / name
    torch.save(sd, path)
    grade = "not a representation" if singular else "exact"
    return path, ["--group", "S3"], grade, ("singular on symbols" if singular else "dim V=3")


def _permutation_matrices() -> np.ndarray:
    """S3 acting on 3 points as column-vector transitions: ``A_{g h} = A_h A_g`` (checked)."""
    img = np.asarray(S3.permutation_images())
    P = np.zeros((6, 3, 3))
    for g in range(6):
        P[g, img[g], np.arange(3)] = 1.0
    if not all(np.array_equal(P[int(S3.mul(g, h))], P[h] @ P[g]) for g in range(6) for h in range(6)):
        P = np.transpose(P, (0, 2, 1))
    assert all(np.array_equal(P[int(S3.mul(g, h))], P[h] @ P[g]) for g in range(6) for h in range(6))
    return P


def singular_pdssm(tmp, rng):
    return pdssm_block(tmp, singular=(2, 5), name="pdssm_singular.pt")


def row_vectors(tmp, rng):
    """S3 (sign + standard) in a random basis, stored for ``h <- h A`` (the transpose of the columns' model)."""
    rho = _rep(S3, [1, 2])
    M = _basis(3, rng)
    A_col = M @ np.transpose(rho, (0, 2, 1)) @ np.linalg.inv(M)
    path = tmp / "row_vectors.npz"
    np.savez(path, A=np.transpose(A_col, (0, 2, 1)), h0=M @ rng.standard_normal(3))
    return path, ["--group", "S3"], "exact", "row vectors"


def complex_input(tmp, rng):
    """S3's standard representation conjugated by a random complex matrix (complex A and h0)."""
    rho = _rep(S3, [2])
    C = rng.standard_normal((2, 2)) + 1j * rng.standard_normal((2, 2)) + 2 * np.eye(2)
    A = C @ np.transpose(rho, (0, 2, 1)) @ np.linalg.inv(C)
    path = tmp / "complex.npz"
    np.savez(path, A=A, h0=C @ (rng.standard_normal(2) + 1j * rng.standard_normal(2)))
    return path, ["--group", "S3"], "exact", "dim V=4"


def affine_input(tmp, rng):
    """S3's standard representation acting by affine maps ``h <- A h + (I - A) t`` (fixed point t),
    no h0 in the file (the zero state)."""
    rho = _rep(S3, [2])
    M = _basis(2, rng)
    A = M @ np.transpose(rho, (0, 2, 1)) @ np.linalg.inv(M)
    t = rng.standard_normal(2)
    b = np.array([(np.eye(2) - a) @ t for a in A])
    path = tmp / "affine.npz"
    np.savez(path, A=A, b=b)
    return path, ["--group", "S3"], "exact", "dim V=3"


def affine_row_vectors(tmp, rng):
    """The affine model of :func:`affine_input` stored for ``h <- h A + b`` (A transposed, b as is)."""
    rho = _rep(S3, [2])
    M = _basis(2, rng)
    A = M @ np.transpose(rho, (0, 2, 1)) @ np.linalg.inv(M)
    t = rng.standard_normal(2)
    path = tmp / "affine_rows.npz"
    np.savez(path, A=np.transpose(A, (0, 2, 1)), b=np.array([(np.eye(2) - a) @ t for a in A]))
    return path, ["--group", "S3"], "exact", "read with row vectors"


def ambiguous_layout(tmp, rng):
    """S3's regular representation (H = 6 = D) stored H x H x D."""
    rho = _rep(S3, [0, 1, 2, 2])
    M = _basis(6, rng)
    A = M @ np.transpose(rho, (0, 2, 1)) @ np.linalg.inv(M)
    path = tmp / "layout_hhd.npz"
    np.savez(path, A=np.transpose(A, (1, 2, 0)), h0=M @ rng.standard_normal(6))
    return path, ["--group", "S3", "--layout", "H,H,D"], "exact", "dim V=6"


FIXTURES = {"dead block 0.7x/step": dead_block, "H=16 near miss": near_miss, "singular PD-SSM": singular_pdssm,
            "row vectors": row_vectors, "complex input": complex_input, "affine input": affine_input,
            "affine row vectors": affine_row_vectors, "D = H layout": ambiguous_layout}
