"""The compiled recurrence (verify/kernels/native.py, verify/kernels/recurrence.c) against a plain torch loop over the
dense matrices ``A_k`` differentiated by autograd: every table layout (blocks of size 1, 2, 3, 4, 8,
40 and 64 — the specialised sizes, the generic loop and a tile remainder — and complex pairs), both
dtypes, with and without normalisation and affine terms; the cross-entropy against
``F.cross_entropy``; a bad argument to every public function, in a child interpreter (a check that
lets a bad pointer through crashes the child, not pytest); the ctypes declarations against the C
prototypes; and the build: one real compile, and a fake compiler script for the cache and the
failure modes (turned off, no working compiler, ``-march=native`` refused, an unwritable cache)."""

import ctypes
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from bilinear.verify.kernels import blas, c_api, library, native, paths

TOL = {torch.float64: 1e-11, torch.float32: 2e-5}

#: the tests that run compiled code (a bad argument is refused with or without a compiler)
compiled = pytest.mark.skipif(not native.available() and not (shutil.which("cc") or shutil.which("gcc")),
                              reason="no C compiler")


@compiled
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


#: the wide blocks (B >= 16: 16 x 2, 40, 64) cover partial register tiles and several blocks, and run
#: with several rows per symbol at each step (13 rows, 3 symbols), as a grouped kernel would see them
LAYOUTS = [(1, 12), (2, 6), (3, 4), (4, 3), (8, 2), (16, 2), (40, 1), (64, 1), ("pairs", 6)]
#: and the kernel with the rows of each step grouped by symbol (one block per symbol only)
KERNELS = [(B, nb, False) for B, nb in LAYOUTS] + [(5, 1, True), (40, 1, True), (64, 1, True)]


@compiled
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("norm", [True, False])
@pytest.mark.parametrize("affine", [False, True])
@pytest.mark.parametrize("B, nb, grouped", KERNELS)
def test_forward_and_backward_equal_the_dense_loop(B, nb, grouped, affine, norm, dtype):
    if grouped and not blas.gemm(dtype):
        pytest.skip(f"no BLAS for the grouped recurrence: {blas.status()}")
    g = torch.Generator().manual_seed(hash((str(B), nb, affine, norm)) % 2 ** 31)
    pairs = B == "pairs"
    D, n, L = (4, 5, 7) if pairs or B < 16 else (3, 13, 5)
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
    if grouped:
        X, S = native.forward_grouped(tok, table.detach().contiguous(), x0.detach().contiguous(), shift, norm)
    else:
        X, S = native.forward(tok, Tt, x0.detach().contiguous(), shift, norm)
    scale = rX.detach().abs().amax()
    assert float((X - rX.detach()).abs().max() / scale) < TOL[dtype]
    assert float(((S - rS.detach()) / rS.detach()).abs().max()) < TOL[dtype]

    # the kernel's coefficient c_t is the gradient of log s_t (normalised or not)
    dY, gT, G = native.backward(tok, table.detach().contiguous(), X, S, gX.contiguous(), gS.contiguous(), norm,
                                grouped=grouped)
    for got, want in ((gT, table.grad), (G, x0.grad)):
        assert float((got - want).abs().max() / want.abs().amax()) < 10 * TOL[dtype]


@compiled
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_the_grouped_gradient_of_a_symbol_no_token_reads_is_zero(dtype):
    """The grouped backward writes the table's gradient whole (it is not zeroed first): a symbol no
    token reads gets zeros, the others what the one-row kernel gives — also where the memory it is
    given held NaNs just before."""
    if not blas.gemm(dtype):
        pytest.skip(f"no BLAS for the grouped recurrence: {blas.status()}")
    g = torch.Generator().manual_seed(4)
    D, n, L, H = 4, 9, 6, 20
    T = (torch.randn(D, 1, H, H, generator=g, dtype=torch.float64) / H ** 0.5).to(dtype)
    tok = torch.randint(0, D - 1, (L, n), generator=g)                 # symbol D - 1 is never read
    x0 = torch.randn(n, H, generator=g, dtype=torch.float64).to(dtype)
    gX = torch.randn(L, n, H, generator=g, dtype=torch.float64).to(dtype)
    c = torch.randn(L, n, generator=g, dtype=torch.float64).to(dtype)
    X, S = native.forward(tok, T.transpose(-1, -2).contiguous(), x0, None, True)
    _, want, _ = native.backward(tok, T, X, S, gX, c, True)
    for _ in range(3):
        dirty = torch.full_like(T, float("nan"))
        del dirty
        _, got, _ = native.backward(tok, T, X, S, gX, c, True, grouped=True)
        assert bool((got[D - 1] == 0).all())
        assert float((got - want).abs().max() / want.abs().amax()) < 10 * TOL[dtype]


