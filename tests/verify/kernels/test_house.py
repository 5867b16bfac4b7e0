"""HOUSE's compiled table (verify/kernels/house.py, ``house_*`` in recurrence.c) against the torch code of
verify/models/modern.py differentiated by autograd: both dtypes, one to three factors, widths 1 to
33, and a zero key (whose norm is floored)."""

import pytest
import torch

from bilinear.verify.kernels import forced_path, house, native
from bilinear.verify.models.modern import HouseRNN

pytestmark = pytest.mark.skipif(not native.available(), reason="no compiled library")

TOL = {torch.float64: (1e-13, 1e-12), torch.float32: (1e-6, 1e-5)}


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("nh, H", [(1, 1), (1, 6), (2, 5), (3, 33)])
def test_the_table_and_its_gradients_equal_the_torch_code(dtype, nh, H):
    model = HouseRNN(4, 3, H, householders=nh, init="gaussian", seed=nh + H).to(dtype)
    with torch.no_grad():
        model.keys[1, 0] = 0.0                                     # a zero key: k = 0, F = I
    G = torch.randn(4, H, H, generator=torch.Generator().manual_seed(H)).to(dtype)
    got = model.transitions()
    got.backward(G)
    grads = (model.keys.grad.clone(), model.b.grad.clone())
    model.zero_grad()
    with forced_path("torch"):
        assert not house.applies(model.keys)
        want = model.transitions()
        want.backward(G)
    vt, gt = TOL[dtype]
    assert float((got - want).detach().abs().max()) <= vt
    for a, b in zip(grads, (model.keys.grad, model.b.grad)):
        assert float((a - b).abs().max()) <= gt * max(float(b.abs().max()), 1.0)
