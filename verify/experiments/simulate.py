"""Batched torch simulation of a construction's weight file against its reference object.

``Simulator`` runs ``h_t = A_{x_t} h_{t-1}`` for a batch of words on the CPU (CUDA when available),
decodes ``labels[argmax(R h_t)]`` at every step and compares with the reference machine rebuilt from
the file (the group's prefix products, or the automaton's outputs).  Transition matrices with one
non-zero per row (permutation, one-hot and diagonal constructions) run as a gather,
``h'_i = a_i h_{src(i)}`` (``O(BH)`` per step); others as a batched matrix product.

:func:`exactness_horizon` measures, for a float dtype, the first length at which decoding fails on
random words (searched up to ``max_length``); exact constructions have no failure in exact
arithmetic, so this measures float error alone.  :func:`decoding_errors` gives, on the same words,
the fraction decoded wrongly after every step (the horizon figure's curves).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch

from bilinear.constructions.certificate import reference_machine
from bilinear.constructions.weightfile import WeightFile, load_weights
from bilinear.theory.errors import expected, shown
from bilinear.theory.resources import check_memory
from bilinear.verify.tasks.base import check_task_size

from bilinear.verify.device import default_device, threads

__all__ = ["Simulator", "decoding_errors", "default_device", "exactness_horizon", "random_words", "simulate_accuracy",
           "check_simulation_size", "SIMULATE_BYTES_PER_TOKEN", "PROGRESS_STEPS"]


#: Bytes per token :func:`simulate_accuracy` holds: the words, the decoded and the reference labels
#: (int64 each), the reference states and the comparisons.
SIMULATE_BYTES_PER_TOKEN = 48
#: Long words report progress every this many steps.
PROGRESS_STEPS = 2 ** 16


def _few_threads(hidden: int):
    """Small per-step kernels run fastest on one CPU thread (extra threads only contend, badly so on a
    loaded machine); the previous setting is restored afterwards."""
    return threads(1 if hidden <= 512 else None)


@dataclass(frozen=True, eq=False)
class Simulator:
    """A weight file ready to run in torch (``dtype`` float32 or float64)."""

    wf: WeightFile
    dtype: torch.dtype = torch.float64
    device: torch.device | None = None
    normalize: bool = True
    # derived from ``wf`` in __post_init__: ``src``/``scale`` (gather) when ``monomial``, else ``A``
    monomial: bool = field(init=False, repr=False)
    src: torch.Tensor = field(init=False, repr=False)
    scale: torch.Tensor = field(init=False, repr=False)
    A: torch.Tensor = field(init=False, repr=False)
    h0: torch.Tensor = field(init=False, repr=False)
    R: torch.Tensor = field(init=False, repr=False)

    def __post_init__(self):
        if self.dtype not in (torch.float32, torch.float64):
            raise expected("dtype", "torch.float32 or torch.float64", shown(str(self.dtype)))
        dev = self.device or default_device()
        object.__setattr__(self, "device", dev)
        index, value, (H, _, D) = self.wf.sparse_W()
        rows_per = np.zeros((D, H), dtype=np.int64)
        np.add.at(rows_per, (index[:, 2], index[:, 0]), 1)
        monomial = bool(np.all(rows_per <= 1))
        object.__setattr__(self, "monomial", monomial)
        if monomial:
            src = np.tile(np.arange(H), (D, 1))
            scale = np.zeros((D, H))
            src[index[:, 2], index[:, 0]] = index[:, 1]
            scale[index[:, 2], index[:, 0]] = value
            object.__setattr__(self, "src", torch.as_tensor(src, device=dev))
            object.__setattr__(self, "scale", torch.as_tensor(scale, dtype=self.dtype, device=dev))
        else:
            A = self.wf.transitions()
            object.__setattr__(self, "A", torch.as_tensor(A, dtype=self.dtype, device=dev))
        object.__setattr__(self, "h0", torch.as_tensor(self.wf.h0, dtype=self.dtype, device=dev))
        object.__setattr__(self, "R", torch.as_tensor(self.wf.readout, dtype=self.dtype, device=dev))

    def step(self, h: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """One step for a batch: ``h`` (B, H), ``x`` (B,) symbol ids."""
        if self.monomial:
            h = self.scale[x] * torch.gather(h, 1, self.src[x])
        else:
            h = torch.bmm(self.A[x], h.unsqueeze(-1)).squeeze(-1)
        if self.normalize:
            h = h / torch.linalg.vector_norm(h, dim=1, keepdim=True)
        return h

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        return torch.argmax(h @ self.R.T, dim=1)

    def step_bytes(self, batch: int) -> int:
        """The memory one step of a batch of ``batch`` words takes: the gathered transitions
        ``A[x]`` (``batch x H x H``) of a non-monomial construction, else ``O(batch x H)``."""
        H = int(self.h0.shape[0])
        return batch * H * (1 if self.monomial else H) * 4 * self.h0.element_size()

    def run(self, tokens, progress=None) -> np.ndarray:
        """Decoded label indices after each token, ``(B, T)``; ``progress(t, T)`` every
        :data:`PROGRESS_STEPS` steps (long words)."""
        x = torch.as_tensor(np.asarray(tokens, dtype=np.int64), device=self.device)
        B, T = x.shape
        check_memory(self.step_bytes(B), f"a simulation step of {B} words at hidden size {self.h0.shape[0]}")
        h = self.h0.expand(B, -1).clone()
        out = torch.empty((B, T), dtype=torch.long, device=self.device)
        with torch.no_grad(), _few_threads(self.h0.shape[0]):
            for t in range(T):
                h = self.step(h, x[:, t])
                out[:, t] = self.decode(h)
                if progress is not None and (t + 1) % PROGRESS_STEPS == 0:
                    progress(t + 1, T)
        return out.cpu().numpy()


def _reference_labels(wf: WeightFile, ref, tokens: np.ndarray) -> np.ndarray:
    pos = {s: i for i, s in enumerate(wf.labels)}
    out_idx = np.array([pos.get(y, -1) for y in ref.outputs], dtype=np.int64)
    return out_idx[ref.run(tokens)]


def check_simulation_size(n: int, length: int, max_tokens: int | None = None) -> None:
    """Refuse ``n`` words of ``length`` above ``max_tokens`` (:func:`bilinear.verify.tasks.check_task_size`)
    or above the memory limit (:data:`SIMULATE_BYTES_PER_TOKEN`), before anything is read or drawn."""
    check_task_size(n, length, max_tokens, what="--n x --length")
    check_memory(SIMULATE_BYTES_PER_TOKEN * n * length, f"simulating {n} words of length {length}")


def random_words(num_symbols: int, n: int, length: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, num_symbols, size=(n, length))


def simulate_accuracy(wf: WeightFile | str, n: int = 1000, length: int = 1000, seed: int = 0,
                      dtype: torch.dtype = torch.float64, normalize: bool = True, tokens=None,
                      max_tokens: int | None = None, progress=None) -> dict:
    """Per-token and final-label accuracy of the construction against its reference on random words.
    ``n x length`` above ``max_tokens`` (:func:`bilinear.verify.tasks.check_task_size`) or above the
    memory limit (:data:`SIMULATE_BYTES_PER_TOKEN`) is refused before the file is read;
    ``progress(t, length)`` is called every :data:`PROGRESS_STEPS` steps."""
    if tokens is None:
        check_simulation_size(n, length, max_tokens)
    wf = load_weights(wf) if not isinstance(wf, WeightFile) else wf
    ref = reference_machine(wf)
    tokens = random_words(wf.shape[2], n, length, seed) if tokens is None else np.asarray(tokens)
    sim = Simulator(wf, dtype=dtype, normalize=normalize)
    pred = sim.run(tokens, progress)
    target = _reference_labels(wf, ref, tokens)
    return {"per_token": float(np.mean(pred == target)), "final": float(np.mean(pred[:, -1] == target[:, -1])),
            "n": int(tokens.shape[0]), "length": int(tokens.shape[1]), "dtype": str(dtype).replace("torch.", "")}


def _wrong_per_step(wf: WeightFile, dtype: torch.dtype, max_length: int, batch: int, seed: int, normalize: bool,
                    progress=None):
    """Yield, after each step ``t = 1, 2, ...`` up to ``max_length``, the boolean tensor (batch,) of the
    random words decoded wrongly there.  Words are drawn in chunks of 2^16 steps from a torch generator
    seeded with ``seed``, so memory stays ``O(batch x chunk)``; ``progress(done)`` after each chunk."""
    ref = reference_machine(wf)
    sim = Simulator(wf, dtype=dtype, normalize=normalize)
    pos = {s: i for i, s in enumerate(wf.labels)}
    out_idx = torch.as_tensor([pos.get(y, -1) for y in ref.outputs], device=sim.device)
    delta = torch.as_tensor(np.array(ref.delta), device=sim.device)
    rng = torch.Generator(device="cpu").manual_seed(seed)
    D = wf.shape[2]
    h = sim.h0.expand(batch, -1).clone()
    q = torch.full((batch,), ref.start, dtype=torch.long, device=sim.device)
    chunk, done = 2 ** 16, 0
    with torch.no_grad(), _few_threads(sim.h0.shape[0]):
        while done < max_length:
            steps = min(chunk, max_length - done)
            x = torch.randint(0, D, (batch, steps), generator=rng).to(sim.device)
            for t in range(steps):
                h = sim.step(h, x[:, t])
                q = delta[q, x[:, t]]
                yield sim.decode(h) != out_idx[q]
            done += steps
            if progress is not None:
                progress(done)


def exactness_horizon(wf: WeightFile | str, dtype: torch.dtype = torch.float32, max_length: int = 10 ** 6,
                      batch: int = 64, seed: int = 0, normalize: bool = True, progress=None, start: int = 1) -> dict:
    """First length at which decoding fails on ``batch`` random words (``None`` if none fails up to
    ``max_length``).  Words are generated and checked in chunks, so memory stays ``O(batch x chunk)``.
    With ``start`` > 1 the lengths before it are not checked (a model's transient, e.g. the burn-in
    of representation recovery)."""
    wf = load_weights(wf) if not isinstance(wf, WeightFile) else wf
    t0 = time.perf_counter()
    for t, wrong in enumerate(_wrong_per_step(wf, dtype, max_length, batch, seed, normalize, progress), start=1):
        if t >= start and bool(wrong.any()):
            return {"horizon": t, "searched": max_length, "dtype": str(dtype).replace("torch.", ""),
                    "seconds": time.perf_counter() - t0}
    return {"horizon": None, "searched": max_length, "dtype": str(dtype).replace("torch.", ""),
            "seconds": time.perf_counter() - t0}


def decoding_errors(wf: WeightFile | str, dtype: torch.dtype = torch.float32, length: int = 10 ** 4,
                    batch: int = 64, seed: int = 0, normalize: bool = True, progress=None) -> np.ndarray:
    """The fraction of ``batch`` random words decoded wrongly after each step, shape ``(length,)``.
    The words are those of :func:`exactness_horizon` with the same ``seed`` and ``batch``, so the first
    non-zero entry is at index ``horizon - 1``."""
    wf = load_weights(wf) if not isinstance(wf, WeightFile) else wf
    out = np.empty(length)
    for t, wrong in enumerate(_wrong_per_step(wf, dtype, length, batch, seed, normalize, progress)):
        out[t] = float(wrong.double().mean())
    return out
