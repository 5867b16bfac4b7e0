"""The fla adapters against flash-linear-attention's own layers and naive recurrences.

The ground truth is fla itself (the optional extra ``pip install -e ".[fla]"``): a layer built by
fla (``use_short_conv=False``) runs its own ``forward`` — projections, activations, β and gate —
on a random word, with the fused triton kernel (which does not run on a CPU) replaced by fla's naive
recurrence of the same rule (``fla/ops/*/naive.py``).  Two small pieces the kernels do internally are
transcribed here, labelled as such: the in-kernel L2 normalisation of q and k
(``x / sqrt(sum x^2 + 1e-6)``) and, for Gated DeltaNet, the in-kernel gate and β
(``g = -exp(A_log) softplus(a + dt_bias)``, ``β = sigmoid(b)``, times 2 with ``allow_neg_eigval``).
The final state fla computes is compared with the adapter's transitions applied to the same word
from the same random initial state.  Skipped when fla is not installed.
"""

import numpy as np
import pytest
import torch

pytestmark = pytest.mark.fla
fla = pytest.importorskip("fla", reason="flash-linear-attention is an optional extra: pip install -e '.[fla]'")

from bilinear.verify.recover.adapters.fla import fla_from_file_dict, fla_transitions  # noqa: E402

DEVIATIONS: dict = {}


def _l2(x):                                  # transcription: the kernels' use_qk_l2norm_in_kernel
    return x / torch.sqrt((x * x).sum(-1, keepdim=True) + 1e-6)


def _run_layer(layer, module, E, word, S0, kind, allow_neg):
    """fla's forward on the word, the kernel replaced by fla's naive recurrence; returns the final
    state [H, K, V] (naive layout)."""
    from fla.ops.delta_rule.naive import delta_rule_recurrence
    from fla.ops.gated_delta_product.naive import naive_recurrent_gated_delta_product
    from fla.ops.gated_delta_rule.naive import naive_recurrent_gated_delta_rule
    got = {}

    def delta(q, k, v, beta, initial_state=None, output_final_state=False, cu_seqlens=None,
              use_qk_l2norm_in_kernel=False, **kw):
        q, k = (_l2(q), _l2(k)) if use_qk_l2norm_in_kernel else (q, k)
        o, S = delta_rule_recurrence(*(x.transpose(1, 2) for x in (q, k, v)), beta.transpose(1, 2),
                                     initial_state=S0.clone(), output_final_state=True)
        got["S"] = S[0]
        return o.transpose(1, 2), None

    def gated(q, k, v, g=None, beta=None, A_log=None, dt_bias=None, initial_state=None, output_final_state=False,
              use_qk_l2norm_in_kernel=False, use_gate_in_kernel=False, use_beta_sigmoid_in_kernel=False,
              allow_neg_eigval=False, state_v_first=False, cu_seqlens=None, **kw):
        q, k = (_l2(q), _l2(k)) if use_qk_l2norm_in_kernel else (q, k)
        if kind == "GatedDeltaProduct":
            n = layer.num_householder
            chunked = q.shape[1] * n == k.shape[1]          # chunk mode: q and g per token; fused: interleaved
            qq = q if chunked else q[:, n - 1::n]
            gg = g if chunked or g is None else g[:, ::n]
            o, S = naive_recurrent_gated_delta_product(qq, k, v, gg, beta, scale=q.shape[-1] ** -0.5, cu_seqlens=None,
                                                       initial_state=S0.clone(), output_final_state=True,
                                                       num_householder=n)
            got["S"] = S[0]
            if chunked:
                return o, None
            full = torch.zeros(v.shape[0], v.shape[1], v.shape[2], v.shape[3])
            full[:, n - 1::n] = o
            return full, None
        if use_gate_in_kernel:                    # transcription: the kernel's in-kernel gate and beta
            g = -A_log.float().exp() * torch.nn.functional.softplus(g.float() + dt_bias)
        if use_beta_sigmoid_in_kernel:
            beta = beta.sigmoid() * (2 if allow_neg_eigval else 1)
        o, S = naive_recurrent_gated_delta_rule(q, k, v, beta, g, initial_state=S0.clone(), output_final_state=True)
        got["S"] = S[0]
        return o, None

    mp = pytest.MonkeyPatch()
    for name in dir(module):
        if name in ("fused_recurrent_delta_rule", "chunk_delta_rule"):
            mp.setattr(module, name, delta)
        if name in ("fused_recurrent_gated_delta_rule", "chunk_gated_delta_rule", "chunk_gated_delta_product"):
            mp.setattr(module, name, gated)
    layer.o_norm = _Identity()                                   # the output norm is a triton kernel; not needed
    try:
        with torch.no_grad():
            layer(torch.as_tensor(E[word])[None].float())
    finally:
        mp.undo()
    return got["S"].double().numpy()


class _Identity(torch.nn.Module):
    def forward(self, o, g=None):
        return o


CASES = [("DeltaNet", dict(num_heads=2, allow_neg_eigval=True)),
         ("DeltaNet", dict(num_heads=1, allow_neg_eigval=False)),
         ("GatedDeltaNet", dict(num_heads=2, head_dim=4, expand_v=1.0, allow_neg_eigval=True)),
         ("GatedDeltaProduct", dict(num_heads=2, head_dim=4, expand_v=1.0, num_householder=2, allow_neg_eigval=True)),
         ("GatedDeltaProduct", dict(num_heads=1, head_dim=4, expand_v=2.0, num_householder=3, allow_neg_eigval=False))]