@pytest.mark.parametrize("width, grouped", [(paths.GROUPED_MIN_WIDTH - 1, False), (paths.GROUPED_MIN_WIDTH, True)])
def test_the_dense_layout_is_grouped_from_its_width_on(width, grouped):
    """Unforced, the dense layout takes the grouped kernel from ``GROUPED_MIN_WIDTH`` on (where it was
    measured faster) and the one-row kernel below it; other layouts never take it."""
    if not (paths.native_allowed() and blas.gemm(torch.float64)):
        pytest.skip(f"no compiled recurrence or no BLAS: {native.status()}, {blas.status()}")
    cpu, f64 = torch.device("cpu"), torch.float64
    assert paths.plan("dense", affine=True, embedded=False, device=cpu, dtype=f64, width=width) == (
        "grouped" if grouped else "native")
    assert paths.plan("blocks", affine=False, embedded=False, device=cpu, dtype=f64, width=width) == "native"


def test_without_the_blas_the_dense_layout_runs_one_row_at_a_time(monkeypatch):
    """``BILINEAR_BLAS=0`` (as a numpy without its bundled OpenBLAS): no address, and the plan keeps the
    one-row kernel for the dense layout at every width; forcing the grouped path is refused."""
    monkeypatch.setenv("BILINEAR_BLAS", "0")
    monkeypatch.setattr(blas, "_state", {})
    assert blas.gemm(torch.float32) == 0 and blas.status() == "turned off by BILINEAR_BLAS=0"
    if not paths.native_allowed():
        pytest.skip(f"no compiled recurrence: {native.status()}")
    cpu = torch.device("cpu")
    assert paths.plan("dense", affine=False, embedded=False, device=cpu, dtype=torch.float32, width=256) == "native"
    with pytest.raises(RuntimeError, match=r"forced_path\('grouped'\): no BLAS"):
        with paths.forced_path("grouped"):
            pass


@compiled
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


# -- bad arguments: refused in one line before any pointer reaches C -------------------------------

#: What every case below works on: a table of D = 3 symbols of nb = 2 blocks 1 x 1 (H = 2), one
#: step (L = 1) of n = 2 sequences, a readout of K = 4, and scores of K = 3 classes over 2**20 rows
#: (long enough that a read past a one-element labels tensor leaves its memory page).
SETUP = """
import torch
from bilinear.verify.kernels import native
native.available()                      # ranges checked by the library's in_range where it is built
d = torch.float64
T = torch.ones(3, 2, 1, 1, dtype=d)
tok = torch.tensor([[0, 1]])
x0 = torch.ones(2, 2, dtype=d)
X, S, g, c = torch.ones(2, 2, 2, dtype=d), torch.ones(1, 2, dtype=d), torch.ones(1, 2, 2, dtype=d), torch.ones(1, 2, dtype=d)
R = torch.ones(4, 2, dtype=d)
lp = torch.zeros(3, 1 << 20, dtype=d)
y = torch.zeros(1 << 20, dtype=torch.long)
"""

