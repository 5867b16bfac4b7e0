"""Shared checks of the figure tests: the written files and small records."""

from __future__ import annotations

import json
from pathlib import Path


def assert_written(result: dict, out: Path, name: str) -> None:
    """``build`` wrote exactly ``name.pdf`` and ``name.png`` into ``out``, both non-empty and of their format."""
    files = sorted(Path(f).name for f in result["files"])
    assert files == [f"{name}.pdf", f"{name}.png"]
    pdf, png = (out / f"{name}.pdf").read_bytes(), (out / f"{name}.png").read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    assert png.startswith(b"\x89PNG") and len(png) > 1000
    assert not [p for p in out.iterdir() if p.name.startswith(".tmp-")]


def write_runs(path: Path, runs: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(runs))
    return path


def run(task, model, seed, accuracy: dict, chance, options=None, variant="", hidden=8):
    """One training run in the results.json format (the fields the figures read, plus one more)."""
    return {"task": task, "task_options": options or {}, "model": model, "variant": variant, "hidden": hidden,
            "seed": seed, "chance": chance, "accuracy": {str(k): v for k, v in accuracy.items()},
            "lr": 0.01}
