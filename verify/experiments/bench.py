"""Speed of the bilinear models, measured as ratios side by side (docs/design.md §9).

Two measurements, each in interleaved rounds (every contender once per round, so load on a shared
machine hits them alike), reported as the median over rounds with the spread (min, max):

* **training** — tokens/s of optimiser steps (forward, backward, AdamW; the default objective, so
  the bilinear models include the gain penalty) of every bilinear level against ``nn.LSTM`` at the
  same hidden size, input dimension, batch, length and threads;
* **evaluation** — tokens/s of ``model(tokens)`` (the fast path of :mod:`bilinear.verify.kernels.scan`) against
  the reference step loop (``reference_states`` then the readout) at several lengths.

Time is the process's CPU time on a CPU device (on a machine shared with other jobs, wall time
mostly measures the others) and wall time with synchronisation on CUDA.  Peak memory: the
largest increase of the C heap in use (glibc ``mallinfo2``, sampled every 0.5 ms) during one
call; ``None`` where that is unavailable, and CUDA's own peak counter on a GPU.

    >>> r = training_speed(["rdiag"], hidden=8, vocab=3, batch=4, length=3, steps=1, rounds=1)
    >>> sorted(r["tokens_per_second"]) == ["lstm", "rdiag"]
    True
"""

from __future__ import annotations

import ctypes
import threading
import time

import numpy as np
import torch

from bilinear.theory.resources import check_memory
from bilinear.verify.models.registry import MODEL_COPIES, ModelConfig, check_model_memory, make_model
from bilinear.verify.experiments.train import TrainConfig, _objective, _optimizer

__all__ = ["training_speed", "evaluation_speed", "check_bench_memory", "EVALUATION_COPIES", "GOALS", "goal_report", "markdown", "PeakMemory"]

#: (name, kind, levels, minimum ratio, setting) — the speed goals of the fast recurrence
GOALS = (
    ("training FULL >= 1.5x LSTM", "train", ("full",), 1.5),
    ("training RDIAG, CDIAG, ROT >= 3x LSTM", "train", ("rdiag", "cdiag", "rot"), 3.0),
    ("training BLOCK(B=4) >= 2x LSTM", "train", ("block",), 2.0),
    ("evaluation T=1000: scan >= 5x step loop for RDIAG, PDIAG, CDIAG, ROT", "eval", ("rdiag", "pdiag", "cdiag", "rot"), 5.0),
    ("evaluation T=1000: scan >= 2x step loop for FULL, BLOCK", "eval", ("full", "block"), 2.0),
)


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                                 "fsmblks", "uordblks", "fordblks", "keepcost")]


def _heap_reader():
    try:
        libc = ctypes.CDLL("libc.so.6")
        f = libc.mallinfo2
    except (OSError, AttributeError):
        return None
    f.restype = _Mallinfo2

    def read():
        m = f()
        return m.uordblks + m.hblkhd
    return read


class PeakMemory:
    """``with PeakMemory(device) as p: ...`` then ``p.peak`` = bytes above the level at entry."""

    def __init__(self, device="cpu"):
        self.device = torch.device(device)
        self.peak = None

    def __enter__(self):
        if self.device.type == "cuda":  # pragma: no cover - no GPU here
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            self._base = torch.cuda.memory_allocated()
            return self
        self._read = _heap_reader()
        if self._read is None:
            return self
        self._base = self._top = self._read()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def _poll(self):
        while not self._stop.is_set():
            self._top = max(self._top, self._read())
            time.sleep(0.0005)

    def __exit__(self, *exc):
        if self.device.type == "cuda":  # pragma: no cover - no GPU here
            torch.cuda.synchronize()
            self.peak = torch.cuda.max_memory_allocated() - self._base
        elif self._read is not None:
            self._stop.set()
            self._thread.join()
            self.peak = max(0, max(self._top, self._read()) - self._base)
        return False


def _clock(device):
    if torch.device(device).type == "cuda":  # pragma: no cover - no GPU here
        def now():
            torch.cuda.synchronize()
            return time.perf_counter()
        return now
    return time.process_time


def _summary(values: list[float]) -> dict:
    return {"median": float(np.median(values)), "min": float(min(values)), "max": float(max(values))}