#: (case, call, the whole message): at least one for every public function taking tensors.
BAD = [
    ("check_tokens float tokens", "native.check_tokens(tok.double(), 3)",
     r"native\.check_tokens\(tokens\): expected a \(L, n\) int64 CPU tensor, got float64 tensor of shape \(1, 2\)"),
    ("check_tokens negative D", "native.check_tokens(tok, -1)",
     r"native\.check_tokens\(D\): expected an integer >= 0, got -1"),
    ("check_tokens a token = D", "native.check_tokens(tok, 1)",
     r"native\.check_tokens\(tokens\): expected entries in \[0, 1\), got entries in \[0, 1\]"),
    ("forward a huge token, checked=True", "native.forward(torch.tensor([[0, 10**12]]), T, x0, None, True, checked=True)",
     r"native\.forward\(tokens\): expected entries in \[0, 3\), got entries in \[0, 1000000000000\]"),
    ("forward a negative token", "native.forward(torch.tensor([[-1, 0]]), T, x0, None, True)",
     r"native\.forward\(tokens\): expected entries in \[0, 3\), got entries in \[-1, 0\]"),
    ("forward tokens a list", "native.forward([[0, 1]], T, x0, None, True)",
     r"native\.forward\(tokens\): expected a \(L, n\) int64 CPU tensor, got list"),
    ("forward x0 of the wrong width", "native.forward(tok, T, torch.ones(2, 3, dtype=d), None, True)",
     r"native\.forward\(x0\): expected a contiguous CPU float64 tensor of shape \(n, H\) = \(2, 2\), "
     r"got float64 tensor of shape \(2, 3\)"),
    ("forward x0 of another dtype", "native.forward(tok, T, x0.float(), None, True)",
     r"native\.forward\(x0\): expected a contiguous CPU float64 tensor of shape \(n, H\) = \(2, 2\), "
     r"got float32 tensor of shape \(2, 2\)"),
    ("forward x0 not contiguous", "native.forward(tok, T, torch.ones(2, 2, dtype=d).T, None, True)",
     r"native\.forward\(x0\): .*, got float64 tensor of shape \(2, 2\), not contiguous"),
    ("forward x0 on another device", "native.forward(tok, T, torch.ones(2, 2, dtype=d, device='meta'), None, True)",
     r"native\.forward\(x0\): expected a CPU tensor of shape \(n, H\), got float64 tensor of shape \(2, 2\) on meta"),
    ("forward shift of too few steps", "native.forward(tok, T, x0, torch.ones(0, 2, 2, dtype=d), True)",
     r"native\.forward\(shift\): expected a contiguous CPU float64 tensor of shape \(L, n, H\) = \(1, 2, 2\), "
     r"got float64 tensor of shape \(0, 2, 2\)"),
    ("forward a float16 table", "native.forward(tok, T.half(), x0.half(), None, True)",
     r"native\.forward\(Tt\): expected a contiguous CPU float32 or float64 tensor of \(D, nb, B, B\) blocks or "
     r"\(D, nb, 2\) pairs, got float16 tensor of shape \(3, 2, 1, 1\)"),
    ("forward a table of neither layout", "native.forward(tok, torch.ones(3, 2, 3, dtype=d), x0, None, True)",
     r"native\.forward\(Tt\): expected .* pairs, got float64 tensor of shape \(3, 2, 3\)"),
    ("logits a readout too narrow", "native.logits(tok, T, x0.clone(), None, True, torch.ones(4, 1, dtype=d))",
     r"native\.logits\(R\): expected a contiguous CPU float64 tensor of shape \(K, H\) = \(4, 2\), "
     r"got float64 tensor of shape \(4, 1\)"),
    ("forward grouped with blocks", "native.forward_grouped(tok, T, x0, None, True)",
     r"native\.forward_grouped\(grouped\): expected a table of one H x H block per symbol \(D, 1, H, H\), "
     r"got 2 blocks of 1"),
    ("logits grouped with blocks", "native.logits(tok, T, x0.clone(), None, True, R, grouped=True)",
     r"native\.logits\(grouped\): expected .*, got 2 blocks of 1"),
    ("backward grouped with pairs", "native.backward(tok, T.view(3, 1, 2), X, S, g, c, True, grouped=True)",
     r"native\.backward\(grouped\): expected .*, got 1 blocks of complex pairs"),
    ("logits states of too few sequences", "native.logits(tok, T, torch.ones(1, 2, dtype=d), None, True, R)",
     r"native\.logits\(x\): expected a contiguous CPU float64 tensor of shape \(n, H\) = \(2, 2\), "
     r"got float64 tensor of shape \(1, 2\)"),
    ("logits a huge token, checked=True", "native.logits(torch.tensor([[10**12, 0]]), T, x0.clone(), None, True, R, checked=True)",
     r"native\.logits\(tokens\): expected entries in \[0, 3\), got entries in \[0, 1000000000000\]"),
    ("backward X without the start states", "native.backward(tok, T, torch.ones(1, 2, 2, dtype=d), S, g, c, True)",
     r"native\.backward\(X\): expected a contiguous CPU float64 tensor of shape \(L\+1, n, H\) = \(2, 2, 2\), "
     r"got float64 tensor of shape \(1, 2, 2\)"),
    ("backward gain coefficients transposed", "native.backward(tok, T, X, S, g, c.T, True)",
     r"native\.backward\(c\): expected a contiguous CPU float64 tensor of shape \(L, n\) = \(1, 2\), "
     r"got float64 tensor of shape \(2, 1\)"),
    ("backward a huge token, checked=True", "native.backward(torch.tensor([[0, 10**12]]), T, X, S, g, c, True, checked=True)",
     r"native\.backward\(tokens\): expected entries in \[0, 3\), got entries in \[0, 1000000000000\]"),
    ("xent_forward one label for many rows", "native.xent_forward(lp, torch.tensor([0]))",
     r"native\.xent_forward\(labels\): expected a \(rows,\) = \(1048576,\) int64 CPU tensor, got int64 tensor of shape \(1,\)"),
    ("xent_forward a label = K", "native.xent_forward(lp, torch.full((1 << 20,), 3))",
     r"native\.xent_forward\(labels\): expected entries in \[-1, 3\), got entries in \[3, 3\]"),
    ("xent_forward integer scores", "native.xent_forward(lp.long(), y)",
     r"native\.xent_forward\(lp\): expected a float32 or float64 tensor of shape \(K, rows\), "
     r"got int64 tensor of shape \(3, 1048576\)"),
    ("xent_backward one label for many rows", "native.xent_backward(lp.clone(), torch.tensor([0]), 1.0)",
     r"native\.xent_backward\(labels\): expected a \(rows,\) = \(1048576,\) int64 CPU tensor, got int64 tensor of shape \(1,\)"),
    ("xent_backward a label below -1", "native.xent_backward(lp.clone(), torch.full((1 << 20,), -2), 1.0)",
     r"native\.xent_backward\(labels\): expected entries in \[-1, 3\), got entries in \[-2, -2\]"),
    ("xent_backward int32 labels", "native.xent_backward(lp.clone(), y.int(), 1.0)",
     r"native\.xent_backward\(labels\): expected a \(rows,\) = \(1048576,\) int64 CPU tensor, got int32 tensor of shape \(1048576,\)"),
    ("xent_backward scale a string", "native.xent_backward(lp.clone(), y, '1')",
     r"native\.xent_backward\(scale\): expected a real number, got str"),
    ("xent_backward probabilities not contiguous", "native.xent_backward(torch.zeros(1 << 20, 3, dtype=d).T, y, 1.0)",
     r"native\.xent_backward\(p\): .*, got float64 tensor of shape \(3, 1048576\), not contiguous"),
    ("sinkhorn logits not square", "native.sinkhorn(torch.zeros(2, 3, 4, dtype=d), 8)",
     r"native\.sinkhorn\(logits\): expected a contiguous CPU float64 tensor of shape \(D, H, H\) = \(2, 3, 3\), "
     r"got float64 tensor of shape \(2, 3, 4\)"),
    ("sinkhorn no steps", "native.sinkhorn(torch.zeros(2, 3, 3, dtype=d), 0)",
     r"native\.sinkhorn\(steps\): expected an integer >= 1, got 0"),
    ("sinkhorn_backward an odd number of half-steps", "native.sinkhorn_backward(torch.ones(2, 3, 3, 3, dtype=d), "
     "torch.ones(2, 3, 3, dtype=d), torch.ones(2, 3, 3, dtype=d))",
     r"native\.sinkhorn_backward\(P\): expected an even number >= 2 of half-steps in dimension 1, got 3"),
    ("sinkhorn_backward a gradient of another width", "native.sinkhorn_backward(torch.ones(2, 4, 3, 3, dtype=d), "
     "torch.ones(2, 4, 3, dtype=d), torch.ones(2, 2, 2, dtype=d))",
     r"native\.sinkhorn_backward\(g\): expected a contiguous CPU float64 tensor of shape \(D, H, H\) = \(2, 3, 3\), "
     r"got float64 tensor of shape \(2, 2, 2\)"),
    ("hard_permutation float16 scores", "native.hard_permutation(torch.zeros(2, 3, 3, dtype=torch.float16))",
     r"native\.hard_permutation\(scores\): expected a float32 or float64 tensor of shape \(D, H, H\), "
     r"got float16 tensor of shape \(2, 3, 3\)"),
    ("house b of another number of factors", "native.house(torch.ones(2, 3, 4, dtype=d), torch.ones(2, 2, dtype=d))",
     r"native\.house\(b\): expected a contiguous CPU float64 tensor of shape \(D, nh\) = \(2, 3\), "
     r"got float64 tensor of shape \(2, 2\)"),
    ("house_backward a product too many", "native.house_backward(torch.ones(2, 1, 4, dtype=d), torch.ones(2, 1, 4, dtype=d), "
     "torch.ones(2, 1, dtype=d), torch.ones(2, 1, 4, 4, dtype=d), torch.ones(2, 4, 4, dtype=d))",
     r"native\.house_backward\(hist\): expected 0 products in dimension 1, got 1"),
]

