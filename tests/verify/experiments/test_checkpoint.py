"""Checkpoint reading refuses malformed files in one line naming the file (verify/experiments/checkpoint.py)."""

import copy

import pytest
import torch

from bilinear.theory import InputError
from bilinear.verify.experiments.checkpoint import load_checkpoint
from bilinear.verify.models.registry import ModelConfig
from bilinear.verify.experiments.train import RunSpec, TrainConfig, checkpoint_path, train_model

SMALL = TrainConfig(steps=20, batch_size=8, val_every=10, val_n=4, warmup=2)
SPEC = RunSpec("parity", {}, ModelConfig("rdiag", hidden=4), seed=0)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ckpt")
    train_model(SPEC, SMALL, 1e-2, checkpoint_dir=str(folder), progress=None)
    path = checkpoint_path(str(folder), SPEC, SMALL, 1e-2)
    return load_checkpoint(path)


def _write(tmp_path, state):
    path = checkpoint_path(str(tmp_path), SPEC, SMALL, 1e-2)
    torch.save(state, path)
    return path


def _edited(saved, edit):
    state = copy.deepcopy(saved)
    edit(state)
    return state


def _wrong_shape(s):
    name = next(iter(s["model"]))
    s["model"][name] = torch.zeros(7, 3)


def _nan(s):
    name = next(k for k, v in s["best_model"].items() if v.is_floating_point())
    s["best_model"][name] = torch.full_like(s["best_model"][name], float("nan"))


@pytest.mark.parametrize("edit, message", [
    (lambda s: s.pop("step"), r"missing field\(s\) \['step'\]"),
    (lambda s: s.update(extra=1), r"unknown field\(s\) \['extra'\]"),
    (lambda s: s.update(step=-3), "step: expected a non-negative integer"),
    (lambda s: s.update(step="3"), "step: expected a non-negative integer"),
    (lambda s: s.update(finished=1), "finished: expected true or false"),
    (lambda s: s.update(best_key=[float("nan"), 0.0]), r"best_key\[0\]: expected a finite number"),
    (lambda s: s.update(history=[[1, 2.0]]), "history: expected rows"),
    (lambda s: s.update(model={}), "model: expected a state dict"),
    (_nan, r"best_model\..*: contains non-finite values"),
    (lambda s: s.update(optimizer=[]), "optimizer: expected an optimizer state dict"),
    (lambda s: s.update(format=3), "unknown format 3"),
    (lambda s: s.update(format=1), r"unknown field\(s\) \['cpu_seconds'\]"),
    (lambda s: s.update(cpu_seconds=-1.0), "cpu_seconds: expected a number >= 0"),
    (lambda s: s.update(cpu_seconds="1"), "cpu_seconds: expected a finite number"),
])
def test_malformed_fields_are_refused(saved, tmp_path, edit, message):
    """Before the field checks, a missing field was a KeyError traceback in train_model and NaN
    parameters were loaded silently."""
    path = _write(tmp_path, _edited(saved, edit))
    with pytest.raises(InputError, match=f"^checkpoint {path}: {message}"):
        train_model(SPEC, SMALL, 1e-2, checkpoint_dir=str(tmp_path), progress=None)


def test_other_architecture_is_refused_before_loading(saved, tmp_path):
    """A parameter of another shape was a RuntimeError traceback from load_state_dict."""
    path = _write(tmp_path, _edited(saved, _wrong_shape))
    with pytest.raises(InputError, match=f"^checkpoint {path}: model\\..*expected torch.float32 of shape"):
        train_model(SPEC, SMALL, 1e-2, checkpoint_dir=str(tmp_path), progress=None)


def test_optimizer_of_other_shapes_is_refused(saved, tmp_path):
    def edit(s):
        entry = next(iter(s["optimizer"]["state"].values()))
        entry["exp_avg"] = torch.zeros(11, 13)
    path = _write(tmp_path, _edited(saved, edit))
    with pytest.raises(InputError, match=f"^checkpoint {path}: optimizer: state 'exp_avg'"):
        train_model(SPEC, SMALL, 1e-2, checkpoint_dir=str(tmp_path), progress=None)


@pytest.mark.parametrize("content, message", [
    (b"", "empty file"),
    (b"\x80\x04not a pickle", "not a readable checkpoint"),
    (b"PK\x03\x04truncated", "not a readable checkpoint"),
])
def test_unreadable_bytes(tmp_path, content, message):
    path = tmp_path / "c.pt"
    path.write_bytes(content)
    with pytest.raises(InputError, match=f"^checkpoint {path}: {message}") as e:
        load_checkpoint(path)
    assert "\n" not in str(e.value)


def test_truncated_checkpoint(saved, tmp_path):
    path = _write(tmp_path, saved)
    data = open(path, "rb").read()
    with open(path, "wb") as f:
        f.write(data[: len(data) // 2])
    with pytest.raises(InputError, match=f"^checkpoint {path}: not a readable checkpoint") as e:
        train_model(SPEC, SMALL, 1e-2, checkpoint_dir=str(tmp_path), progress=None)
    assert "\n" not in str(e.value)


def test_format_1_is_read_and_its_cpu_time_is_unknown(saved, tmp_path):
    """A checkpoint written before ``cpu_seconds`` existed (format 1) still resumes; the CPU time of
    the session that wrote it is unknown, so the outcome says None rather than a partial number."""
    old = _edited(saved, lambda s: (s.pop("cpu_seconds"), s.update(format=1)))
    path = _write(tmp_path, old)
    assert load_checkpoint(path)["format"] == 1
    outcome = train_model(SPEC, SMALL, 1e-2, checkpoint_dir=str(tmp_path), progress=None)
    assert outcome.cpu_seconds is None and outcome.steps_run == saved["step"]
