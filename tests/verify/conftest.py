"""``recurrence_path``: runs a test once through the compiled recurrence (verify/kernels/native.py) and once
through the torch paths, so both stay equal to the reference."""

import shutil

import pytest

from bilinear.verify.kernels import fused, native


@pytest.fixture(params=["native", "torch"])
def recurrence_path(request, monkeypatch):
    if request.param == "native":
        if not native.available():
            if shutil.which("cc") or shutil.which("gcc"):
                pytest.fail(f"a C compiler is present but the compiled recurrence is not: {native.status()}")
            pytest.skip(f"no compiled recurrence: {native.status()}")
    else:
        monkeypatch.setattr(fused, "native_usable", lambda model: False)
    return request.param