CHILD = SETUP + """
import json, sys
from bilinear.theory.errors import InputError
for case, call in json.load(sys.stdin):
    print(json.dumps({"started": case}), flush=True)
    try:
        eval(call)
        outcome = {"case": case, "refused": False}
    except Exception as e:
        outcome = {"case": case, "refused": isinstance(e, InputError), "error": type(e).__name__, "message": str(e)}
    print(json.dumps(outcome), flush=True)
"""


@pytest.fixture(scope="module")
def refusals():
    """Every call of :data:`BAD` in a child interpreter, by case: its outcome, or how the child died in
    it (the calls after a crash run in a new child, so one crash hides no other case)."""
    outcomes: dict[str, dict] = {}
    todo = [(case, call) for case, call, _ in BAD]
    while todo:
        run = subprocess.run([sys.executable, "-c", CHILD], input=json.dumps(todo), capture_output=True, text=True,
                             timeout=300)
        started = None
        for line in run.stdout.splitlines():
            record = json.loads(line)
            started = record.get("started", started)
            if "case" in record:
                outcomes[record["case"]] = record
        if run.returncode == 0 or started is None or started in outcomes:
            assert run.returncode == 0, run.stderr               # died outside any case
            break
        outcomes[started] = {"died": run.returncode, "stderr": run.stderr[-1500:]}
        todo = todo[[case for case, _ in todo].index(started) + 1:]
    return outcomes


