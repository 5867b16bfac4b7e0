"""The compiled recurrence of this checkout against the one of another git revision, side by side.

    python benchmarks/kernel_ab.py --base HEAD~1 --hidden 64,256 [--rounds 7]

Both versions of ``verify/kernels/recurrence.c`` are compiled with the flags the toolkit uses
(``-O3 -march=native -fopenmp-simd``) into a temporary folder and called through ctypes on the same
inputs: a training step's forward and backward for FULL (one H x H block per symbol), batch 64,
length 10, D = 10 symbols, float32 — the setting of ``bilinear bench``.  Rounds are interleaved
(base, new, base, new, ...) so that machine load hits both alike; the median per call and the ratio
base / new are printed (and written as JSON with ``--json``).  The outputs of the two versions are
compared too (relative difference), so a faster kernel that computes something else is visible.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = "verify/kernels/recurrence.c"


def build(source_text: str, folder: str, name: str) -> ctypes.CDLL:
    src = os.path.join(folder, name + ".c")
    with open(src, "w", encoding="utf-8") as f:
        f.write(source_text)
    out = os.path.join(folder, name + ".so")
    subprocess.run([os.environ.get("CC", "cc"), "-O3", "-march=native", "-shared", "-fPIC", "-std=c99",
                    "-fopenmp-simd", "-o", out, src, "-lm"], check=True)
    return ctypes.CDLL(out)


def ptr(a: np.ndarray):
    return a.ctypes.data_as(ctypes.c_void_p)


def step(lib, tok, T, Tt, x0, g, c, H):
    """One forward and one backward (float32); returns (X, gT) for the comparison."""
    L, n = tok.shape
    D = T.shape[0]
    X = np.empty((L + 1, n, H), np.float32)
    X[0] = x0
    S = np.empty((L, n), np.float32)
    i64 = ctypes.c_int64
    lib.forward_f32(i64(n), i64(L), i64(D), i64(1), i64(H), ptr(tok), ptr(Tt), None, ctypes.c_int(1), ptr(X), ptr(S))
    dY = np.empty((L, n, H), np.float32)
    gT = np.zeros_like(T)
    G = np.zeros((n, H), np.float32)
    tmp = np.empty(H, np.float32)
    lib.backward_f32(i64(n), i64(L), i64(D), i64(1), i64(H), ptr(tok), ptr(T), ptr(X), ptr(S), ptr(g), ptr(c),
                     ctypes.c_int(1), ptr(dY), ptr(gT), ptr(G), ptr(tmp))
    return X, gT


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base", required=True, help="the git revision to compare with (e.g. HEAD~1)")
    p.add_argument("--hidden", default="64,256", help="hidden sizes, comma separated")
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--calls", type=int, default=20, help="calls per round")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    base_text = subprocess.run(["git", "show", f"{args.base}:{SOURCE}"], cwd=ROOT, check=True,
                               capture_output=True, text=True).stdout
    with open(os.path.join(ROOT, SOURCE), encoding="utf-8") as f:
        new_text = f.read()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        libs = {"base": build(base_text, folder, "base"), "new": build(new_text, folder, "new")}
        for H in (int(h) for h in args.hidden.split(",")):
            rng = np.random.default_rng(0)
            D, n, L = 10, 64, 10
            T = (rng.standard_normal((D, 1, H, H)) / np.sqrt(H)).astype(np.float32)
            Tt = np.ascontiguousarray(T.transpose(0, 1, 3, 2))
            tok = rng.integers(0, D, (L, n)).astype(np.int64)
            x0 = np.full((n, H), 1 / np.sqrt(H), np.float32)
            g = rng.standard_normal((L, n, H)).astype(np.float32)
            c = rng.standard_normal((L, n)).astype(np.float32)
            out = {k: step(lib, tok, T, Tt, x0, g, c, H) for k, lib in libs.items()}
            diff = max(float(np.abs(a - b).max() / np.abs(b).max()) for a, b in zip(out["base"], out["new"]))
            times: dict[str, list[float]] = {"base": [], "new": []}
            for _ in range(args.rounds):
                for k, lib in libs.items():
                    t0 = time.perf_counter()
                    for _ in range(args.calls):
                        step(lib, tok, T, Tt, x0, g, c, H)
                    times[k].append((time.perf_counter() - t0) / args.calls)
            med = {k: statistics.median(v) for k, v in times.items()}
            rows.append({"hidden": H, "base_ms": med["base"] * 1e3, "new_ms": med["new"] * 1e3,
                         "speedup": med["base"] / med["new"], "max_relative_difference": diff,
                         "tokens_per_second_new": n * L / med["new"]})
    if args.json:
        print(json.dumps({"base": args.base, "rows": rows}, indent=1))
    else:
        print(f"FULL forward+backward, batch 64, length 10, D = 10, float32; base = {args.base}")
        for r in rows:
            print(f"H = {r['hidden']:4d}: base {r['base_ms']:.3f} ms, new {r['new_ms']:.3f} ms, "
                  f"speedup {r['speedup']:.2f}x, outputs differ by {r['max_relative_difference']:.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