def check_bench_memory(levels, hidden: int = 64, vocab: int = 10, block: int = 4, lengths=(100, 1000, 10000),
                       batch: int = 200, long_batch: int = 20) -> None:
    """Refuse (:func:`bilinear.theory.resources.check_memory`) a benchmark whose models or states do
    not fit the memory limit, before any is built: :func:`training_speed` holds every model (and
    ``lstm``) with its optimiser at once; :func:`evaluation_speed` holds ``n x T x H`` states."""
    names = ["lstm"] + [lv for lv in levels if lv != "lstm"]
    for name in names:        # the m + 1 models are held at once: each is checked as m + 1 of its size
        check_model_memory(ModelConfig(name, hidden=hidden, block=block), vocab, vocab,
                           copies=MODEL_COPIES * len(names))
    n, T = max(((batch if L < 10000 else long_batch), L) for L in lengths)
    check_memory(EVALUATION_COPIES * 4 * n * T * hidden, f"the states of {n} words of length {T} at hidden size {hidden}")


#: Float32 copies of the ``n x T x H`` states one evaluation measurement holds (the scan's, the
#: step loop's, and their readouts' temporaries).
EVALUATION_COPIES = 4


def train_steps(model, data, cfg: TrainConfig, opt, steps: int, device="cpu") -> None:
    """``steps`` optimiser steps of the training on one fixed batch ``data``: the training's objective
    (:func:`bilinear.verify.experiments.train._objective`, fused for the bilinear levels), backward and
    ``opt`` — the unit every speed comparison times."""
    for _ in range(steps):
        loss = _objective(model, data, cfg, False, device)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()


def training_speed(levels, hidden: int = 64, vocab: int = 10, batch: int = 64, length: int = 10,
                   steps: int = 20, rounds: int = 5, block: int = 4, device="cpu", seed: int = 0) -> dict:
    """Training tokens/s of ``levels`` and ``lstm``; ratios to the LSTM per round (median, spread)."""
    from bilinear.verify.tasks import make_task

    task = make_task("modadd", m=vocab)
    data = task.sample(batch, length, seed)
    cfg = TrainConfig()
    names = ["lstm"] + [lv for lv in levels if lv != "lstm"]
    setups = []
    for name in names:
        model = make_model(ModelConfig(name, hidden=hidden, block=block), task.vocab_size, task.num_classes,
                           seed=seed).to(device).train()
        setups.append((name, model, _optimizer(model, cfg, 1e-3)))      # the training's optimiser
    now = _clock(device)
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds + 1):                                  # round 0 warms up
        for name, model, opt in setups:
            t0 = now()
            train_steps(model, data, cfg, opt, steps, device)
            if r:
                times[name].append(now() - t0)
    tokens = batch * length * steps
    tps = {name: _summary([tokens / t for t in ts]) for name, ts in times.items()}
    ratio = {name: _summary([times["lstm"][i] / t for i, t in enumerate(ts)]) for name, ts in times.items()
             if name != "lstm"}
    memory = {}
    for name, model, opt in setups:
        opt.zero_grad(set_to_none=True)
        with PeakMemory(device) as p:
            for _ in range(5):                              # several steps: the sampler gets to run
                loss = _objective(model, data, cfg, False, device)
                loss.backward()
        memory[name] = p.peak
    return {"setting": {"hidden": hidden, "vocab": vocab, "batch": batch, "length": length, "steps": steps,
                        "rounds": rounds, "block": block, "threads": torch.get_num_threads(), "device": str(device)},
            "tokens_per_second": tps, "ratio_to_lstm": ratio, "peak_bytes": memory}


