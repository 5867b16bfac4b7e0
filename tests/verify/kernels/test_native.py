"""The compiled recurrence (verify/kernels/native.py, verify/kernels/recurrence.c) against a plain torch loop over the
dense matrices ``A_k`` differentiated by autograd: every table layout (blocks of size 1, 2, 3, 4, 8,
40 and 64 — the specialised sizes, the generic loop and a tile remainder — and complex pairs), both
dtypes, with and without normalisation and affine terms; the cross-entropy against
``F.cross_entropy``; and the build's failure modes (turned off, no working compiler)."""

import os
import shutil
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F

from bilinear.verify.kernels import native

TOL = {torch.float64: 1e-11, torch.float32: 2e-5}

pytestmark = pytest.mark.skipif(not native.available() and not (shutil.which("cc") or shutil.which("gcc")),
                                reason="no C compiler")


def test_the_library_is_built_where_a_compiler_is_present():
    assert native.available(), native.status()
    assert native.status().startswith("compiled: ")


def dense(table, pairs):
    """The dense ``A_k`` (D, H, H) of a table, built independently of the C layout conventions."""
    if pairs:
        a, b = table[..., 0], table[..., 1]
        blocks = torch.stack((torch.stack((a, -b), -1), torch.stack((b, a), -1)), -2)   # (D, nb, 2, 2)
    else:
        blocks = table
    return torch.stack([torch.block_diag(*blk) for blk in blocks])


def reference(tok, A, x0, shift, norm):
    """States (L+1, n, H) and sizes (L, n) by the plain loop."""
    xs, ss = [x0], []
    x = x0
    for t in range(tok.shape[0]):
        y = torch.einsum("nij,nj->ni", A[tok[t]], x)
        if shift is not None:
            y = y + shift[t]
        s = torch.linalg.vector_norm(y, dim=-1).clamp_min(1e-30)
        x = y / s.unsqueeze(-1) if norm else y
        xs.append(x)
        ss.append(s)
    return torch.stack(xs), torch.stack(ss)


LAYOUTS = [(1, 12), (2, 6), (3, 4), (4, 3), (8, 2), (40, 1), (64, 1), ("pairs", 6)]


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("norm", [True, False])
@pytest.mark.parametrize("affine", [False, True])
@pytest.mark.parametrize("B, nb", LAYOUTS)
def test_forward_and_backward_equal_the_dense_loop(B, nb, affine, norm, dtype):
    g = torch.Generator().manual_seed(hash((str(B), nb, affine, norm)) % 2 ** 31)
    pairs = B == "pairs"
    D, n, L = 4, 5, 7
    shape = (D, nb, 2) if pairs else (D, nb, B, B)
    H = 2 * nb if pairs else nb * B
    width = 2 if pairs else B
    table = (torch.randn(*shape, generator=g, dtype=torch.float64) / width ** 0.5).to(dtype).requires_grad_()
    x0 = torch.randn(n, H, generator=g, dtype=torch.float64).to(dtype).requires_grad_()
    shift = torch.randn(L, n, H, generator=g, dtype=torch.float64).to(dtype) if affine else None
    tok = torch.randint(0, D, (L, n), generator=g)
    gX = torch.randn(L, n, H, generator=g, dtype=torch.float64).to(dtype)
    gS = torch.randn(L, n, generator=g, dtype=torch.float64).to(dtype)

    rX, rS = reference(tok, dense(table, pairs), x0, shift, norm)
    # a loss on the states and on log-sizes, the two outputs whose gradients the training uses
    (rX[1:] * gX).sum().add((torch.log(rS) * gS).sum()).backward()

    Tt = table.detach() if pairs else table.detach().transpose(-1, -2).contiguous()
    X, S = native.forward(tok, Tt, x0.detach().contiguous(), shift, norm)
    scale = rX.detach().abs().amax()
    assert float((X - rX.detach()).abs().max() / scale) < TOL[dtype]
    assert float(((S - rS.detach()) / rS.detach()).abs().max()) < TOL[dtype]

    # the kernel's coefficient c_t is the gradient of log s_t (normalised or not)
    dY, gT, G = native.backward(tok, table.detach().contiguous(), X, S, gX.contiguous(), gS.contiguous(), norm)
    for got, want in ((gT, table.grad), (G, x0.grad)):
        assert float((got - want).abs().max() / want.abs().amax()) < 10 * TOL[dtype]


def test_tokens_outside_the_table_are_refused_before_the_call():
    T = torch.ones(3, 2, 1, 1, dtype=torch.float64)
    x0 = torch.ones(1, 2, dtype=torch.float64)
    for bad in (3, -1):
        with pytest.raises(ValueError, match=r"tokens must lie in \[0, 3\)"):
            native.forward(torch.tensor([[bad]]), T, x0, None, True)


