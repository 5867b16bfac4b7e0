"""A certified HOUSE construction exported as one fla Gated DeltaProduct layer tracks its group in
fla's own layer and naive recurrence up to the horizon the export states (S3 and A5).

The layer is fla's ``GatedDeltaProduct`` built from the exported configuration and loaded with the
exported ``state_dict``; it runs its own ``forward`` with the triton kernel replaced by fla's naive
recurrence (the harness of :mod:`tests.verify.recover.test_adapters_fla`), from the exported initial
state.  The expected label of each word is the product of its elements in the group (the weight
file's reference machine).  Skipped when fla is not installed.
"""

import numpy as np
import pytest
import torch

pytestmark = pytest.mark.fla
fla = pytest.importorskip("fla", reason="flash-linear-attention is an optional extra: pip install -e '.[fla]'")

from bilinear.constructions.build import build  # noqa: E402
from bilinear.constructions.certificate import reference_machine  # noqa: E402
from bilinear.theory.groups.parser import parse_group  # noqa: E402
from bilinear.verify.recover.adapters.fla_export import house_to_fla, silu_inverse  # noqa: E402

from tests.verify.recover.test_adapters_fla import _run_layer  # noqa: E402


def test_silu_inverse_inverts_on_the_increasing_branch():
    y = np.linspace(-0.27, 5, 50)
    z = silu_inverse(y)
    assert np.allclose(z / (1 + np.exp(-z)), y, atol=1e-12) and np.all(z >= -1.2785)


@pytest.mark.parametrize("group,eps", [("S3", 1e-3), ("A5", 1e-3), ("A5", 1e-2)])
def test_exported_layer_tracks_in_fla_to_its_stated_horizon(group, eps):
    """On the random words of the horizon measurement (the same seeded generator), fla's layer decodes
    every word right up to the stated horizon - 1 and, when a horizon is stated, some word wrong at it."""
    import fla.layers.gated_deltaproduct as module
    wf = build(parse_group(group), "house", alphabet="generators").to_weight_file()
    searched = 2000
    out = house_to_fla(wf, eps=eps, horizon_max=searched, seed=0)
    hz = out["meta"]["horizon"]["horizon"]
    cfg = {k: v for k, v in out["config"].items() if k != "layer"}
    with pytest.warns(UserWarning, match="ShortConvolution"):
        layer = fla.layers.GatedDeltaProduct(mode="chunk", **cfg).eval()
    layer.load_state_dict({k: torch.as_tensor(v, dtype=torch.float32) for k, v in out["state_dict"].items()})
    ref = reference_machine(wf)
    pos = {s: i for i, s in enumerate(wf.labels)}
    S0 = torch.as_tensor(out["initial_state"], dtype=torch.float32)
    E = out["embedding"].astype(np.float32)
    R = np.asarray(wf.readout)
    # the words of bilinear.verify.experiments.simulate.exactness_horizon (batch 64, one chunk, seed 0)
    words = torch.randint(0, wf.shape[2], (64, searched), generator=torch.Generator().manual_seed(0)).numpy()

    def right(word) -> bool:
        S = _run_layer(layer, module, E, word, S0, "GatedDeltaProduct", True)
        return int(np.argmax(R @ S[0][:, 0])) == pos[ref.outputs[ref.run(word[None])[0, -1]]]

    L = 120 if hz is None else hz - 1
    assert all(right(w[:L]) for w in (words if hz is not None else words[:8]))
    if hz is not None:
        assert not all(right(w[:hz]) for w in words)