@pytest.mark.parametrize("case, call, message", BAD, ids=[case for case, _, _ in BAD])
def test_a_bad_argument_is_refused_in_one_line_before_c(refusals, case, call, message):
    outcome = refusals[case]
    if "died" in outcome:
        pytest.fail(f"the child interpreter died (exit {outcome['died']}) in this call: {outcome['stderr']}")
    assert outcome["refused"], outcome
    assert re.fullmatch(message, outcome["message"]), outcome["message"]


@compiled
@pytest.mark.parametrize("lo, hi, inside", [(0, 3, True), (1, 3, False), (0, 2, False), (-1, 3, True), (2, 2, False)])
def test_the_range_check_by_the_library_and_by_torch_agree(monkeypatch, lo, hi, inside):
    t = torch.tensor([0, 2, 1, 0] * 10)
    assert native.available()
    assert native._in_range(t, lo, hi) is inside                         # by the library
    monkeypatch.setitem(library._state, "lib", None)
    assert native._in_range(t, lo, hi) is inside                         # by torch


def test_bad_arguments_are_refused_without_the_library(fresh, monkeypatch):
    """The checks come before the library is asked for: an InputError, not "unavailable"."""
    monkeypatch.setenv("BILINEAR_NATIVE", "0")
    with pytest.raises(native.InputError, match=r"native\.xent_backward\(labels\): expected a \(rows,\) = \(4,\)"):
        native.xent_backward(torch.zeros(2, 4, dtype=torch.float64), torch.tensor([0]), 1.0)
    with pytest.raises(RuntimeError, match="unavailable .turned off by BILINEAR_NATIVE=0"):
        native.xent_backward(torch.zeros(2, 4, dtype=torch.float64), torch.zeros(4, dtype=torch.long), 1.0)


# -- the C prototypes and the ctypes declarations ---------------------------------------------------

SOURCE = library._SOURCE.read_text(encoding="utf-8")


def test_the_declarations_agree_with_recurrence_c():
    assert c_api.api_differences(SOURCE) == []
    defined, invoked = c_api.c_functions(SOURCE)
    assert sorted(defined) == sorted(["forward_##SUFFIX", "logits_##SUFFIX", "backward_##SUFFIX", "forward_grouped_##SUFFIX",
                                      "logits_grouped_##SUFFIX", "backward_grouped_##SUFFIX", "xent_forward_##SUFFIX",
                                      "xent_backward_##SUFFIX", "block_gains_##SUFFIX", "sinkhorn_##SUFFIX",
                                      "sinkhorn_backward_##SUFFIX", "hard_permutation_##SUFFIX", "house_##SUFFIX",
                                      "house_backward_##SUFFIX", "in_range", "recurrence_version"])
    assert defined["xent_backward_##SUFFIX"].params == (("int64_t", "rows"), ("int64_t", "K"), ("REAL *", "p"),
                                                        ("const int64_t *", "y"), ("double", "scale"))
    assert invoked == {"DEFINE_KERNELS": [("float", "f32"), ("double", "f64")],
                       "DEFINE_XENT": [("float", "f32"), ("double", "f64")],
                       "DEFINE_BLOCK_GAINS": [("float", "f32"), ("double", "f64")],
                       "DEFINE_GROUPED": [("float", "f32"), ("double", "f64")],
                       "DEFINE_SINKHORN": [("float", "f32"), ("double", "f64")],
                       "DEFINE_HOUSE": [("float", "f32"), ("double", "f64")]}


@compiled
def test_the_ctypes_declarations_are_made_from_the_table():
    lib = library.loaded()
    i64, ptr = ctypes.c_int64, ctypes.c_void_p
    assert lib.xent_backward_f32.argtypes == [i64, i64, ptr, ptr, ctypes.c_double]
    assert lib.xent_backward_f32.restype is None and lib.xent_forward_f64.restype is ctypes.c_double
    assert lib.forward_f64.argtypes == [i64] * 5 + [ptr] * 3 + [ctypes.c_int] + [ptr] * 2
    assert lib.backward_f32.argtypes == [i64] * 5 + [ptr] * 6 + [ctypes.c_int] + [ptr] * 4
    assert lib.logits_f64.argtypes == [i64] * 5 + [ptr] * 3 + [ctypes.c_int, ptr, i64] + [ptr] * 3
    assert lib.backward_grouped_f64.argtypes == [i64] * 4 + [ptr] * 6 + [ctypes.c_int] + [ptr] * 6
    assert c_api.PARAMS["forward_grouped_##SUFFIX"][-3:] == (("work", "REAL"), ("index", "int64"), ("gemm", "address"))


