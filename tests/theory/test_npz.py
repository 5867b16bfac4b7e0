"""The one reader of ``.npz`` archives (``bilinear.theory.npz``): reading some members equals picking
them from reading all; a member that is not read is still checked by name; a format's builder error
names the file."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from bilinear.theory.errors import InputError
from bilinear.theory.npz import load_npz, read_npz


def test_reading_some_members_equals_picking_them_from_all(tmp_path):
    path = tmp_path / "a.npz"
    np.savez(path, format=np.array("x"), W=np.arange(6.0).reshape(2, 3), h0=np.ones(2))
    everything = read_npz(path)
    some = read_npz(path, names=("format", "h0"))
    assert sorted(some) == ["format", "h0"]
    assert all(np.array_equal(some[k], everything[k]) for k in some)


def test_a_member_not_read_is_still_checked_by_name(tmp_path):
    path = tmp_path / "b.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("notes.txt", b"hello")
    with pytest.raises(InputError, match=r"member 'notes.txt': not a .npy array"):
        read_npz(path, names=("format",))


def test_load_npz_names_the_file_in_the_builders_error(tmp_path):
    path = tmp_path / "c.npz"
    np.savez(path, a=np.zeros(1))

    def build(arrays):
        raise InputError("a: expected two entries, got 1")
    with pytest.raises(InputError, match=r"^cascade file .*c\.npz: a: expected two entries, got 1$"):
        load_npz(path, "cascade file", build)
    assert load_npz(path, "weight file", lambda arrays: sorted(arrays)) == ["a"]
