"""The fla Mamba3 adapter against fla's own ``Mamba3`` layer and mamba_ssm's reference recurrence.

fla's ``Mamba3.forward`` needs CUDA and mamba_ssm's kernels; fla has no naive recurrence for it.  The
ground truth here is therefore the layer's own CPU-runnable pieces — ``_project_and_split``,
``_compute_a``, ``dt_bias``, ``B_bias``/``C_bias``, the weights of ``B_norm``/``C_norm`` applied by
fla's own ``rms_norm_ref`` (the kernel norm is triton-only) — arranged as ``cuda_kernels_forward``
arranges them for the SISO kernel, and fed to :func:`_siso_step_ref`, a transcription of mamba_ssm's
``mamba3_siso_step_ref`` (the pure-torch reference its SISO kernel tests compare against), in
float64.  The adapter (numpy, written from the formulas) must give the same states: its
rotation-and-decay transitions the same homogeneous part (two runs from different initial states,
subtracted), its affine lift of one value column the same state, previous write and output.  MIMO
layers likewise through :func:`_mimo_step_ref`, a transcription of mamba_ssm's ``mamba3_MIMO_step_ref``
with the rotation of the kernel-aligned convention of its ``mamba3_MIMO_chunk_ref`` (pairs
``(j, j + N/2)``).  Skipped when fla is not installed.
"""

import math

import numpy as np
import pytest
import torch

pytestmark = pytest.mark.fla
fla = pytest.importorskip("fla", reason="flash-linear-attention is an optional extra: pip install -e '.[fla]'")

from bilinear.verify.recover.adapters.fla_mamba3 import (  # noqa: E402
    fla_mamba3_from_file_dict, fla_mamba3_transitions)


def _rotary(t, cos, sin):                     # transcription: mamba3_siso_step_ref's apply_rotary_emb
    t2 = t.reshape(*t.shape[:-1], -1, 2)
    t0, t1 = t2[..., 0], t2[..., 1]
    if cos.shape[-1] < t0.shape[-1]:
        pad = t0.shape[-1] - cos.shape[-1]
        cos = torch.nn.functional.pad(cos, (0, pad), value=1.0)
        sin = torch.nn.functional.pad(sin, (0, pad), value=0.0)
    return torch.stack([t0 * cos - t1 * sin, t0 * sin + t1 * cos], dim=-1).reshape(t.shape)