@pytest.mark.parametrize("kind,kwargs", CASES, ids=[f"{k}-{i}" for i, (k, _) in enumerate(CASES)])
def test_adapter_transitions_match_fla(kind, kwargs):
    import importlib
    torch.manual_seed(0)
    hidden, D = 8, 5
    module = importlib.import_module({"DeltaNet": "fla.layers.delta_net", "GatedDeltaNet": "fla.layers.gated_deltanet",
                                      "GatedDeltaProduct": "fla.layers.gated_deltaproduct"}[kind])
    cls = getattr(fla.layers, kind)
    with pytest.warns(UserWarning, match="ShortConvolution"):
        layer = cls(hidden_size=hidden, use_short_conv=False, mode="fused_recurrent" if kind == "DeltaNet" else "chunk",
                    **kwargs).eval()
    with torch.no_grad():
        for p in layer.parameters():
            p.normal_(0, 0.8)
    rng = np.random.default_rng(1)
    E = rng.standard_normal((D, hidden)).astype(np.float32)
    word = rng.integers(0, D, size=20)
    cfg = {"layer": kind, "use_short_conv": False, **kwargs}
    sd = {k: v.detach().double().numpy() for k, v in layer.state_dict().items()}
    heads = kwargs.get("num_v_heads", kwargs["num_heads"])
    worst = 0.0
    S0 = S_fla = None
    for h in range(heads):
        t = fla_transitions(sd, E.astype(np.float64), cfg, head=h)
        # the state layout [K, V]: recover K from the kron structure A = M kron I_V
        KV = t.A.shape[1]
        V = _value_dim(t.A)
        K = KV // V
        if S0 is None:
            S0 = torch.as_tensor(np.random.default_rng(2).standard_normal((1, heads, K, V)), dtype=torch.float32)
            S_fla = _run_layer(layer, module, E, word, S0, kind, kwargs["allow_neg_eigval"])
        s = S0[0, h].double().numpy().reshape(-1)
        for x in word:
            s = t.A[x] @ s + t.b[x]
        dev = float(np.max(np.abs(s - S_fla[h].reshape(-1))) / max(1.0, float(np.max(np.abs(S_fla[h])))))
        worst = max(worst, dev)
        # one value column alone gives the same column
        tc = fla_transitions(sd, E.astype(np.float64), cfg, head=h, column=V - 1)
        c = S0[0, h].double().numpy()[:, V - 1]
        for x in word:
            c = tc.A[x] @ c + tc.b[x]
        assert np.allclose(c, S_fla[h][:, V - 1], atol=2e-4)
    DEVIATIONS[f"{kind} {kwargs}"] = worst
    print(f"\n{kind} {kwargs}: max relative deviation from fla's naive recurrence {worst:.2e}")
    assert worst < 2e-4                   # fla's recurrence runs in float32 over 20 steps


def _value_dim(A):
    """V of ``A = M kron I_V``: the largest V whose kron pattern A has (entries off the pattern zero)."""
    n = A.shape[1]
    for V in range(n, 0, -1):
        if n % V:
            continue
        mask = np.kron(np.ones((n // V, n // V)), np.eye(V)).astype(bool)
        if np.all(A[:, ~mask] == 0):
            return V
    return 1


def test_short_convolution_is_refused():
    from bilinear.theory.errors import InputError
    layer = fla.layers.DeltaNet(hidden_size=8, num_heads=1, use_short_conv=True)
    sd = {k: v.detach().double().numpy() for k, v in layer.state_dict().items()}
    with pytest.raises(InputError, match="short convolution"):
        fla_transitions(sd, np.eye(3, 8), {"layer": "DeltaNet", "num_heads": 1, "use_short_conv": True})


def test_whole_model_checkpoint_reads_layer_zero_after_its_norm():
    """A single-layer fla model's state_dict and config: the layer sees RMSNorm(embedding) * weight."""
    from fla.models import DeltaNetConfig, DeltaNetForCausalLM
    cfg = DeltaNetConfig(hidden_size=8, num_heads=1, num_hidden_layers=1, vocab_size=4, use_short_conv=False,
                         allow_neg_eigval=True, fuse_norm=False)
    with pytest.warns(UserWarning, match="ShortConvolution"):
        model = DeltaNetForCausalLM(cfg)
    sd = {k: v.detach() for k, v in model.state_dict().items()}
    t = fla_from_file_dict({"config": cfg.to_dict(), "state_dict": sd}, "model.pt", head=0)
    attn = model.model.layers[0].attn
    norm = model.model.layers[0].attn_norm
    with torch.no_grad():
        u = norm(model.model.embeddings.weight).double().numpy()            # fla's own block pre-norm
    direct = fla_transitions({k: v.detach().double().numpy() for k, v in attn.state_dict().items()}, u,
                             {"layer": "DeltaNet", "num_heads": 1, "use_short_conv": False, "allow_neg_eigval": True})
    assert np.allclose(t.A, direct.A, atol=1e-6) and np.allclose(t.b, direct.b, atol=1e-6)