@compiled
def test_the_reader_finds_what_the_library_exports():
    """The C reader against the linker's view: the defined text symbols of the built library."""
    nm = shutil.which("nm")
    if nm is None:
        pytest.skip("no nm")
    path = native.status().removeprefix("compiled: ")
    text = subprocess.run([nm, "-D", "--defined-only", path], capture_output=True, text=True, check=True).stdout
    exported = {line.split()[-1] for line in text.splitlines() if line.split()[-2:-1] == ["T"]}
    defined, _ = c_api.c_functions(SOURCE)
    assert exported == {name.replace("##SUFFIX", sfx) for name in defined for sfx in (("f32", "f64") if "##" in name else ("",))}


@compiled
def test_a_call_passes_every_parameter_by_name_with_its_element_type():
    """The last guard before C (a bug of native.py, not a user's input): sizes 0, so even a call that
    got through would touch no memory."""
    p, y = torch.zeros(0, 0, dtype=torch.float64), torch.zeros(0, dtype=torch.long)
    with pytest.raises(TypeError, match="xent_backward_##SUFFIX takes rows, K, p, y, scale; given rows, K, p, y"):
        native._call("xent_backward_##SUFFIX", torch.float64, rows=0, K=0, p=p, y=y)
    with pytest.raises(TypeError, match=r"xent_backward_##SUFFIX: y \(torch.int64 \*\) given Tensor torch.float64"):
        native._call("xent_backward_##SUFFIX", torch.float64, rows=0, K=0, p=p, y=p, scale=1.0)
    with pytest.raises(TypeError, match=r"xent_backward_##SUFFIX: p \(torch.float32 \*\) given Tensor torch.float64"):
        native._call("xent_backward_##SUFFIX", torch.float32, rows=0, K=0, p=p, y=y, scale=1.0)
    assert native._call("xent_backward_##SUFFIX", torch.float64, rows=0, K=0, p=p, y=y, scale=1.0) is None


#: (change, text of recurrence.c, its replacement, a difference reported)
CHANGES = [
    ("a parameter added", "void xent_backward_##SUFFIX(int64_t rows, int64_t K,",
     "void xent_backward_##SUFFIX(int64_t rows, int64_t K, int64_t pad,",
     r"xent_backward_##SUFFIX: 5 parameters in c_api.py, 6 in recurrence.c"),
    ("a type changed", "int norm, REAL *restrict X", "int64_t norm, REAL *restrict X",
     r"forward_##SUFFIX: parameter 9 is 'int norm' in c_api.py, 'int64_t norm' in recurrence.c"),
    ("two parameters swapped", "void forward_##SUFFIX(int64_t n, int64_t L,", "void forward_##SUFFIX(int64_t L, int64_t n,",
     r"forward_##SUFFIX: parameter 1 is 'int64_t n' in c_api.py, 'int64_t L' in recurrence.c"),
    ("const dropped", "REAL *restrict p, const int64_t *restrict y,", "REAL *restrict p, int64_t *restrict y,",
     r"xent_backward_##SUFFIX: parameter 4 is 'const int64_t \* y' in c_api.py, 'int64_t \* y' in recurrence.c"),
    ("a return type changed", "double xent_forward_##SUFFIX(", "float xent_forward_##SUFFIX(",
     r"xent_forward_##SUFFIX: returns double in c_api.py, float in recurrence.c"),
    ("a function renamed", "void logits_##SUFFIX(", "void readout_##SUFFIX(",
     r"logits_##SUFFIX: declared in c_api.py, not defined in recurrence.c"),
    ("a helper exported", "static void matvec_##SUFFIX(", "void matvec_##SUFFIX(",
     r"matvec_##SUFFIX: defined in recurrence.c, not declared in c_api.py"),
    ("an instance dropped", "DEFINE_XENT(double, f64)\n", "\n",
     r"xent_forward_##SUFFIX: instances \[\('float', 'f32'\)\] of DEFINE_XENT in recurrence.c, .*"),
]


@pytest.mark.parametrize("change, old, new, difference", CHANGES, ids=[c for c, *_ in CHANGES])
def test_a_changed_prototype_is_found(tmp_path, change, old, new, difference):
    assert SOURCE.count(old) == 1, f"recurrence.c no longer holds {old!r}: update this case"
    copy = tmp_path / "recurrence.c"
    copy.write_text(SOURCE.replace(old, new))
    found = c_api.api_differences(copy.read_text())
    assert any(re.fullmatch(difference, d) for d in found), found


def test_a_changed_declaration_is_found():
    api = tuple(line.replace("int64_t *count", "int *count") for line in c_api.C_API)
    assert api != c_api.C_API
    assert c_api.api_differences(SOURCE, api) == [
        "xent_forward_##SUFFIX: parameter 5 is 'int * count' in c_api.py, 'int64_t * count' in recurrence.c"]


