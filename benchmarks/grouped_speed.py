"""The grouped recurrence and the compiled tables against what ran before, side by side in one process.

    python benchmarks/grouped_speed.py [--hidden 64,256] [--levels full,house,mono] [--rounds 5] [--markdown]
    python benchmarks/grouped_speed.py --before one-row [...]
    python benchmarks/grouped_speed.py --kernel 4,8,16,32,64,128,256 --skip-models --markdown
    python benchmarks/grouped_speed.py --parts --skip-models --rounds 7 --markdown

Training steps of ``bilinear bench`` (fused objective, backward, AdamW; batch 64, length 10, D = 10,
one thread, CPU time) for nn.LSTM and for each level twice, ``before`` and ``after`` — the path the
plan chooses now.  ``before`` is, with ``--before tables`` (the default), the tables of HOUSE and MONO
formed by the torch code (``house.applies`` and ``sinkhorn.applies`` patched to ``False``: HOUSE's
factors, MONO's Sinkhorn normalisation and hard permutation in torch, differentiated by autograd; FULL
runs the same code either way, a control for the noise); with ``--before one-row``, the compiled
kernel one row at a time (``forced_path("native")``) and MONO's hard permutation by its H greedy picks
(``greedy_permutation``), the code before the grouped path.  Rounds are interleaved (every contender
once per round), so load hits all alike; medians (min-max) over rounds.

Then evaluation (``model(tokens)`` without gradients, the readout inside the compiled recurrence) of
FULL at batch 200 and T = 1000, one row at a time against grouped; and this machine's single-thread
GEMM rate (``torch.mm``, 64 x H times H x H), against which the kernels' arithmetic rate is stated.
``--kernel`` adds the compiled forward and backward alone, one row at a time against grouped, at the
widths given (what ``paths.GROUPED_MIN_WIDTH`` was chosen from); ``--parts`` the parametrisations of
MONO and HOUSE at H = 64 (forward and backward), by the torch code and compiled, beside an LSTM
training step and FULL's (what bounds MONO's and HOUSE's ratios).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from contextlib import ExitStack, contextmanager

import torch

from bilinear.verify.experiments.bench import train_steps
from bilinear.verify.experiments.train import TrainConfig, _optimizer
from bilinear.verify.kernels import house as compiled_house
from bilinear.verify.kernels import native, paths
from bilinear.verify.kernels import sinkhorn as compiled_sinkhorn
from bilinear.verify.models import modern
from bilinear.verify.models.registry import ModelConfig, make_model
from bilinear.verify.tasks import make_task


#: what ``before`` runs (module docstring): ``"tables"`` or ``"one-row"``
BEFORE = ["tables"]


def _patched(stack: ExitStack, module, name: str, value) -> None:
    saved = getattr(module, name)
    setattr(module, name, value)
    stack.callback(setattr, module, name, saved)


@contextmanager
def before(level: str):
    """The code as it ran before (module docstring): HOUSE's and MONO's tables in torch, or one row
    at a time and MONO's picks one by one."""
    with ExitStack() as stack:
        if BEFORE[0] == "one-row":
            stack.enter_context(paths.forced_path("native"))
            _patched(stack, compiled_house, "applies", lambda t: False)
            _patched(stack, compiled_sinkhorn, "applies", lambda t: False)
            if level == "mono":
                _patched(stack, modern, "hard_permutation", modern.greedy_permutation)
        else:
            _patched(stack, compiled_house, "applies", lambda t: False)
            _patched(stack, compiled_sinkhorn, "applies", lambda t: False)
        yield


@contextmanager
def after(level: str):
    yield