def _siso_step_ref(Q, K, V, ADT, DT, Trap, Q_bias, K_bias, Angles, S0=None):
    """Transcription of mamba_ssm's ``mamba3_siso_step_ref`` (batch 1, no D, no Z, float64), with an
    initial SSM state ``S0`` (heads, P, N) and zero angle, K and V states.  Returns the outputs
    (L, heads, P) and the final (angle, SSM, K, V) states."""
    _, L, Hqk, N = Q.shape
    H, P = V.shape[2], V.shape[3]
    Angles = torch.tanh(Angles) * math.pi
    if Hqk != H:
        Q = Q.repeat_interleave(H // Hqk, dim=2)
        K = K.repeat_interleave(H // Hqk, dim=2)
    angle = torch.zeros(1, H, Angles.shape[-1], dtype=torch.float64)
    S = torch.zeros(1, H, P, N, dtype=torch.float64) if S0 is None else S0[None].clone()
    Ks, Vs = torch.zeros(1, H, N, dtype=torch.float64), torch.zeros(1, H, P, dtype=torch.float64)
    outs = []
    for t in range(L):
        q, k, v = Q[:, t] + Q_bias[None], K[:, t] + K_bias[None], V[:, t]
        adt, dt, trap = ADT[:, :, t], DT[:, :, t], Trap[:, :, t]
        angle = angle + Angles[:, t] * dt[..., None]
        angle = angle - 2 * math.pi * torch.floor(angle / (2 * math.pi))
        q_rot, k_rot = _rotary(q, torch.cos(angle), torch.sin(angle)), _rotary(k, torch.cos(angle), torch.sin(angle))
        trap = torch.sigmoid(trap)
        alpha = torch.exp(adt)
        beta, gamma = (1 - trap) * dt * alpha, trap * dt
        S = alpha[..., None, None] * S + beta[..., None, None] * (Ks[..., None, :] * Vs[..., :, None]) \
            + gamma[..., None, None] * (k_rot[..., None, :] * v[..., :, None])
        outs.append(torch.einsum("bhdD,bhD->bhd", S, q_rot))
        Ks, Vs = k_rot, v
    return torch.stack(outs, dim=1)[0], (angle[0], S[0], Ks[0], Vs[0])


def _rotate_half_pairs(t, cos, sin):
    """Transcription: mamba3_MIMO_chunk_ref's kernel-aligned rotary (rotate_pairwise=False), pairs
    (j, j + N/2): ``apply_rotary_emb`` when every pair turns (rotary_dim_divisor 2),
    ``apply_rotary_emb_rotate_half`` when a quarter does (divisor 4)."""
    N, m = t.shape[-1], cos.shape[-1]
    if 2 * m == N:
        t2 = t.reshape(*t.shape[:-1], 2, -1)
        t0, t1 = t2[..., 0, :], t2[..., 1, :]
        return torch.stack([t0 * cos - t1 * sin, t0 * sin + t1 * cos], dim=-2).reshape(t.shape)
    t4 = t.reshape(*t.shape[:-1], 4, -1)
    t0, t1 = t4[..., 0, :], t4[..., 2, :]
    return torch.stack([t0 * cos - t1 * sin, t4[..., 1, :], t0 * sin + t1 * cos, t4[..., 3, :]], dim=-2).reshape(t.shape)


def _mimo_step_ref(Q, K, V, ADT, DT, Trap, Q_bias, K_bias, Angles, MIMO_V, S0=None):
    """Transcription of mamba_ssm's ``mamba3_MIMO_step_ref`` (batch 1, no D, no Z, no output
    projection, float64) with :func:`_rotate_half_pairs`; returns the final (angle, SSM, K, V) states."""
    _, L, r, Hqk, N = Q.shape
    H, P = V.shape[2], V.shape[3]
    if Hqk != H:
        K = K.repeat_interleave(H // Hqk, dim=3)
    k_bias = K_bias.permute(1, 0, 2)                                  # "h r d -> r h d"
    angle = torch.zeros(1, H, Angles.shape[-1], dtype=torch.float64)
    S = torch.zeros(1, H, P, N, dtype=torch.float64) if S0 is None else S0[None].clone()
    Ks, Vs = torch.zeros(1, H, r, N, dtype=torch.float64), torch.zeros(1, H, r, P, dtype=torch.float64)
    v_proj = torch.einsum("bthd,hrd->btrhd", V, MIMO_V)
    for t in range(L):
        k = (K[:, t] + k_bias[None]).permute(0, 2, 1, 3)              # (B H R N)
        v = v_proj[:, t].permute(0, 2, 1, 3)
        adt, dt, trap = ADT[:, :, t], DT[:, :, t], torch.sigmoid(Trap[:, :, t])
        angle = angle + torch.tanh(Angles[:, t]) * dt[..., None] * math.pi
        k_rot = _rotate_half_pairs(k, torch.cos(angle)[:, :, None], torch.sin(angle)[:, :, None])
        alpha = torch.exp(adt)
        beta, gamma = (1 - trap) * dt * alpha, trap * dt
        S = alpha[..., None, None] * S + beta[..., None, None] * torch.einsum("bhrd,bhrp->bhpd", Ks, Vs) \
            + gamma[..., None, None] * torch.einsum("bhrd,bhrp->bhpd", k_rot, v)
        Ks, Vs = k_rot, v
    return angle[0], S[0], Ks[0], Vs[0]


def _layer_inputs(layer, u):
    """What ``cuda_kernels_forward`` hands the SISO kernel, from the layer's own pieces (float64)."""
    from einops import rearrange
    from fla.modules.layernorm_gated import rms_norm_ref
    z, x, B, C, dd_dt, dd_A, trap, angles = layer._project_and_split(u[None])
    x = rearrange(x, "b l (h p) -> b l h p", p=layer.head_dim)
    B = rearrange(B, "b l (r g n) -> b l r g n", r=layer.mimo_rank, g=layer.n_groups)
    C = rearrange(C, "b l (r g n) -> b l r g n", r=layer.mimo_rank, g=layer.n_groups)
    trap = rearrange(trap, "b l h -> b h l")
    A = layer._compute_a(dd_A).double()
    DT = torch.nn.functional.softplus(dd_dt + layer.dt_bias)
    ADT = rearrange(A * DT, "b l n -> b n l")
    DT = rearrange(DT, "b l n -> b n l")
    angles = angles.unsqueeze(-2).expand(-1, -1, layer.num_heads, -1)
    B = rms_norm_ref(B, layer.B_norm.weight.double(), None, eps=layer.B_norm.eps, upcast=False)
    C = rms_norm_ref(C, layer.C_norm.weight.double(), None, eps=layer.C_norm.eps, upcast=False)
    if layer.is_mimo:
        out = dict(Q=C, K=B, V=x, ADT=ADT, DT=DT, Trap=trap, Q_bias=layer.C_bias, K_bias=layer.B_bias, Angles=angles,
                   MIMO_V=layer.mimo_x)
    else:
        out = dict(Q=C.squeeze(2), K=B.squeeze(2), V=x, ADT=ADT, DT=DT, Trap=trap, Q_bias=layer.C_bias.squeeze(1),
                   K_bias=layer.B_bias.squeeze(1), Angles=angles)
    return {k: v.detach() for k, v in out.items()}


def _layer(seed=0, **kw):
    torch.manual_seed(seed)
    layer = fla.layers.Mamba3(**kw)
    with torch.no_grad():
        for p in layer.parameters():                 # float32 values, exact in float64 below
            p.normal_(0, 0.5)
        start = 2 * layer.intermediate_size + 2 * layer.ssm_state_size * layer.n_groups
        layer.in_proj.weight[start:start + 2 * layer.num_heads] *= 0.25    # dd_dt, dd_A: a moderate decay,
        layer.dt_bias -= 1.0                                                # so that 16 steps keep the state
    return layer.double().eval()


def _unrotate(angle, S, N, half=False):
    """h' = R(Theta)^T S^T for one head: S (P, N) -> (N, P)."""
    from bilinear.verify.recover.adapters.fla_mamba3 import rope_rotations
    R = rope_rotations(angle.numpy()[None], N, half=half)[0]
    return R.T @ S.numpy().T


def _random_run(kw: dict, seed: int, symbols: int, length: int):
    """A random fla Mamba3 layer of options ``kw``, an embedding of ``symbols`` rows, a random word of
    ``length`` tokens, the adapter's config and state_dict, the layer's inputs along the word (its own
    pieces) and a random start state (heads, head_dim, N): what both reference comparisons start from."""
    layer = _layer(**kw)
    rng = np.random.default_rng(seed)
    E = rng.standard_normal((symbols, kw["hidden_size"]))
    word = rng.integers(0, symbols, size=length)
    sd = {k: v.detach().numpy() for k, v in layer.state_dict().items()}
    with torch.no_grad():
        ins = _layer_inputs(layer, torch.as_tensor(E[word]))
        S0 = torch.as_tensor(rng.standard_normal((layer.num_heads, kw["head_dim"], kw["state_size"])))
    return layer, E, word, {"layer": "Mamba3", **kw}, sd, ins, S0


CASES = [dict(hidden_size=8, state_size=8, expand=2, head_dim=4, rope_fraction=0.5),
         dict(hidden_size=6, state_size=4, expand=2, head_dim=3, rope_fraction=1.0, n_groups=2, use_bias=True),
         dict(hidden_size=4, state_size=6, expand=1, head_dim=4, rope_fraction=0.5, A_floor=0.7)]


@pytest.mark.parametrize("kw", CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_adapter_matches_the_reference_recurrence_on_the_layer(kw):
    layer, E, word, cfg, sd, ins, S0 = _random_run(kw, seed=1, symbols=5, length=16)
    N, P, H = kw["state_size"], kw["head_dim"], layer.num_heads
    with torch.no_grad():
        out0, (ang, S_zero, K_last, V_last) = _siso_step_ref(**ins)
        _, (_, S_init, _, _) = _siso_step_ref(**ins, S0=S0)
    worst, low = 0.0, np.inf
    for h in range(H):
        # rotation and decay: the homogeneous part of the recurrence, in the un-rotated frame
        t = fla_mamba3_transitions(sd, E, cfg, head=h)
        s = S0[h].numpy().T                                      # Theta_0 = 0: h'_0 = S0^T
        for x in word:
            s = t.A[x] @ s
        truth = _unrotate(ang[h], S_init[h] - S_zero[h], N)
        scale = float(np.max(np.abs(truth)))
        assert scale > 1e-3                                      # the initial state is still there to compare
        low = min(low, scale)
        worst = max(worst, float(np.max(np.abs(s - truth))) / scale)
        # the exact affine lift of one value column: state, previous write, output at every step
        for c in range(P):
            tc = fla_mamba3_transitions(sd, E, cfg, head=h, column=c).linear()
            assert tc.lifted and tc.A.shape[1] == 2 * N + 1
            q = (ins["Q"][0, :, h * layer.n_groups // H] + ins["Q_bias"][h]).numpy()      # the token's q, unrotated
            z = tc.h0.copy()
            for step, x in enumerate(word):
                z = tc.A[x] @ z
                assert np.isclose(z[:N] @ q[step], out0[step, h, c].item(), rtol=1e-6, atol=1e-6)
            assert z[-1] == 1.0
            assert np.allclose(z[:N], _unrotate(ang[h], S_zero[h], N)[:, c], rtol=1e-6, atol=1e-6)
            w = _unrotate(ang[h], torch.outer(V_last[h], K_last[h]), N)[:, c]              # R(Theta)^T k~ v[c]
            assert np.allclose(z[N:2 * N], w, rtol=1e-6, atol=1e-6)
    print(f"\nMamba3 {kw}: max relative deviation of the rotation-and-decay part {worst:.2e} (smallest scale {low:.2e})")
    assert worst < 1e-6                   # float64 throughout, except _compute_a's float32 cast of A (~1e-8 here)


def test_whole_model_checkpoint_reads_layer_zero_after_its_norm():
    from fla.models import Mamba3Config, Mamba3ForCausalLM
    cfg = Mamba3Config(hidden_size=8, state_size=8, head_dim=4, num_hidden_layers=1, vocab_size=4, fuse_norm=False)
    model = Mamba3ForCausalLM(cfg)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.8)
    sd = {k: v.detach() for k, v in model.state_dict().items()}
    t = fla_mamba3_from_file_dict({"config": cfg.to_dict(), "state_dict": sd}, "model.pt", head=1, column=2)
    block = model.backbone.layers[0]
    emb = model.backbone.embeddings.weight.detach().double()
    u = emb * torch.rsqrt(emb.pow(2).mean(-1, keepdim=True) + block.norm.eps) * block.norm.weight.detach().double()
    direct = fla_mamba3_transitions({k: v.detach().double().numpy() for k, v in block.mixer.state_dict().items()},
                                    u.numpy(), {"layer": "Mamba3", "hidden_size": 8, "state_size": 8, "head_dim": 4},
                                    head=1, column=2)
    assert np.allclose(t.A, direct.A, atol=1e-12) and np.allclose(t.b, direct.b, atol=1e-12)


MIMO = [dict(hidden_size=8, state_size=8, expand=1, head_dim=4, rope_fraction=0.5, is_mimo=True, mimo_rank=2),
        dict(hidden_size=6, state_size=4, expand=2, head_dim=3, rope_fraction=1.0, n_groups=2, is_mimo=True,
             mimo_rank=3)]


@pytest.mark.parametrize("kw", MIMO, ids=[f"mimo{i}" for i in range(len(MIMO))])
def test_mimo_adapter_matches_the_reference_recurrence_on_the_layer(kw):
    layer, E, word, cfg, sd, ins, S0 = _random_run(kw, seed=3, symbols=4, length=10)
    N, P, H = kw["state_size"], kw["head_dim"], layer.num_heads
    with torch.no_grad():
        ang, S_zero, K_last, V_last = _mimo_step_ref(**ins)
        _, S_init, _, _ = _mimo_step_ref(**ins, S0=S0)
    for h in range(H):
        t = fla_mamba3_transitions(sd, E, cfg, head=h)
        s = S0[h].numpy().T
        for x in word:
            s = t.A[x] @ s
        truth = _unrotate(ang[h], S_init[h] - S_zero[h], N, half=True)
        assert np.max(np.abs(truth)) > 1e-3
        assert np.allclose(s, truth, rtol=1e-6, atol=1e-6 * np.max(np.abs(truth)))
        for c in range(P):
            tc = fla_mamba3_transitions(sd, E, cfg, head=h, column=c).linear()
            z = tc.h0.copy()
            for x in word:
                z = tc.A[x] @ z
            assert np.allclose(z[:N], _unrotate(ang[h], S_zero[h], N, half=True)[:, c], rtol=1e-6, atol=1e-6)
            w = _unrotate(ang[h], torch.einsum("rd,rp->pd", K_last[h], V_last[h]), N, half=True)[:, c]
            assert np.allclose(z[N:2 * N], w, rtol=1e-6, atol=1e-6)


def _zm_layer(m: int, A_floor: float):
    """An fla Mamba3 layer over one-hot tokens (hidden m, one head, N = 4, both pairs rotated) whose
    symbol k turns pair j by 2 pi (j + 1) k / m in the un-rotated frame (DT = 2 for every symbol,
    A at the floor); its weights go through fla's own module (load_state_dict, strict)."""
    N = 4
    layer = fla.layers.Mamba3(hidden_size=m, state_size=N, expand=1, head_dim=m, rope_fraction=1.0, A_floor=A_floor)
    sizes = [m, m, N, N, 1, 1, 1, N // 2]
    start = np.cumsum([0] + sizes)
    W = torch.zeros(sum(sizes), m)
    W[start[5]] = -30.0                                             # dd_A: A = -softplus(-30) -> -A_floor
    k = torch.arange(m, dtype=torch.float64)
    for j in range(N // 2):
        turn = ((j + 1) * k / m + 0.5) % 1.0 - 0.5                   # R(-DT pi tanh(a)) = R(2 pi turn), DT = 2
        W[start[7] + j] = torch.atanh(-turn).float()
    sd = {k_: v.detach().clone() for k_, v in layer.state_dict().items()}
    sd["in_proj.weight"] = W
    sd["dt_bias"] = torch.full((1,), float(np.log(np.expm1(2.0))))
    layer.load_state_dict(sd, strict=True)
    return layer, {"layer": "Mamba3", "hidden_size": m, "state_size": N, "expand": 1, "head_dim": m,
                   "rope_fraction": 1.0, "A_floor": A_floor}


@pytest.mark.parametrize("m", [5, 6])
def test_a_layer_set_to_track_Zm_is_recovered_with_its_horizon(m, tmp_path):
    """Z_m by rotations (A at the floor): the verdict is an exact representation of Z_m with the
    constituents the angles chose, and the horizon the decay allows is stated — checked by running the
    transitions unnormalised in float32 until the state is lost."""
    import contextlib
    import io
    import json
    from bilinear import main
    from bilinear.verify.recover.adapters.fla_mamba3 import FLOAT32_TINY_LOG
    A_floor = 0.05
    layer, cfg = _zm_layer(m, A_floor)
    path = tmp_path / "mamba3.pt"
    torch.save({"config": cfg, "state_dict": layer.state_dict(), "embedding": torch.eye(m)}, path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["recover", str(path), "--group", f"Z{m}", "--json", "--horizon-max", "500"])
    r = json.loads(out.getvalue())[0]
    assert code == 0 and r["grade"] == "exact" and r["faithful"]
    assert [c["real_dimension"] for c in r["constituents"]] == [2, 2]
    k = np.array([int(c) for c in r["classes"]])                   # Z_m: one class per element
    assert np.allclose(r["character"], 2 * np.cos(2 * np.pi * k / m) + 2 * np.cos(4 * np.pi * k / m), atol=1e-6)
    assert r["horizon"]["horizon"] is None and r["horizon"]["searched"] == 500
    stated = [n for n in r["info"]["source"] if "finite horizon" in n]
    assert len(stated) == 1
    steps = int(stated[0].split("after at most ")[1].split(" tokens")[0])
    assert steps == int(np.ceil(FLOAT32_TINY_LOG / (-2 * A_floor)))
    t = fla_mamba3_transitions({k: v.double().numpy() for k, v in layer.state_dict().items()}, np.eye(m), cfg)
    h = np.float32(1.0) * t.h0.astype(np.float32)
    rng = np.random.default_rng(0)
    lost = None
    for step in range(1, 2 * steps):                 # the state, unnormalised, in float32
        h = t.A[rng.integers(0, m)].astype(np.float32) @ h
        if np.max(np.abs(h)) < np.finfo(np.float32).tiny:
            lost = step
            break
    assert lost is not None and steps - 5 <= lost <= steps


def test_a_bias_the_config_does_not_declare_is_refused():
    from bilinear.theory.errors import InputError
    layer = fla.layers.Mamba3(hidden_size=8, state_size=8, head_dim=4, use_bias=True)
    sd = {k: v.detach().double().numpy() for k, v in layer.state_dict().items()}
    with pytest.raises(InputError, match="in_proj.bias: expected present exactly when config.use_bias"):
        fla_mamba3_transitions(sd, np.eye(3, 8), {"layer": "Mamba3", "hidden_size": 8, "state_size": 8,
                                                  "head_dim": 4}, head=0)