def evaluation_speed(levels, lengths=(100, 1000, 10000), batch: int = 200, hidden: int = 64, vocab: int = 10,
                     rounds: int = 3, block: int = 4, device="cpu", seed: int = 0, long_batch: int = 20) -> dict:
    """Evaluation tokens/s of ``model(tokens)`` (the scan) against the reference step loop, per level
    and length (lengths >= 10000 use ``long_batch`` sequences: the step loop holds all states)."""
    now = _clock(device)
    out = {}
    for level in levels:
        model = make_model(ModelConfig(level, hidden=hidden, block=block), vocab, vocab, seed=seed).to(device).eval()
        ref = lambda t, m=model: m.reference_states(t) @ m.readout.T      # noqa: E731
        rows = {}
        for L in lengths:
            n = batch if L < 10000 else long_batch
            tok = torch.randint(0, vocab, (n, L), generator=torch.Generator().manual_seed(seed)).to(device)
            times: dict[str, list[float]] = {"scan": [], "loop": []}
            mem = {}
            with torch.no_grad():
                for r in range(rounds + (1 if L <= 1000 else 0)):
                    for key, fn in (("scan", model), ("loop", ref)):
                        t0 = now()
                        fn(tok)
                        if r or L > 1000:
                            times[key].append(now() - t0)
                for key, fn in (("scan", model), ("loop", ref)):
                    with PeakMemory(device) as p:
                        fn(tok)
                    mem[key] = p.peak
            tokens = n * L
            rows[str(L)] = {"batch": n, "scan_tokens_per_second": _summary([tokens / t for t in times["scan"]]),
                            "loop_tokens_per_second": _summary([tokens / t for t in times["loop"]]),
                            "ratio": _summary([lt / st for lt, st in zip(times["loop"], times["scan"])]),
                            "peak_bytes": mem}
        out[level] = rows
    return {"setting": {"hidden": hidden, "vocab": vocab, "batch": batch, "long_batch": long_batch,
                        "rounds": rounds, "block": block, "threads": torch.get_num_threads(), "device": str(device)},
            "levels": out}


def goal_report(train: dict, evaluation: dict) -> list[dict]:
    """Each goal of :data:`GOALS` with the measured median ratios and whether it is met."""
    rows = []
    for name, kind, levels, need in GOALS:
        if kind == "train":
            got = {lv: train["ratio_to_lstm"][lv]["median"] for lv in levels if lv in train["ratio_to_lstm"]}
        else:
            got = {lv: evaluation["levels"][lv]["1000"]["ratio"]["median"] for lv in levels
                   if lv in evaluation["levels"] and "1000" in evaluation["levels"][lv]}
        met = None if len(got) < len(levels) else min(got.values()) >= need      # None: not measured
        rows.append({"goal": name, "ratios": got, "met": met})
    return rows


def _recurrence(meta: dict) -> str:
    """The path the bilinear models ran through, as recorded by ``bilinear bench``."""
    why = meta.get("recurrence", "not recorded")
    if why.startswith("compiled: "):
        grouped = meta.get("blas")
        rows = ("" if grouped is None else "; FULL, HOUSE and MONO with the rows of each step grouped by symbol, "
                "one BLAS product per symbol (numpy's OpenBLAS, `verify/kernels/blas.py`)" if grouped == "found"
                else f"; one row at a time for every level (no BLAS for the grouped products: {grouped})")
        return "the compiled kernel (`verify/kernels/recurrence.c` through `verify/kernels/native.py`)" + rows
    return f"the torch paths only (the compiled kernel was not used: {why})"


def _mb(b):
    return "" if b is None else f"{b / 2 ** 20:.1f}"


def markdown(train: dict, evaluation: dict, goals: list[dict], meta: dict) -> str:
    """The report of ``bilinear bench`` (docs/results_speed.md)."""
    s = train["setting"]
    lines = ["# Speed of the bilinear recurrence", "",
             f"Measured by `bilinear bench` ({meta.get('when', '')}; torch {torch.__version__}, device "
             f"{s['device']}, {s['threads']} thread(s); {meta.get('machine', '')}).",
             "Times are process CPU time on a CPU (wall time with synchronisation on CUDA); each figure is "
             "the median over interleaved rounds with the spread (min–max) in brackets.",
             f"Recurrence: {_recurrence(meta)}.", "",
             "## Goals", "", "| goal | measured (median ratio) | met |", "|---|---|---|"]
    for g in goals:
        got = ", ".join(f"{k} {v:.2f}" for k, v in g["ratios"].items())
        met = "not measured" if g["met"] is None else ("yes" if g["met"] else "**no**")
        lines.append(f"| {g['goal']} | {got} | {met} |")
    lines += ["", f"## Training (H={s['hidden']}, D={s['vocab']}, batch {s['batch']}, length {s['length']}, "
                  f"{s['steps']} steps per round, {s['rounds']} rounds)", "",
              "| model | tokens/s | ratio to LSTM | peak MB (one step) |", "|---|---|---|---|"]
    for name, v in train["tokens_per_second"].items():
        r = train["ratio_to_lstm"].get(name)
        rt = "1" if r is None else f"{r['median']:.2f} ({r['min']:.2f}–{r['max']:.2f})"
        lines.append(f"| {name} | {v['median']:,.0f} ({v['min']:,.0f}–{v['max']:,.0f}) | {rt} | "
                     f"{_mb(train['peak_bytes'].get(name))} |")
    e = evaluation["setting"]
    lines += ["", f"## Evaluation (H={e['hidden']}, D={e['vocab']}, batch {e['batch']}, "
                  f"{e['long_batch']} at T >= 10000; scan = `model(tokens)`, loop = `reference_states`)", "",
              "| level | T | scan tokens/s | loop tokens/s | ratio | peak MB scan / loop |", "|---|---|---|---|---|---|"]
    for level, rows in evaluation["levels"].items():
        for L, v in rows.items():
            sc, lo, ra = v["scan_tokens_per_second"], v["loop_tokens_per_second"], v["ratio"]
            lines.append(f"| {level} | {L} | {sc['median']:,.0f} | {lo['median']:,.0f} | {ra['median']:.2f} "
                         f"({ra['min']:.2f}–{ra['max']:.2f}) | {_mb(v['peak_bytes']['scan'])} / "
                         f"{_mb(v['peak_bytes']['loop'])} |")
    lines += ["", "## What the paths do", ""] + list(_NOTES)
    if meta.get("notes"):
        lines += [""] + list(meta["notes"])
    return "\n".join(lines) + "\n"