def test_a_source_that_differs_is_never_built(fresh, monkeypatch):
    copy = fresh / "recurrence.c"
    copy.write_text(SOURCE.replace("int norm, REAL *restrict X", "int64_t norm, REAL *restrict X"))
    monkeypatch.setattr(library, "_SOURCE", copy)
    cc = fake_compiler(monkeypatch, fresh, fail="*")
    with pytest.warns(RuntimeWarning, match="the compiled recurrence is unavailable"):
        assert not native.available()
    assert native.status() == ("recurrence.c differs from c_api.C_API: forward_##SUFFIX: parameter 9 is 'int norm' "
                               "in c_api.py, 'int64_t norm' in recurrence.c")
    assert calls_of(cc) == []


# -- building: one real compile, a fake compiler for the rest ---------------------------------------

@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """The module as if just imported: nothing loaded, the cache folder and the temporary folder
    inside ``tmp_path`` (the fallback folder must not hold a build from elsewhere)."""
    monkeypatch.setattr(library, "_state", {})
    monkeypatch.setenv("BILINEAR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("BILINEAR_NATIVE", raising=False)
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    return tmp_path


def fake_compiler(monkeypatch, folder: Path, fail: str = "", copy: Path | None = None) -> Path:
    """A compiler script, set as ``$CC`` for the test: appends its arguments to ``cc.log``; exits 1 with a
    one-line message when given the argument ``fail`` (``"*"``: any), else copies the library
    ``copy`` (a real build) to its ``-o`` file."""
    script, log = folder / "fake-cc", folder / "cc.log"
    script.write_text(f"""#!/bin/sh
printf '%s\\n' "$*" >> '{log}'
for a in "$@"; do case "$a" in {fail or "''"}) echo "fake-cc: error: cannot compile with $a" >&2; exit 1;; esac; done
out=; prev=
for a in "$@"; do [ "$prev" = -o ] && out=$a; prev=$a; done
exec cp '{copy}' "$out"
""")
    script.chmod(0o755)
    monkeypatch.setenv("CC", str(script))
    return script


def calls_of(script: Path) -> list[str]:
    log = script.with_name("cc.log")
    return log.read_text().splitlines() if log.exists() else []


@pytest.fixture(scope="module")
def real_build(tmp_path_factory):
    """The one real compile of this file: the library this process compiled when it loaded the module
    (nothing is built twice), else recurrence.c compiled by the system compiler into an empty cache by
    the module's own loader, which then runs the recurrence of the module's example through it."""
    if not native.available():
        pytest.fail(f"a C compiler is present but the compiled recurrence is not: {native.status()}")
    if library._state["built"]:
        return Path(native.status().removeprefix("compiled: "))
    folder = tmp_path_factory.mktemp("real-build")
    (folder / "tmp").mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(library, "_state", {})
        mp.setenv("BILINEAR_CACHE_DIR", str(folder / "cache"))
        mp.delenv("BILINEAR_NATIVE", raising=False)
        mp.setattr(tempfile, "tempdir", str(folder / "tmp"))
        assert native.available() and library._state["built"], native.status()
        X, S = native.forward(torch.tensor([[0], [1]]), torch.tensor([[[[2.0]]], [[[3.0]]]]).double(),
                              torch.ones(1, 1).double(), None, False)
        assert X.flatten().tolist() == [1.0, 2.0, 6.0] and S.flatten().tolist() == [2.0, 6.0]
        path = Path(native.status().removeprefix("compiled: "))
        assert sorted(p.name for p in (folder / "cache").iterdir()) == [path.name, path.name + ".sha256"]  # nothing half-built left
        return path


@compiled
def test_a_build_is_kept_under_the_key_of_its_source_flags_and_cpu(real_build):
    assert real_build.name in {library._library_name(flags) for flags in library._FLAG_SETS}
    assert not [p for p in real_build.parent.iterdir() if p.name.startswith(".tmp-")]
    lib = ctypes.CDLL(str(real_build))
    assert lib.recurrence_version() == library._VERSION


@compiled
def test_a_cached_build_is_used_without_a_compiler(fresh, real_build, monkeypatch):
    cache = fresh / "cache"
    cache.mkdir()
    shutil.copy(real_build, cache / real_build.name)
    shutil.copy(library._sidecar(real_build), library._sidecar(cache / real_build.name))
    cc = fake_compiler(monkeypatch, fresh, fail="*")
    assert native.available(), native.status()
    assert native.status() == f"compiled: {cache / real_build.name}"
    assert calls_of(cc) == [] and not library._state["built"]


def test_the_recorded_checksum_is_the_files_size_and_sha256(real_build):
    data = real_build.read_bytes()
    recorded = library._sidecar(real_build).read_text().split()
    assert recorded == [str(len(data)), hashlib.sha256(data).hexdigest()]


def _damaged_caches(real_build):
    data = real_build.read_bytes()
    return {"truncated": data[: len(data) // 3], "random bytes": bytes(random.Random(0).randrange(256)
                                                                          for _ in range(len(data))),
            "one byte changed": data[:100] + bytes([data[100] ^ 1]) + data[101:], "no checksum": data}


@compiled
@pytest.mark.parametrize("damage", ["truncated", "random bytes", "one byte changed", "no checksum"])
def test_a_damaged_cached_build_is_rebuilt_not_loaded(fresh, real_build, monkeypatch, damage):
    """A truncated cached library used to kill the process with SIGBUS when loaded, and one of random
    bytes failed every run with 'invalid ELF header': each is now detected by its checksum before
    loading, removed and rebuilt."""
    cache = fresh / "cache"
    cache.mkdir()
    target = cache / real_build.name
    target.write_bytes(_damaged_caches(real_build)[damage])
    if damage != "no checksum":
        shutil.copy(library._sidecar(real_build), library._sidecar(target))
    cc = fake_compiler(monkeypatch, fresh, copy=real_build)
    assert native.available(), native.status()
    assert native.status() == f"compiled: {target}" and library._state["built"] and len(calls_of(cc)) == 1
    assert target.read_bytes() == real_build.read_bytes() and library._damage(target) is None


@compiled
def test_a_damaged_cached_build_without_a_compiler_falls_back_with_one_warning(fresh, real_build, monkeypatch):
    cache = fresh / "cache"
    cache.mkdir()
    target = cache / real_build.name
    target.write_bytes(_damaged_caches(real_build)["truncated"])
    shutil.copy(library._sidecar(real_build), library._sidecar(target))
    monkeypatch.setenv("CC", str(fresh / "no-such-compiler"))
    monkeypatch.setattr(library, "_compiler", lambda: None)
    with pytest.warns(RuntimeWarning, match="the cached build was damaged") as caught:
        assert not native.available() and not native.available()
    assert len(caught) == 1
    assert "differs from the checksum recorded" in native.status()      # status() says why; it does not raise
    assert not target.exists()                                          # removed, so the next build replaces it


@compiled
def test_a_failing_compiler_falls_back_with_one_warning(fresh, monkeypatch):
    cc = fake_compiler(monkeypatch, fresh, fail="*")
    with pytest.warns(RuntimeWarning) as caught:
        assert not native.available()
        assert not native.available()
    assert [str(w.message).count("the compiled recurrence is unavailable") for w in caught] == [1]
    assert native.status() == f"{cc} -O3 failed: fake-cc: error: cannot compile with -O3"
    tried = calls_of(cc)
    assert len(tried) == 2 and "-march=native" in tried[0] and "-march=native" not in tried[1]
    assert not list(fresh.rglob("*.so")) and not list(fresh.rglob(".tmp-*"))   # nothing half-built left


@compiled
def test_a_refused_march_native_falls_back_to_plain_O3(fresh, real_build, monkeypatch):
    cc = fake_compiler(monkeypatch, fresh, fail="-march=native", copy=real_build)
    assert native.available(), native.status()
    assert native.status() == f"compiled: {fresh / 'cache' / library._library_name(('-O3',))}"
    assert len(calls_of(cc)) == 2 and library._state["built"]


@compiled
def test_an_unwritable_cache_falls_back_to_the_temporary_folder(fresh, real_build, monkeypatch):
    blocked = fresh / "file"
    blocked.write_text("a file where the cache folder should be")
    monkeypatch.setenv("BILINEAR_CACHE_DIR", str(blocked / "cache"))
    fake_compiler(monkeypatch, fresh, copy=real_build)
    assert native.available(), native.status()
    built = Path(native.status().removeprefix("compiled: "))
    assert built.parent == fresh / "tmp" / f"bilinear-{os.getuid()}" and built.exists()


def test_turned_off_by_the_environment_and_training_still_runs(fresh, monkeypatch):
    from bilinear.verify.kernels import fused
    from bilinear.verify.models.registry import ModelConfig, make_model
    monkeypatch.setenv("BILINEAR_NATIVE", "0")
    cc = fake_compiler(monkeypatch, fresh, fail="*")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert not native.available()
        m = make_model(ModelConfig("full", hidden=4), 3, 3, seed=0)
        assert fused._spec(m.system(), torch.zeros(2, 3, dtype=torch.long))[0][0] == "loop"
    assert native.status() == "turned off by BILINEAR_NATIVE=0"
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]
    assert calls_of(cc) == [] and not list(fresh.rglob("*.so"))                  # nothing built


def test_status_without_loading_builds_nothing(fresh, monkeypatch):
    cc = fake_compiler(monkeypatch, fresh, fail="*")
    assert native.status(load=False) == "not loaded"
    assert calls_of(cc) == [] and library._state == {}
