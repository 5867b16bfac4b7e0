"""load_weights refuses every malformed weight file in one line naming the file (docs/design.md §7)."""

import io
import json
import zipfile

import numpy as np
import pytest

from bilinear.cli import main
from bilinear.constructions.weightfile import WeightFile, load_weights, save_weights
from bilinear.theory import InputError


def _good():
    W = np.zeros((2, 2, 2))
    W[:, :, 0] = np.eye(2)
    W[:, :, 1] = [[0, 1], [1, 0]]
    return WeightFile(W, np.array([1.0, 0.0]), np.eye(2), ("a", "b"), ("x", "y"), "permutation",
                      {"source": {"kind": "group", "group": "Z2", "alphabet": ["0", "1"]}})


@pytest.fixture
def arrays(tmp_path):
    path = tmp_path / "good.npz"
    save_weights(path, _good())
    with np.load(path) as data:
        return {k: data[k] for k in data.files}


def _save(tmp_path, arrays, name="bad.npz"):
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


def test_good_file_reads_back(tmp_path):
    path = save_weights(tmp_path / "w.npz", _good())
    wf = load_weights(path)
    assert np.array_equal(wf.dense_W(), _good().dense_W()) and wf.labels == ("a", "b")


@pytest.mark.parametrize("edit, message", [
    (lambda a: a.update(h0=np.array([object(), object()], dtype=object)), "member 'h0.npy': holds Python objects"),
    (lambda a: a.update(W=a["W"].astype(np.float32)), "W: expected float64 with 3 axes, got float32"),
    (lambda a: a.update(h0=np.array(["1", "0"])), "h0: expected float64 with 1 axes, got <U1"),
    (lambda a: a.update(W=a["W"][:, :, 0]), r"W: expected float64 with 3 axes, got float64 of shape \(2, 2\)"),
    (lambda a: a.update(h0=np.array([np.nan, 0.0])), r"h0: contains non-finite values \(NaN or inf\)"),
    (lambda a: a.update(readout=np.array([[np.inf, 0], [0, 1.0]])), "readout: contains non-finite values"),
    (lambda a: a.update(h0=np.ones(3)), r"h0: expected shape \(2,\), got \(3,\)"),
    (lambda a: a.update(labels=np.array([b"a", b"b"])), "labels: expected unicode strings with 1 axes, got |S1"),
    (lambda a: a.update(level=np.array(1.0)), "level: expected unicode strings"),
    (lambda a: a.update(meta=np.array("[1, 2]")), "meta: expected a JSON object, got list"),
    (lambda a: a.update(meta=np.array('{"x": NaN}')), "meta: NaN is not a JSON number"),
    (lambda a: a.update(meta=np.array('{"x": ')), "meta: not JSON"),
    (lambda a: a.pop("labels"), r"missing array\(s\) labels"),
    (lambda a: a.update(extra=np.zeros(1)), "extra: unknown array"),
    (lambda a: a.update(W_index=np.zeros((0, 3), dtype=np.int64)), "expected either W or all of W_index"),
    (lambda a: a.update(readout=np.zeros((0, 2))), r"readout: expected shape \(K, 2\) with K >= 1"),
])
def test_malformed_arrays(arrays, tmp_path, edit, message):
    edit(arrays)
    path = _save(tmp_path, arrays)
    with pytest.raises(InputError, match=f"^weight file {path}: {message}") as e:
        load_weights(path)
    assert "\n" not in str(e.value) and "allow_pickle" not in str(e.value)


def _sparse(arrays, index, value, shape):
    W = arrays.pop("W")
    arrays.update(W_index=np.asarray(index, dtype=np.int64), W_value=np.asarray(value, dtype=np.float64),
                  W_shape=np.asarray(shape, dtype=np.int64))
    return W


@pytest.mark.parametrize("index, value, shape, message", [
    ([[0, 0, 0], [0, 0, 0]], [1.0, 1.0], [2, 2, 2], r"W_index: an entry \(i, j, k\) appears twice"),
    ([[0, 0, 5]], [1.0], [2, 2, 2], "W_index: entries outside the shape"),
    ([[0, 0, 0]], [1.0, 2.0], [2, 2, 2], "W_index/W_value/W_shape: expected shapes"),
    ([[0, 0, 0]], [1.0], [0, 0, 2], "W_shape: expected three sizes in 1..2"),
    ([[0, 0, 0]], [np.nan], [2, 2, 2], "W_value: contains non-finite values"),
])
def test_malformed_sparse_form(arrays, tmp_path, index, value, shape, message):
    _sparse(arrays, index, value, shape)
    path = _save(tmp_path, arrays)
    with pytest.raises(InputError, match=f"^weight file {path}: {message}"):
        load_weights(path)


def _member_header_lie(path_in, path_out):
    """Rewrite W.npy with a header declaring a 10^12-element array over the same few bytes."""
    with zipfile.ZipFile(path_in) as z:
        members = {i.filename: z.read(i) for i in z.infolist()}
    header = np.lib.format.header_data_from_array_1_0(np.zeros(1))
    header["shape"] = (10 ** 12,)
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    members["W.npy"] = buf.getvalue() + b"\0" * 64
    with zipfile.ZipFile(path_out, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)