_NOTES = (
    "- **Training, every level but CP.** A bilinear model with one-hot input trains through one "
    "autograd node for the recurrence and the loss together (`verify/kernels/fused.py`), whose forward and "
    "backward are two calls of a compiled C kernel (`verify/kernels/recurrence.c`, built once per machine by "
    "the system compiler and loaded by ctypes, `verify/kernels/native.py`): the whole step loop, the "
    "per-step normalisation, the adjoint recurrence and the weight gradient, for every level as "
    "block-diagonal per-symbol matrices (FULL one H x H block, BLOCK B x B, RDIAG/PDIAG 1 x 1, "
    "CDIAG/ROT complex pairs). Around it stay a few dozen small torch operations per training step: "
    "the readout's three matrix products (as `R h^T`, several times faster than `h R^T` for ten "
    "classes here), torch's log_softmax (the labelled sum of the cross-entropy and its gradient are "
    "in C), the gain penalty, the start state and AdamW — the same kind of fixed cost the LSTM's step "
    "pays around its oneDNN kernel, and what bounds the diagonal levels' ratio near 3. CP keeps the "
    "torch path of the fused step (its factors are not block-diagonal).",
    "- **Without a compiler** (or with `BILINEAR_NATIVE=0`) the torch paths run: the closed-form "
    "backward for the pure diagonal levels and the adjoint step loop for the others, about 120 "
    "(RDIAG) to 380 (FULL) small operations per step, and the torch scans for evaluation.",
    "- **Rows grouped by symbol (FULL, HOUSE, MONO).** At each step the sequences that read the same "
    "symbol are gathered and multiplied by its matrix in one BLAS product (forward and adjoint); the "
    "weight gradient is one product per symbol over all its tokens after the loop; evaluation reads "
    "out each step in one product. The BLAS is numpy's own OpenBLAS, called from the C kernel through "
    "a function pointer on the calling thread; taken from H = 16 on.",
    "- **HOUSE's and MONO's tables in C.** HOUSE's product of Householder factors (rank-1 updates) and "
    "MONO's Sinkhorn normalisation (8 log-space steps, the softmax of every half-step kept for the "
    "backward), hard permutation and straight-through product with the diagonal are one compiled "
    "autograd node each (`verify/kernels/house.py`, `verify/kernels/sinkhorn.py`), forward and backward; "
    "the torch code runs without the library.",
    "- **Evaluation.** `model(tokens)` without gradients runs the compiled forward with the readout "
    "inside: only the current states are held, so the scan's memory is that of the logits (8 MB at "
    "T=1000, batch 200), against the reference loop's half a dozen torch operations per step with "
    "every state held and the readout by torch.",
    "- **FULL and BLOCK by a parallel scan.** A prefix product of H x H matrices costs H^3 per "
    "step against H^2 for the matrix-vector product, 64x the arithmetic at H=64: on a CPU it is "
    "slower than the sequential products, so every level runs a step loop (per-step normalisation "
    "as in the reference; no overflow at any length).",
    "- **Noise.** The machine was shared with other jobs; CPU time removes most of the effect of "
    "waiting for a core but not that of shared caches, and the rounds are interleaved so load hits "
    "both sides of a ratio alike. The spread columns show how much rounds differed.",
)
