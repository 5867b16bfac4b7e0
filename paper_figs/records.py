"""Where the figures' inputs live and how they are read (docs/design.md §12).

Inputs are committed run records under ``docs/``: training runs in the list-of-runs format that
``bilinear train --out DIR`` writes (``DIR/results.json``), ``bilinear recover`` records, the
``bilinear bench --json`` record, and the records of the figures' own computations
(``docs/figures/data/``).  A missing or malformed record is an :class:`InputError` naming the file.

    >>> is_training_run({"task": "parity", "model": "full", "seed": 0, "chance": 0.5, "accuracy": {"2": 1.0}})
    True
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from bilinear.theory.errors import InputError, expected, shown, type_of
from bilinear.theory.files import write_text_atomically

__all__ = ["ROOT", "DOCS", "FIGURES_DIR", "DATA_DIR", "PAPER_TABLES", "TRAINING", "TRAINING_DEFAULT_FILE",
           "RECOVERY", "BENCH_RECORD", "default_training_source", "read_json", "write_json", "is_training_run",
           "training_runs", "recovery_records", "RECOVERY_HIDDEN", "recovery_label"]

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
#: The gallery: every figure's PDF and PNG, and its README.
FIGURES_DIR = DOCS / "figures"
#: Records of the figures' own computations (minimal sizes, exactness horizons).
DATA_DIR = FIGURES_DIR / "data"
#: The paper-table training records (when present, the default of the accuracy figure).
PAPER_TABLES = DOCS / "results_paper_tables"
#: The training records of docs/results_training.md.
TRAINING = DOCS / "results_training"
#: Within those, the claims sweep at the quick preset (10 000 steps, seeds 0-2): one protocol.
TRAINING_DEFAULT_FILE = TRAINING / "claims_quick_10k.json"
RECOVERY = DOCS / "results_recovery"
#: The hidden size of most recovery runs; the label of a run at another size names its H.
RECOVERY_HIDDEN = 64
#: ``bilinear bench --json`` (see docs/results_speed.md).
BENCH_RECORD = DOCS / "results_speed" / "bench.json"

_RUN_KEYS = ("task", "model", "seed", "chance", "accuracy")


def read_json(path: str | os.PathLike):
    """The JSON in ``path``; a missing file or invalid JSON is one :class:`InputError` naming it."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise expected(f"record {path}", "a readable JSON file", shown(str(e.strerror or e))) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise expected(f"record {path}", "JSON", shown(f"an error at line {e.lineno}: {e.msg}")) from None


def record_or_fresh(quick: bool, source, default, fresh, label: str) -> tuple:
    """The record a figure draws from and the list naming it: ``fresh()`` (labelled ``label``) when
    ``quick``, else the JSON record at ``source`` (default ``default``)."""
    if quick:
        return fresh(), [label]
    path = source or default
    return read_json(path), [str(path)]


def write_json(path: str | os.PathLike, obj) -> None:
    """Write ``obj`` as indented JSON (atomically, missing folders created)."""
    write_text_atomically(path, json.dumps(obj, indent=1, sort_keys=False) + "\n")


def is_training_run(r) -> bool:
    """Does ``r`` look like one run of ``results.json`` (task, model, seed, chance, accuracy per length)?"""
    return isinstance(r, dict) and all(k in r for k in _RUN_KEYS) and isinstance(r["accuracy"], dict)


def default_training_source() -> Path:
    """The paper-table records when that folder holds any, else the claims sweep of the training page."""
    if PAPER_TABLES.is_dir() and any(PAPER_TABLES.rglob("*.json")):
        return PAPER_TABLES
    return TRAINING_DEFAULT_FILE


def _run_files(source: Path) -> list[Path]:
    if source.is_dir():
        return sorted(p for p in source.rglob("*.json") if p.is_file())
    if source.is_file():
        return [source]
    raise expected("training records", "a results.json file or a folder of them", str(source))


def training_runs(source: str | os.PathLike | None = None) -> tuple[list[dict], list[str]]:
    """``(runs, files)``: every training run in ``source`` — a ``results.json``-style file (a JSON list
    of runs) or a folder searched recursively for such files.  In a folder, JSON files that are not
    lists of runs (other records) are passed over; a file named directly must be one."""
    source = Path(source) if source is not None else default_training_source()
    runs, used = [], []
    for path in _run_files(source):
        data = read_json(path)
        ok = isinstance(data, list) and data and all(is_training_run(r) for r in data)
        if not ok:
            if source.is_file():
                raise expected(f"record {path}", "a non-empty list of training runs (the results.json format "
                                              "of bilinear train --out)", _what_it_holds(data))
            continue
        for r in data:
            runs.append({**r, "_file": str(path)})
        used.append(str(path))
    if not runs:
        raise expected("training records", "at least one run", shown(f"none in {str(source)!r}"))
    return runs, used


def _what_it_holds(data) -> object:
    """What a file that is not a list of training runs holds, for the error."""
    if not isinstance(data, list):
        return type_of(data)
    if not data:
        return shown("an empty list")
    bad = next(i for i, r in enumerate(data) if not is_training_run(r))
    missing = sorted(set(_RUN_KEYS) - set(r)) if isinstance(r := data[bad], dict) else None
    return shown(f"a list whose item {bad} is " + (f"missing {', '.join(missing)}" if missing else
                                                    "not a run record" if missing is None else
                                                    "a run with a non-object accuracy"))


def recovery_records(source: str | os.PathLike | None = None) -> list[dict]:
    """The ``bilinear recover`` run records (``{"run", "training", "recovery", ...}``) in a folder, by name."""
    folder = Path(source) if source is not None else RECOVERY
    if not folder.is_dir():
        raise expected("recovery records", "a folder of recovery records", str(folder))
    out = []
    for path in sorted(folder.glob("*.json")):
        rec = read_json(path)
        if not (isinstance(rec, dict) and isinstance(rec.get("recovery"), dict)):
            raise InputError(f"record {path}: expected a recovery record with a 'recovery' object")
        out.append({**rec, "_file": str(path)})
    if not out:
        raise expected("recovery records", "at least one record", shown(f"none in {str(folder)!r}"))
    return out


def recovery_label(rec: dict) -> str:
    """``LEVEL s<seed>`` of a ``bilinear recover`` record, with ``H<hidden>`` when the hidden size is
    not :data:`RECOVERY_HIDDEN`, so that runs of one seed at several sizes stay apart.

    >>> recovery_label({"training": {"model": "cdiag", "seed": 0, "hidden": 8}})
    'CDIAG H8 s0'
    """
    t = rec["training"]
    h = t.get("hidden")
    size = "" if h in (None, RECOVERY_HIDDEN) else f" H{h}"
    return f"{t['model'].upper()}{size} s{t['seed']}"
