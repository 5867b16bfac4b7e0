"""``recurrence_path``: runs a test once through the compiled recurrence (verify/kernels/native.py) and once
through the torch paths (:func:`bilinear.verify.kernels.forced_path`), so both stay equal to the reference."""

import shutil

import pytest

from bilinear.verify import kernels
from bilinear.verify.kernels import native


@pytest.fixture(params=["native", "torch"])
def recurrence_path(request):
    if request.param == "native" and not native.available():
        if shutil.which("cc") or shutil.which("gcc"):
            pytest.fail(f"a C compiler is present but the compiled recurrence is not: {native.status()}")
        pytest.skip(f"no compiled recurrence: {native.status()}")
    with kernels.forced_path(request.param):
        yield request.param
