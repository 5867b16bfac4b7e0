"""Sweeps through submitit (verify/experiments/cluster.py): the records of the local path, and its resumption.

Run through submitit's local executor (each job a subprocess, as on a cluster node).  submitit is
in the ``dev`` extra, so CI runs these; the two that start jobs are slow (a fresh interpreter per
job imports torch: 35 s for the first under a load of 9 on 2 cores).
"""

import os

import pytest
import torch

from bilinear.cli import main
from bilinear.theory import InputError
from bilinear.verify.experiments import train as train_mod
from bilinear.verify.experiments.cluster import SubmititLauncher
from bilinear.verify.experiments.evaluate import EvalConfig
from bilinear.verify.models.registry import ModelConfig
from bilinear.verify.experiments.train import RunSpec, TrainConfig, checkpoint_path, load_checkpoint

submitit = pytest.importorskip("submitit")

TINY = TrainConfig(steps=12, batch_size=8, val_every=6, val_n=4, warmup=2)
EV = EvalConfig(lengths=(3, 20), n=16)
SPECS = [RunSpec("parity", {}, ModelConfig("rdiag", hidden=4), 0),
         RunSpec("modadd", {"m": 3}, ModelConfig("full", hidden=4), 1)]
TIMINGS = ("cpu_seconds", "eval_cpu_seconds")


def without_timings(records):
    return [{**{k: v for k, v in r.items() if k not in TIMINGS},
             "lr_search": [{k: v for k, v in o.items() if k not in ("seconds",) + TIMINGS} for o in r["lr_search"]]}
            for r in records]


@pytest.mark.slow
def test_submitit_local_sweep_equals_the_sequential_one_and_resumes(tmp_path):
    """A half-finished sweep (run 0 done, sequentially) finished through submitit's local
    executor: the records equal the sequential sweep's, run 0's finished checkpoint is loaded and
    not trained again (its file is untouched), run 1 is trained in its job."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        seq = train_mod.run_sweep(SPECS, TINY, [1e-2], EV, progress=None)
        ckpt = str(tmp_path / "checkpoints")
        train_mod.run_sweep(SPECS[:1], TINY, [1e-2], EV, checkpoint_dir=ckpt, progress=None)
    finally:
        torch.set_num_threads(threads)
    first = checkpoint_path(ckpt, SPECS[0], TINY, 1e-2)
    before = (open(first, "rb").read(), os.stat(first).st_mtime_ns)
    launcher = SubmititLauncher(str(tmp_path / "submitit"), executor="local", poll_seconds=0.2)
    seen, messages = [], []
    out = train_mod.run_sweep(SPECS, TINY, [1e-2], EV, checkpoint_dir=ckpt, progress=messages.append,
                              on_result=lambda rs: seen.append(len(rs)), jobs=2, launcher=launcher)
    assert without_timings(out) == without_timings(seq)
    assert seen == [1, 2] and any("local executor" in m for m in messages)
    assert (open(first, "rb").read(), os.stat(first).st_mtime_ns) == before
    assert load_checkpoint(checkpoint_path(ckpt, SPECS[1], TINY, 1e-2))["finished"]
    logs = [p for p in (tmp_path / "submitit").iterdir() if p.name.endswith("_log.err")]
    assert len(logs) == 2 and any("chosen by validation" in p.read_text() for p in logs)


@pytest.mark.slow
def test_a_failed_job_stops_the_sweep_with_its_log(tmp_path):
    """A job whose run raises (here: a checkpoint of another configuration in its place) ends the
    sweep with the job's log path, not with a record."""
    ckpt = tmp_path / "checkpoints"
    ckpt.mkdir()
    path = checkpoint_path(str(ckpt), SPECS[0], TINY, 1e-2)
    other = RunSpec("parity", {}, ModelConfig("rdiag", hidden=4), 5)
    train_mod.train_model(other, TINY, 1e-2, checkpoint_dir=str(ckpt), progress=None)
    os.replace(checkpoint_path(str(ckpt), other, TINY, 1e-2), path)
    launcher = SubmititLauncher(str(tmp_path / "submitit"), executor="local", poll_seconds=0.2)
    with pytest.raises(RuntimeError, match="failed; its log: .*different configuration"):
        train_mod.run_sweep(SPECS[:1], TINY, [1e-2], EV, checkpoint_dir=str(ckpt), progress=None, launcher=launcher)


def test_launcher_arguments():
    assert SubmititLauncher("d").parameters() == {"timeout_min": 1440, "cpus_per_task": 1, "name": "bilinear-train"}
    for bad, match in (({"executor": "debug"}, "executor"), ({"partition": " "}, "--slurm-partition"),
                       ({"timeout_min": 0}, "--cluster-timeout"), ({"timeout_min": 1.5}, "--cluster-timeout")):
        with pytest.raises(InputError, match=match):
            SubmititLauncher("d", **bad)


def test_cli_builds_the_launcher_from_its_flags(tmp_path, monkeypatch):
    seen = {}

    def fake_sweep(*args, launcher=None, jobs=1, **kwargs):
        seen.update(launcher=launcher, jobs=jobs)
        return []

    monkeypatch.setattr(train_mod, "run_sweep", fake_sweep)
    out = tmp_path / "o"
    assert main(["train", "--task", "parity", "--steps", "2", "--out", str(out), "--launcher", "submitit",
                 "--jobs", "3", "--slurm-partition", "cpu", "--cluster-timeout", "30", "--quiet"]) == 0
    assert seen["jobs"] == 3 and seen["launcher"] == SubmititLauncher(str(out / "submitit"), partition="cpu",
                                                                      timeout_min=30)
    assert main(["train", "--task", "parity", "--steps", "2", "--out", str(out), "--quiet"]) == 0
    assert seen["launcher"] is None
