"""bilinear.verify.experiments.refute: torch weights and a duck-typed trained model go through the exact refuters."""

import numpy as np
import pytest
import torch

from bilinear.theory.errors import InputError
from bilinear.verify.experiments.refute import diagonal_of, refute_model, refute_weights


class FakeModel:
    """The interface of bilinear.verify.models.classic: dense_W(), h0, readout (K x H), affine."""

    def __init__(self, diag1, h0, readout, affine=False):
        H = len(diag1)
        W = np.zeros((H, H, 2))
        W[:, :, 0] = np.eye(H)
        W[:, :, 1] = np.diag(diag1)
        self._W, self.affine = W, affine
        self.h0 = torch.tensor(h0, dtype=torch.float32, requires_grad=True)
        self.readout = torch.tensor(readout, dtype=torch.float32, requires_grad=True)

    def dense_W(self):
        return self._W


def test_torch_pdiag_parity():
    g = torch.Generator().manual_seed(0)
    a = torch.rand(4, generator=g) + 0.1
    W = torch.zeros(4, 4, 2)
    W[:, :, 1] = torch.diag(a)
    R = torch.randn(2, 4, generator=g)
    h0 = torch.randn(4, generator=g)
    r = refute_weights(W, h0, R, "parity")
    assert 1 <= r.n <= r.bound <= 6
    # independent float64 check of the claimed wrong length (no near-tie here)
    h = h0.double() * a.double() ** r.n
    assert int(torch.argmax(R.double() @ h)) == r.output != r.n % 2


def test_model_mod3():
    m = FakeModel([-0.9, 1.1, 0.5], [1.0, 1.0, 1.0], [[1, 0, 0], [0, 1, 0], [0, 0, 1]])
    r = refute_model(m, "mod3")
    assert r.task == "mod3" and r.n <= r.bound and r.output != r.n % 3


def test_refusals():
    W = np.zeros((2, 2, 2))
    W[0, 1, 1] = 1.0
    with pytest.raises(InputError, match="not diagonal"):
        diagonal_of(W, 1)
    with pytest.raises(InputError, match="task"):
        refute_weights(np.zeros((1, 1, 2)), [1], [[1], [1]], "parity3")
    with pytest.raises(InputError, match="affine"):
        refute_model(FakeModel([0.5], [1.0], [[0.0], [1.0]], affine=True), "parity")
    with pytest.raises(InputError, match="positive"):
        refute_model(FakeModel([-0.5], [1.0], [[0.0], [1.0]]), "parity")
