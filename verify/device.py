"""Devices, seeds and determinism for the torch side of verify/.

CUDA when available, else CPU (docs/design.md §9).  On CPU, the same seed gives the same numbers: every
source of randomness of a training run (parameter initialisation, data) is derived from the run's
seed by :func:`seed_everything` and :func:`derived_seed`; nothing reads the global numpy state.
"""

from __future__ import annotations

import numpy as np
import torch

from theory.errors import InputError

__all__ = ["default_device", "resolve_device", "seed_everything", "derived_seed", "set_threads"]


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
            raise InputError("device: cuda requested but torch sees no GPU")
        return torch.device(name)
    raise InputError(f"device: expected auto, cpu or cuda, got {name!r}")


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


def set_threads(n: int | None) -> None:
    """Limit torch's intra-op threads (``None`` leaves torch's default)."""
    if n is not None:
        if n < 1:
            raise InputError(f"threads: expected an integer >= 1, got {n}")
        torch.set_num_threads(int(n))
