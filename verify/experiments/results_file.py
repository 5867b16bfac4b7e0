"""``DIR/results.json`` and ``DIR/results.md``: the records of ``bilinear train --out DIR``, merged per run
(docs/design.md §9, §11).

A folder collects runs: a second ``bilinear train --out DIR`` — after the first or at the same time —
adds its runs beside the ones already there, and a run with the same **identity** (task and its
options, model configuration, seed, training configuration, the learning rates searched and the
evaluation configuration: :func:`run_identity`) replaces the older record of that run in place.
Each write happens under an exclusive lock on ``DIR/.results.lock`` (read, merge, write both files
atomically), so concurrent runs into one folder keep every run.

    >>> import tempfile
    >>> a = {"task": "parity", "task_options": {}, "model": "rdiag", "hidden": 2, "seed": 0, "lr": 0.01, "chance": 0.5,
    ...      "accuracy": {"10": 0.5}, "accuracy_per_token": {"10": 0.5}}
    >>> b = dict(a, seed=1)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = write_results(d, [a])
    ...     _ = write_results(d, [b, dict(a, accuracy={"10": 1.0})])     # a again: replaced in place
    ...     [(r["seed"], r["accuracy"]["10"]) for r in read_results(d)]
    [(0, 1.0), (1, 0.5)]
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator

from bilinear.theory.errors import expected, shown, type_of
from bilinear.theory.files import write_text_atomically

from bilinear.verify.experiments.evaluate import markdown_table

__all__ = ["RESULTS_JSON", "RESULTS_MD", "run_identity", "read_results", "merge_runs",
           "write_results"]

RESULTS_JSON, RESULTS_MD, _LOCK = "results.json", "results.md", ".results.lock"

#: the fields of a record that say which run it is (absent fields count as absent)
IDENTITY_FIELDS = ("task", "task_options", "model", "hidden", "variant", "model_config", "seed", "train_config",
                   "eval_config")


def run_identity(record: dict) -> str:
    """The identity of the run ``record`` describes, as canonical JSON: :data:`IDENTITY_FIELDS` and
    the learning rates searched (``lr_search``; a record without one: its ``lr``).  Two records with
    one identity are the same experiment; the later replaces the earlier."""
    if not isinstance(record, dict):
        raise expected("record", "a run record (a JSON object)", type_of(record))
    key = {f: record[f] for f in IDENTITY_FIELDS if f in record}
    search = record.get("lr_search")
    key["lrs"] = [s.get("lr") for s in search] if isinstance(search, list) else record.get("lr")
    return json.dumps(key, sort_keys=True, default=str)


def _path(out_dir: str) -> str:
    return os.path.join(out_dir, RESULTS_JSON)


def read_results(out_dir: str) -> list[dict]:
    """The runs recorded in ``out_dir/results.json`` (``[]`` when there is none); a file that is
    not a list of run records is an :class:`~bilinear.theory.errors.InputError` naming it."""
    path = _path(out_dir)
    if not os.path.exists(path):
        return []
    try:
        with open(path, encoding="utf-8") as f:
            runs = json.load(f)
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise expected("--out", f"a folder whose {RESULTS_JSON} holds earlier runs",
                       shown(f"{path}, which cannot be read as JSON ({' '.join(str(e).split())})")) from None
    if not isinstance(runs, list) or not all(isinstance(r, dict) and "task" in r and "model" in r for r in runs):
        raise expected("--out", f"a folder whose {RESULTS_JSON} holds earlier runs (a list of run records)",
                       shown(f"{path}, which holds something else (choose another --out or move the file)"))
    return runs


def merge_runs(old: list[dict], new: list[dict]) -> list[dict]:
    """``old`` with each run of ``new`` replacing the record of the same identity in place, or
    appended (in the order of ``new``) when it is a new run."""
    merged = list(old)
    where = {run_identity(r): i for i, r in enumerate(merged)}
    for r in new:
        key = run_identity(r)
        if key in where:
            merged[where[key]] = r
        else:
            where[key] = len(merged)
            merged.append(r)
    return merged


@contextlib.contextmanager
def _locked(out_dir: str) -> Iterator[None]:
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, _LOCK), "a") as lock:
        try:
            import fcntl
        except ImportError:                    # no advisory locks on this system: writes are still atomic
            yield
            return
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def write_results(out_dir: str, runs: list[dict]) -> tuple[str, str]:
    """Merge ``runs`` into ``out_dir/results.json`` (:func:`merge_runs`, under the folder's lock) and
    rewrite ``out_dir/results.md`` (the tables of every run in the folder), each atomically; returns
    both paths."""
    jpath, mpath = _path(out_dir), os.path.join(out_dir, RESULTS_MD)
    with _locked(out_dir):
        merged = merge_runs(read_results(out_dir), runs)
        write_text_atomically(jpath, json.dumps(merged, indent=1, sort_keys=True) + "\n")
        md = ("# Length generalisation\n\n## Final-label accuracy\n\n" + markdown_table(merged)
              + "\n## Per-token accuracy\n\n" + markdown_table(merged, "accuracy_per_token"))
        write_text_atomically(mpath, md)
    return jpath, mpath