def _summary(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def training(hidden: int, levels: list[str], rounds: int, steps: int) -> dict:
    task = make_task("modadd", m=10)
    data = task.sample(64, 10, 0)
    cfg = TrainConfig()
    contenders = []
    for name, variant in [("lstm", after)] + [(lv, v) for lv in levels for v in (before, after)]:
        model = make_model(ModelConfig(name, hidden=hidden, block=4), task.vocab_size, task.num_classes, seed=0).train()
        key = name if name == "lstm" else f"{name} {variant.__name__}"
        contenders.append((key, name, variant, model, _optimizer(model, cfg, 1e-3)))
    times: dict[str, list[float]] = {c[0]: [] for c in contenders}
    for r in range(rounds + 1):                                   # round 0 warms up
        for key, name, variant, model, opt in contenders:
            with variant(name):
                t0 = time.process_time()
                train_steps(model, data, cfg, opt, steps)
                if r:
                    times[key].append(time.process_time() - t0)
    tokens = 64 * 10 * steps
    out = {}
    for key, ts in times.items():
        out[key] = {"tokens_per_second": _summary([tokens / t for t in ts]),
                    "ratio_to_lstm": _summary([a / t for a, t in zip(times["lstm"], ts)])}
    for lv in levels:
        out[f"{lv} after"]["speedup"] = _summary([b / a for b, a in zip(times[f"{lv} before"], times[f"{lv} after"])])
    return out


@contextmanager
def one_row(level: str):
    """The compiled kernel one row at a time (what evaluation is compared with, whatever ``--before``)."""
    with paths.forced_path("native"):
        yield


def evaluation(hidden: int, rounds: int, batch: int = 200, length: int = 1000) -> dict:
    """FULL's evaluation, one row at a time (``before``) against grouped (``after``)."""
    model = make_model(ModelConfig("full", hidden=hidden), 10, 10, seed=0).eval()
    tok = torch.randint(0, 10, (batch, length), generator=torch.Generator().manual_seed(0))
    times: dict[str, list[float]] = {"before": [], "after": []}
    with torch.no_grad():
        for r in range(rounds + 1):
            for key, variant in (("before", one_row), ("after", after)):
                with variant("full"):
                    t0 = time.process_time()
                    model(tok)
                    if r:
                        times[key].append(time.process_time() - t0)
    flops = 2 * hidden * hidden * batch * length
    return {key: {"tokens_per_second": _summary([batch * length / t for t in ts]),
                  "gflops": statistics.median(flops / t / 1e9 for t in ts)} for key, ts in times.items()} | {
        "speedup": _summary([b / a for b, a in zip(times["before"], times["after"])])}


def kernel(hidden: int, rounds: int, calls: int = 10, n: int = 64, length: int = 10, D: int = 10) -> dict:
    """The compiled forward and backward of a training step alone (float32, FULL's one block per
    symbol), one row at a time against grouped: the measurement behind ``paths.GROUPED_MIN_WIDTH``."""
    g = torch.Generator().manual_seed(0)
    T = torch.randn(D, 1, hidden, hidden, generator=g) / hidden ** 0.5
    Tt = T.transpose(-1, -2).contiguous()
    tok = torch.randint(0, D, (length, n), generator=g)
    x0 = torch.full((n, hidden), hidden ** -0.5)
    gX, c = torch.randn(length, n, hidden, generator=g), torch.randn(length, n, generator=g)

    def one_row():
        X, S = native.forward(tok, Tt, x0, None, True)
        native.backward(tok, T, X, S, gX, c, True)

    def grouped():
        X, S = native.forward_grouped(tok, T, x0, None, True)
        native.backward(tok, T, X, S, gX, c, True, grouped=True)

    times: dict[str, list[float]] = {"one_row": [], "grouped": []}
    for r in range(rounds + 1):
        for key, fn in (("one_row", one_row), ("grouped", grouped)):
            t0 = time.process_time()
            for _ in range(calls):
                fn()
            if r:
                times[key].append((time.process_time() - t0) / calls)
    flops = 3 * 2 * hidden * hidden * n * length          # forward, adjoint, weight gradient
    return {key: {"ms": statistics.median(ts) * 1e3, "gflops": flops / statistics.median(ts) / 1e9}
            for key, ts in times.items()} | {"speedup": _summary([a / b for a, b in zip(times["one_row"],
                                                                                         times["grouped"])])}


def parts(hidden: int, rounds: int, calls: int = 5) -> dict:
    """Milliseconds (median over interleaved rounds) of an LSTM training step and FULL's beside MONO's
    and HOUSE's parametrisations, forward and backward, by the torch code and compiled."""
    task = make_task("modadd", m=10)
    data = task.sample(64, 10, 0)
    cfg = TrainConfig()
    steppers = {}
    for name in ("lstm", "full"):
        model = make_model(ModelConfig(name, hidden=hidden), task.vocab_size, task.num_classes, seed=0).train()
        steppers[name] = (model, _optimizer(model, cfg, 1e-3))
    mono = make_model(ModelConfig("mono", hidden=hidden), task.vocab_size, task.num_classes, seed=0).train()
    house = make_model(ModelConfig("house", hidden=hidden), task.vocab_size, task.num_classes, seed=0).train()
    scores = modern.sinkhorn(mono.logits).detach()

    def step(name):
        model, opt = steppers[name]
        return lambda: train_steps(model, data, cfg, opt, 1)

    def torch_code(fn):
        def run():
            with before("house"):
                fn()
        return run

    def table(model):
        return lambda: model.transitions().sum().backward()

    jobs = {"LSTM training step": step("lstm"), "FULL training step": step("full"),
            "MONO's Sinkhorn normalisation, torch": lambda: modern.sinkhorn(mono.logits).sum().backward(),
            "MONO's Sinkhorn normalisation, compiled": lambda: compiled_sinkhorn.sinkhorn(mono.logits, 8).sum().backward(),
            "MONO's hard permutation, torch (rounds)": lambda: modern.hard_permutation(scores),
            "MONO's hard permutation, compiled": lambda: compiled_sinkhorn.hard_permutation(scores),
            "MONO's table, torch": torch_code(table(mono)), "MONO's table, compiled": table(mono),
            "HOUSE's table, torch": torch_code(table(house)), "HOUSE's table, compiled": table(house)}
    times: dict[str, list[float]] = {k: [] for k in jobs}
    for r in range(rounds + 1):
        for key, fn in jobs.items():
            t0 = time.process_time()
            for _ in range(calls):
                fn()
            if r:
                times[key].append((time.process_time() - t0) / calls)
    return {key: statistics.median(ts) * 1e3 for key, ts in times.items()}


def gemm_rate(hidden: int, rows: int = 64) -> float:
    """GFLOP/s of torch.mm, ``rows x H`` times ``H x H``, float32, median of 7 timings."""
    a, b = torch.randn(rows, hidden), torch.randn(hidden, hidden)
    c = torch.empty(rows, hidden)
    reps = max(10, int(2e8 / (2 * rows * hidden * hidden)))
    rates = []
    for _ in range(7):
        t0 = time.process_time()
        for _ in range(reps):
            torch.mm(a, b, out=c)
        rates.append(2 * rows * hidden * hidden * reps / (time.process_time() - t0) / 1e9)
    return statistics.median(rates)


def _fmt(s: dict, digits: int = 2) -> str:
    return f"{s['median']:.{digits}f} ({s['min']:.{digits}f}–{s['max']:.{digits}f})"


def markdown(result: dict) -> str:
    lines = []
    if result.get("kernel"):
        lines += ["The compiled forward and backward of a training step alone (FULL, float32, batch 64, length 10, "
                  f"D = 10; {result['rounds']} interleaved rounds):", "",
                  "| H | one row at a time | grouped | speed-up |", "|---|---|---|---|"]
        for h, k in result["kernel"].items():
            lines.append(f"| {h} | {k['one_row']['ms']:.3f} ms ({k['one_row']['gflops']:.1f} GFLOP/s) | "
                         f"{k['grouped']['ms']:.3f} ms ({k['grouped']['gflops']:.1f} GFLOP/s) | {_fmt(k['speedup'])} |")
        lines.append("")
    if result.get("parts"):
        lines += ["MONO's and HOUSE's parametrisations (forward and backward) beside training steps (H = 64; "
                  f"milliseconds, medians of {result['rounds']} interleaved rounds):", "", "| part | ms |", "|---|---|"]
        lines += [f"| {k} | {v:.2f} |" for k, v in result["parts"].items()] + [""]
    for h, part in result["hidden"].items():
        tr = part["training"]
        lines += [f"Training at H = {h} (batch 64, length 10, D = 10, one thread; {result['rounds']} interleaved "
                  f"rounds of {result['steps']} steps, CPU time); LSTM {tr['lstm']['tokens_per_second']['median']:,.0f} "
                  "tokens/s:", "",
                  "| level | tokens/s before | tokens/s after | ratio to LSTM before | ratio to LSTM after | after / before |",
                  "|---|---|---|---|---|---|"]
        for lv in result["levels"]:
            b, a = tr[f"{lv} before"], tr[f"{lv} after"]
            lines.append(f"| {lv} | {b['tokens_per_second']['median']:,.0f} | {a['tokens_per_second']['median']:,.0f} | "
                         f"{_fmt(b['ratio_to_lstm'])} | {_fmt(a['ratio_to_lstm'])} | {_fmt(a['speedup'])} |")
        ev = part["evaluation"]
        lines += ["", f"Evaluation of FULL at H = {h}, batch 200, T = 1000: one row at a time "
                  f"{ev['before']['tokens_per_second']['median']:,.0f} tokens/s ({ev['before']['gflops']:.1f} GFLOP/s), "
                  f"grouped {ev['after']['tokens_per_second']['median']:,.0f} tokens/s ({ev['after']['gflops']:.1f} GFLOP/s), "
                  f"{_fmt(ev['speedup'])}x; torch.mm 64 x {h} x {h} on this machine: {part['gemm_gflops']:.1f} GFLOP/s "
                  f"(the grouped evaluation at {ev['after']['gflops'] / part['gemm_gflops']:.2f} of it).", ""]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--hidden", default="64,256")
    p.add_argument("--levels", default="full,house,mono")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--kernel", default="", help="hidden sizes of the kernel-alone comparison (e.g. 4,8,16,32,64,256)")
    p.add_argument("--skip-models", action="store_true", help="the kernel comparison (and the parts) only")
    p.add_argument("--parts", action="store_true", help="MONO's and HOUSE's parametrisations beside training steps")
    p.add_argument("--before", choices=("tables", "one-row"), default="tables", help="what 'before' runs")
    p.add_argument("--markdown", action="store_true")
    p.add_argument("--out", default="", help="also write the JSON record to this file")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    levels = args.levels.split(",")
    result = {"levels": levels, "rounds": args.rounds, "steps": args.steps, "hidden": {},
              "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    result["kernel"] = {}
    for h in (int(x) for x in args.kernel.split(",") if x):
        print(f"H = {h}: kernel", file=sys.stderr, flush=True)
        result["kernel"][str(h)] = kernel(h, args.rounds)
    BEFORE[0] = args.before
    result["before"] = args.before
    if args.parts:
        print("parts", file=sys.stderr, flush=True)
        result["parts"] = parts(64, args.rounds)
    for h in (() if args.skip_models else (int(x) for x in args.hidden.split(","))):
        print(f"H = {h}: training", file=sys.stderr, flush=True)
        part = {"training": training(h, levels, args.rounds, args.steps)}
        print(f"H = {h}: evaluation", file=sys.stderr, flush=True)
        part["evaluation"] = evaluation(h, args.rounds)
        part["gemm_gflops"] = gemm_rate(h)
        result["hidden"][str(h)] = part
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(json.dumps(result, indent=1) + "\n")
    sys.stdout.write(markdown(result) if args.markdown else json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
