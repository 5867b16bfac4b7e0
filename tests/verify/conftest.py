"""``recurrence_path``: runs a test through the compiled recurrence (verify/kernels/native.py) with the rows
grouped by symbol for the dense layout (``grouped``), through the one-row compiled kernel for every layout
(``native``) and through the torch paths (:func:`bilinear.verify.kernels.forced_path`), so all stay equal
to the reference."""

import shutil

import pytest
import torch

from bilinear.verify import kernels
from bilinear.verify.kernels import blas, native


@pytest.fixture(params=["grouped", "native", "torch"])
def recurrence_path(request):
    if request.param != "torch" and not native.available():
        if shutil.which("cc") or shutil.which("gcc"):
            pytest.fail(f"a C compiler is present but the compiled recurrence is not: {native.status()}")
        pytest.skip(f"no compiled recurrence: {native.status()}")
    if request.param == "grouped" and not blas.gemm(torch.float64):
        pytest.skip(f"no BLAS for the grouped recurrence: {blas.status()}")
    with kernels.forced_path(request.param):
        yield request.param
