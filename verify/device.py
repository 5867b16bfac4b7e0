"""Devices, threads, seeds and determinism for the torch side of verify/ (its only device helper).

CUDA when available, else CPU (docs/design.md §9).  One CPU thread per process unless asked
(:data:`DEFAULT_THREADS`): the per-step kernels of these models are small, and extra threads only
contend — measured on a 2-core machine under load, 2 threads took 21x longer than 1.  On CPU, the same seed gives the same numbers: every
source of randomness of a training run (parameter initialisation, data) is derived from the run's
seed by :func:`seed_everything` and :func:`derived_seed`; nothing reads the global numpy state.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
import torch

from bilinear.theory.errors import check_int, expected, shown

__all__ = ["default_device", "resolve_device", "seed_everything", "derived_seed", "set_threads",
           "threads", "DEFAULT_THREADS"]

#: torch CPU threads per process unless asked otherwise (see the module docstring for why).
DEFAULT_THREADS = 1


def default_device() -> torch.device:
    """``cuda`` when a GPU is available, else ``cpu``."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def resolve_device(name: str | None) -> torch.device:
    """``None``/``"auto"`` -> :func:`default_device`; ``"cpu"``; ``"cuda"`` (an error if absent)."""
    if name in (None, "auto"):
        return default_device()
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda" or str(name).startswith("cuda:"):
        if not torch.cuda.is_available():
            raise expected("--device", "a device torch can use", shown("'cuda' but torch sees no GPU"))
        return torch.device(name)
    raise expected("--device", "auto, cpu or cuda", name)


def seed_everything(seed: int) -> torch.Generator:
    """Seed torch (CPU and CUDA) with ``seed`` and return a CPU generator seeded the same way."""
    torch.manual_seed(int(seed))
    if torch.cuda.is_available():  # pragma: no cover - no GPU here
        torch.cuda.manual_seed_all(int(seed))
    g = torch.Generator()
    g.manual_seed(int(seed))
    return g


def derived_seed(*parts: int) -> int:
    """A 63-bit seed that is a fixed function of the integers ``parts`` (e.g. run seed, step, purpose),
    so data of step ``s`` can be regenerated after a resume without saved RNG state."""
    ss = np.random.SeedSequence([int(p) for p in parts])
    return int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def set_threads(n: int | None = DEFAULT_THREADS) -> None:
    """Set torch's intra-op CPU threads (default :data:`DEFAULT_THREADS`; ``None`` leaves torch's own
    default, one per core)."""
    if n is not None:
        torch.set_num_threads(check_int("--threads", n, minimum=1))


@contextlib.contextmanager
def threads(n: int | None = DEFAULT_THREADS) -> Iterator[None]:
    """Run a block with ``n`` torch CPU threads (``None``: unchanged); the previous setting is restored."""
    old = torch.get_num_threads()
    set_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)