def test_truncated_empty_and_foreign_bytes(tmp_path):
    good = save_weights(tmp_path / "good.npz", _good())
    data = open(good, "rb").read()
    cases = {
        "empty.npz": (b"", "empty file"),
        "half.npz": (data[: len(data) // 2], "not readable"),
        "random.npz": (np.random.default_rng(0).bytes(300), r"not a \.npz archive"),
        "json.npz": (b'{"W": [1, 2]}', r"not a \.npz archive"),
        "pickle.npz": (b"\x80\x04\x95" + b"\0" * 40, r"not a \.npz archive"),
    }
    for name, (content, message) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(InputError, match=f"^weight file {path}: {message}") as e:
            load_weights(path)
        assert "allow_pickle" not in str(e.value) and "\n" not in str(e.value)
    lie = tmp_path / "lie.npz"
    _member_header_lie(good, lie)
    with pytest.raises(InputError, match=f"^weight file {lie}: member 'W.npy': header declares 8000000000000 bytes"):
        load_weights(lie)


def test_cli_certify_refuses_in_one_line(tmp_path, capsys):
    """Random bytes or a JSON file given to certify: exit 2, one line, no numpy advice to unpickle."""
    for name, content in [("r.npz", np.random.default_rng(1).bytes(200)), ("a.json", b'{"a": 1}'), ("e.npz", b"")]:
        path = tmp_path / name
        path.write_bytes(content)
        assert main(["certify", str(path)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and str(path) in err and "allow_pickle" not in err and "Traceback" not in err


def test_wrong_shape_weightfile_object():
    """A two-axis W handed to WeightFile directly was a ValueError while unpacking the shape."""
    with pytest.raises(InputError, match=r"W: expected shape \(H, H, D\)"):
        WeightFile(np.zeros((2, 2)), np.zeros(2), np.eye(2), ("a", "b"), ("x", "y"), "full")


@pytest.mark.parametrize("meta, message", [
    ({"source": {"kind": "group", "group": "Z2"}}, "meta.source.alphabet: expected a list"),
    ({"source": {"kind": "nothing"}}, "meta.source: expected {kind: group|automaton"),
    ({"source": None}, "meta.source: expected {kind: group|automaton"),
    ({"source": {"kind": "automaton", "automaton": [1]}}, "meta.source: expected {kind: automaton"),
    ({"source": {"kind": "group", "group": 3, "alphabet": ["0"]}}, "meta.source.group: expected a group spec"),
    ({"source": {"kind": "group", "group": "Z2", "alphabet": ["0", "1"]}, "exact": 1}, "meta.exact: expected null"),
    ({"source": {"kind": "group", "group": "Z2", "alphabet": ["0", "1"]},
      "exact": {"field": {"name": "Q", "minpoly": [0, 1]}, "den_W": 0, "den_h0": 1, "den_readout": 1}},
     "meta.exact.den_W: expected an integer >= 1, got 0"),
    ({"source": {"kind": "group", "group": "Z2", "alphabet": ["0", "1"]},
      "exact": {"field": {"name": "Q(i)", "minpoly": [1, 0, 1]}, "W": {"den": 1, "num": [[1]]}}},
     "meta.exact.W.num: expected rows of 2 integers"),
    ({"source": {"kind": "group", "group": "Z2", "alphabet": ["0", "1"]}, "info": {"cp": [1, 2]}},
     "meta.info.cp: expected {rank, U, V, Z}"),
    ({"source": {"kind": "group", "group": "Z2", "alphabet": ["0", "1"]}, "info": {"block": "2"}},
     "meta.info.block: expected an integer >= 1"),
])
def test_meta_schema(arrays, tmp_path, meta, message, capsys):
    """meta lacking what the certificate reads was a KeyError/TypeError traceback in ``bilinear certify``."""
    arrays["meta"] = np.array(json.dumps(meta))
    path = _save(tmp_path, arrays)
    with pytest.raises(InputError, match=f"^weight file {path}: {message}"):
        load_weights(path)
    assert main(["certify", str(path)]) == 2 and capsys.readouterr().err.count("\n") == 1


def test_meta_cayley_table_is_bounded(arrays, tmp_path):
    """A table above the writer's limit (2000) would take hours to check (cubic); refused first."""
    meta = {"source": {"kind": "group", "group": "G", "cayley_table": [[0]] * 2001, "names": [], "alphabet": []}}
    arrays["meta"] = np.array(json.dumps(meta))
    path = _save(tmp_path, arrays)
    with pytest.raises(InputError, match=f"^weight file {path}: meta.source.cayley_table: 2001 rows, more than 2000"):
        load_weights(path)


def test_certify_errors_name_the_file(tmp_path, capsys):
    """An error found while certifying (here: a field that is not one) named no file."""
    assert main(["construct", "Z3", "--level", "full", "--method", "permutation", "--out", str(tmp_path / "z3.npz")]) == 0
    with np.load(tmp_path / "z3.npz") as data:
        arrays = {k: data[k] for k in data.files}
    meta = json.loads(str(arrays["meta"]))
    meta["exact"] = {"field": {"name": "Q(x)", "minpoly": [1, "a", 1]}, "W": {"den": 1, "num": []},
                     "h0": {"den": 1, "num": []}, "readout": {"den": 1, "rows": [], "cols": [], "num": []}}
    arrays["meta"] = np.array(json.dumps(meta))
    path = _save(tmp_path, arrays)
    assert main(["certify", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"bilinear certify: error: weight file {path}: meta.exact.field") and err.count("\n") == 1
