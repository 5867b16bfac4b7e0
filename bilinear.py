"""Façade of the bilinear-states toolkit: the main API in one import, and the ``bilinear`` command.

    >>> import bilinear
    >>> G = bilinear.parse_group("S3")
    >>> bilinear.make_task("modadd", m=5).sample(n=2, length=4, seed=0).tokens.shape
    (2, 4)
    >>> bilinear.certify_weights(bilinear.build(G, "block").to_weight_file()).hidden_size
    2
"""

from constructions.build import build
from constructions.certificate import Certificate, certify_file, certify_weights
from constructions.construction import Construction
from constructions.weightfile import WeightFile, load_weights, save_weights
from theory import *  # noqa: F401,F403
from theory import __all__ as _theory_all
from theory.monoid import TransitionMonoid
from verify.tasks import TASK_NAMES, make_task

__all__ = list(_theory_all) + ["TransitionMonoid", "TASK_NAMES", "make_task", "build", "Construction",
                               "Certificate", "certify_file", "certify_weights", "WeightFile", "load_weights",
                               "save_weights", "main"]


def main(argv=None) -> int:
    """Entry point of the ``bilinear`` console script."""
    import sys

    from bilinear_cli import main as _main
    code = _main(argv)
    if argv is None:
        sys.exit(code)
    return code
