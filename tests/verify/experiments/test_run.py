"""A trained run read back from its checkpoint (verify/experiments/run.py): the one reader of checkpoints
into model, task, configuration and target, used by recover, export, certify and simulate."""

import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from bilinear.theory import InputError
from bilinear.verify.experiments.run import TrainedRun, task_target
from bilinear.verify.experiments.train import RunSpec, TrainConfig, checkpoint_path, train_model
from bilinear.verify.models.registry import ModelConfig, class_names
from bilinear.verify.tasks import make_task

PACKAGE = Path(__file__).resolve().parents[3]
TINY = TrainConfig(steps=20, batch_size=8, val_every=10, val_n=8, warmup=2)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    spec = RunSpec("modadd", {"m": 3}, ModelConfig("cdiag", hidden=4), seed=1)
    out = train_model(spec, TINY, 1e-2, checkpoint_dir=str(folder), progress=None)
    return spec, out, checkpoint_path(str(folder), spec, TINY, 1e-2)


def test_a_trained_run_is_its_model_task_config_and_target(trained):
    spec, out, path = trained
    run = TrainedRun.load(path)
    assert run.path == path and run.config == spec.model and run.task.name == "modadd"
    assert run.labels == class_names(run.task) == ("0", "1", "2")
    group, alphabet = run.target()
    assert group.name == "Z3" and alphabet == (0, 1, 2)
    assert run.summary() == {"task": "modadd", "task_options": {"m": 3}, "model": "cdiag", "hidden": 4,
                             "seed": 1, "lr": 1e-2}
    assert not run.model.training and run.model.h0.dtype == torch.float64
    np.testing.assert_array_equal(run.model.dense_W(), out.model.double().dense_W())


def test_recover_reads_checkpoints_through_the_run(trained):
    from bilinear.verify.recover.source import load_learned
    _, _, path = trained
    learned, run = load_learned(path), TrainedRun.load(path)
    np.testing.assert_array_equal(learned.A, np.transpose(run.model.dense_W(), (2, 0, 1)))
    assert learned.info == run.summary() and learned.labels == run.labels and learned.group.name == "Z3"


def test_an_inconsistent_checkpoint_is_refused(trained, tmp_path):
    _, _, path = trained
    state = torch.load(path, weights_only=True)
    identity = json.loads(state["identity"])
    identity["model"]["hidden"] = 6                       # parameters of another shape
    state["identity"] = json.dumps(identity)
    bad = tmp_path / "bad.pt"
    torch.save(state, bad)
    with pytest.raises(InputError, match=r"checkpoint .*bad\.pt: inconsistent contents \(RuntimeError"):
        TrainedRun.load(bad)
    with pytest.raises(InputError, match="no such file"):
        TrainedRun.load(tmp_path / "missing.pt")


def test_task_targets():
    assert task_target(make_task("cycle_nav"))[1] == (4, 0, 1)
    assert task_target(make_task("parity"))[0].name == "Z2"
    group, machine = task_target(make_task("flipflop", m=2))
    assert group is None and machine.num_symbols == make_task("flipflop", m=2).vocab_size


def _package_sources():
    for folder in ("theory", "constructions", "verify", "bilinear", "paper_figs"):
        yield from (PACKAGE / folder).rglob("*.py")


def test_the_weight_layout_is_converted_in_one_place():
    """Only constructions/weightfile.py turns H x H x D weights into D x H x H transitions and back."""
    swap = re.compile(r"(transpose|permute)\(.*(2, 0, 1|1, 2, 0)\)")
    owners = {p.relative_to(PACKAGE).as_posix() for p in _package_sources() if swap.search(p.read_text())}
    assert owners == {"constructions/weightfile.py"}