def test_wrong_shapes_and_dtypes_are_refused():
    T = torch.ones(3, 2, 1, 1, dtype=torch.float64)
    with pytest.raises(ValueError, match="x0 must be a contiguous CPU torch.float64 tensor of shape"):
        native.forward(torch.tensor([[0]]), T, torch.ones(1, 3, dtype=torch.float64), None, True)
    with pytest.raises(ValueError, match="float32 or float64"):
        native.forward(torch.tensor([[0]]), T.half(), torch.ones(1, 2).half(), None, True)
    with pytest.raises(ValueError, match=r"\(D, nb, B, B\) blocks or \(D, nb, 2\) pairs"):
        native.forward(torch.tensor([[0]]), torch.ones(3, 2, 3, dtype=torch.float64),
                       torch.ones(1, 2, dtype=torch.float64), None, True)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_cross_entropy_equals_torch(dtype):
    g = torch.Generator().manual_seed(5)
    K, rows = 7, 40
    z = (torch.randn(K, rows, generator=g, dtype=torch.float64) * 4).to(dtype)
    y = torch.randint(0, K, (rows,), generator=g)
    y[::3] = -1                                                           # unlabelled rows
    zr = z.T.clone().requires_grad_()
    want = F.cross_entropy(zr, y, ignore_index=-1, reduction="sum")
    want.backward()
    want = want.detach()
    lp = torch.log_softmax(z, 0)
    total, count = native.xent_forward(lp, y)
    assert count == int((y >= 0).sum())
    assert abs(total - float(want)) < TOL[dtype] * 10 * abs(float(want))
    d = native.xent_backward(torch.exp(lp), y, 1.0)
    assert float((d.T - zr.grad).abs().max()) < 10 * TOL[dtype]
    for bad in (7, -2):
        with pytest.raises(ValueError, match=rf"labels must lie in \[-1, 7\), got {bad}"):
            native.xent_forward(lp, torch.full((rows,), bad))


def _child(code: str, **env) -> subprocess.CompletedProcess:
    """``code`` in a fresh interpreter with ``env`` (a cache folder of the test's own, and a temporary
    directory of its own unless given: the fallback folder must not hold a build from elsewhere)."""
    env.setdefault("TMPDIR", os.path.join(env["BILINEAR_CACHE_DIR"], "tmp"))
    os.makedirs(env["TMPDIR"], exist_ok=True)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env})


PROBE = ("import warnings; warnings.simplefilter('always')\n"
         "from bilinear.verify.kernels import native\n"
         "print(native.available()); print(native.status())\n")


def test_turned_off_by_the_environment_and_training_still_runs(tmp_path):
    code = PROBE + ("from bilinear.verify.models.registry import ModelConfig, make_model\n"
                    "from bilinear.verify.kernels import fused\nimport torch\n"
                    "m = make_model(ModelConfig('full', hidden=4), 3, 3, seed=0)\n"
                    "print(fused._spec(m.system(), torch.zeros(2, 3, dtype=torch.long))[0][0])\n")
    r = _child(code, BILINEAR_NATIVE="0", BILINEAR_CACHE_DIR=str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:3] == ["False", "turned off by BILINEAR_NATIVE=0", "loop"]
    assert "RuntimeWarning" not in r.stderr
    assert not any(tmp_path.rglob("*.so"))                               # nothing built


def test_a_failing_compiler_falls_back_with_one_warning(tmp_path):
    r = _child(PROBE + "native.available(); native.available()\n", CC="false", BILINEAR_CACHE_DIR=str(tmp_path))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split("\n")
    assert lines[0] == "False" and lines[1].startswith("false -O3")
    assert r.stderr.count("the compiled recurrence is unavailable") == 1
    assert not any(tmp_path.rglob("*.so"))                               # no half-built library left


def test_the_build_is_cached_per_source_and_reused(tmp_path):
    first = _child(PROBE, BILINEAR_CACHE_DIR=str(tmp_path))
    assert first.returncode == 0 and first.stdout.startswith("True"), first.stderr
    built = sorted(p.name for p in tmp_path.glob("*.so"))
    assert len(built) == 1 and built[0].startswith("recurrence-") and built[0].endswith(".so")
    again = _child(PROBE, BILINEAR_CACHE_DIR=str(tmp_path), CC="false")  # a cached build needs no compiler
    assert again.stdout.startswith("True"), again.stderr
    assert sorted(p.name for p in tmp_path.glob("*.so")) == built


def test_an_unwritable_cache_falls_back_to_the_temporary_folder(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache folder should be")
    (tmp_path / "tmp").mkdir()
    r = _child(PROBE, BILINEAR_CACHE_DIR=str(blocked / "cache"), TMPDIR=str(tmp_path / "tmp"))
    assert r.stdout.startswith("True"), r.stderr
    assert str(tmp_path / "tmp") in r.stdout.split("\n")[1]
