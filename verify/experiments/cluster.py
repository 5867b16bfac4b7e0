"""Sweeps on a cluster through submitit (docs/design.md §9): one job per run, the same records.

:class:`SubmititLauncher` is what :func:`bilinear.verify.experiments.train.run_sweep` uses instead of its local process
pool when given one (``bilinear train --launcher submitit``).  Each run of the sweep becomes one
submitit job that calls the same worker as the local path — ``run_experiment`` with one torch
thread — so a run's record is the same function of its spec and seed whichever way it ran (apart
from timings and ``device``/``versions`` if the cluster's nodes differ).  The submitting process
keeps at most ``jobs`` jobs queued or running, collects each record as its job finishes, and
calls the sweep's ``on_result`` (``results.json`` is rewritten after every run, as locally).

Resumption is the local path's: every job trains with the sweep's checkpoint directory, which
must be on a file system the nodes share; a run whose checkpoint is finished is loaded, not
trained, and a job that was killed (timeout, pre-emption) resumes from its last checkpoint when
the same command is run again.

The executor is submitit's ``AutoExecutor``: ``"auto"`` picks SLURM when ``srun`` is on the PATH
and submitit's local executor (each job a subprocess of this machine) otherwise; ``"slurm"`` and
``"local"`` force one.  (submitit's debug executor is not offered: it opens a debugger on a failed
job.)  ``folder`` holds
submitit's job scripts, pickled calls, results and each job's standard output and error (the
run's progress lines).  submitit is an optional extra: ``pip install 'bilinear-states[cluster]'``.

>>> SubmititLauncher("runs/a/submitit", partition="cpu", timeout_min=120).parameters()
{'timeout_min': 120, 'cpus_per_task': 1, 'name': 'bilinear-train', 'slurm_partition': 'cpu'}
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterator

from bilinear.theory.errors import InputError, expected

if TYPE_CHECKING:           # an optional extra (in dev): imported for the annotation only
    from submitit import Job

__all__ = ["EXECUTORS", "SubmititLauncher", "import_submitit"]

#: The executors :class:`SubmititLauncher` accepts (``auto``: SLURM if ``srun`` is found, else local).
EXECUTORS = ("auto", "slurm", "local")

INSTALL_HINT = "install the cluster extra: pip install 'bilinear-states[cluster]'"


def import_submitit():
    """The ``submitit`` module, or :class:`InputError` saying how to install it."""
    try:
        import submitit
    except ImportError:
        raise InputError(f"--launcher: submitit is not installed ({INSTALL_HINT})") from None
    return submitit


@dataclass(frozen=True)
class SubmititLauncher:
    """Where and how to submit: ``folder`` (submitit's files and the jobs' logs), ``executor``
    (one of :data:`EXECUTORS`), the SLURM ``partition`` (None: the cluster's default),
    ``timeout_min`` per job (a job past it is killed; the run resumes from its checkpoint when the
    sweep is run again) and ``poll_seconds`` between checks of the running jobs."""

    folder: str
    executor: str = "auto"
    partition: str | None = None
    timeout_min: int = 24 * 60
    poll_seconds: float = 2.0

    def __post_init__(self):
        if not isinstance(self.folder, (str, os.PathLike)) or not str(self.folder):
            raise expected("--cluster-dir", "a folder", self.folder)
        if self.executor not in EXECUTORS:
            raise expected("executor", f"one of {', '.join(EXECUTORS)}", self.executor)
        if self.partition is not None and (not isinstance(self.partition, str) or not self.partition.strip()):
            raise expected("--slurm-partition", "a partition name", self.partition)
        if isinstance(self.timeout_min, bool) or not isinstance(self.timeout_min, int) or self.timeout_min < 1:
            raise expected("--cluster-timeout", "minutes, an integer >= 1", self.timeout_min)
        if not (isinstance(self.poll_seconds, (int, float)) and self.poll_seconds > 0):
            raise expected("poll_seconds", "a positive number", self.poll_seconds)

    def parameters(self) -> dict:
        """The parameters given to ``AutoExecutor.update_parameters``: one CPU per job (one torch
        thread), the timeout, a job name, and the partition when one is set."""
        params = {"timeout_min": self.timeout_min, "cpus_per_task": 1, "name": "bilinear-train"}
        if self.partition:
            params["slurm_partition"] = self.partition
        return params

    def make_executor(self):
        """submitit's ``AutoExecutor`` for :attr:`folder`, with :meth:`parameters`."""
        submitit = import_submitit()
        executor = submitit.AutoExecutor(folder=str(self.folder), cluster=None if self.executor == "auto" else self.executor)
        executor.update_parameters(**self.parameters())
        return executor

    def map(self, worker: Callable, work: list, jobs: int, progress=None) -> Iterator:
        """Run ``worker(item)`` for every item of ``work`` as one job each, at most ``jobs`` at a
        time; yield the results as the jobs finish.  A failed job stops the sweep with its log's
        path (the jobs still running are cancelled); so does an interruption."""
        executor = self.make_executor()
        if progress:
            progress(f"== submitit: {len(work)} jobs on the {executor.cluster} executor, at most {jobs} at a time; "
                     f"job files and logs in {self.folder}")
        pending = list(range(len(work)))
        running: dict[int, Job[Any]] = {}
        try:
            while pending or running:
                while pending and len(running) < jobs:
                    k = pending.pop(0)
                    running[k] = executor.submit(worker, work[k])
                finished = [k for k, job in running.items() if job.done()]
                for k in finished:
                    job = running.pop(k)
                    try:
                        result = job.result()
                    except Exception as e:   # noqa: BLE001 - submitit raises its own and the job's errors
                        raise RuntimeError(f"job {job.job_id} (sweep item {k}) failed; its log: "
                                           f"{job.paths.stderr}: {_last_line(e)}") from e
                    yield result
                if running and not finished:
                    time.sleep(self.poll_seconds)
        finally:
            for job in running.values():
                if not job.done():
                    job.cancel(check=False)


def _last_line(e: BaseException) -> str:
    """The job's own error line: the last line of the trace submitit puts between dashed lines
    (else the message's last line)."""
    text = str(e)
    parts = re.split(r"^-{10,}$", text, flags=re.MULTILINE)
    body = parts[1] if len(parts) >= 3 else text
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    return lines[-1] if lines else type(e).__name__
