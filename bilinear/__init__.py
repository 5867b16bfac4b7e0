"""Façade of the bilinear-states toolkit: the main API in one import, and the ``bilinear`` command.

    >>> import bilinear
    >>> G = bilinear.parse_group("S3")
    >>> bilinear.make_task("modadd", m=5).sample(n=2, length=4, seed=0).tokens.shape
    (2, 4)
    >>> bilinear.certify_weights(bilinear.build(G, "block").to_weight_file()).hidden_size
    2

Names are loaded on first use (PEP 562), so that the ``bilinear`` command starts quickly.
``bilinear.__version__`` is the installed package's version (:mod:`bilinear.theory.version`).
"""

import bilinear.theory as theory
from bilinear.theory.lazy import lazy_exports
from bilinear.theory.version import __version__

_EXPORTS = {
    "bilinear.theory": tuple(theory.__all__),
    "bilinear.constructions.build": ("build",),
    "bilinear.constructions.certificate": ("Certificate", "certify_file", "certify_weights"),
    "bilinear.constructions.construction": ("Construction",),
    "bilinear.constructions.weightfile": ("WeightFile", "load_weights", "save_weights"),
    "bilinear.theory.automata.monoid": ("TransitionMonoid",),
    "bilinear.verify.tasks": ("TASK_NAMES", "make_task"),
}

__all__ = [name for names in _EXPORTS.values() for name in names] + ["main", "__version__"]
__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)


def main(argv=None) -> int:
    """Entry point of the ``bilinear`` console script."""
    import sys

    from bilinear.cli import main as _main
    code = _main(argv)
    if argv is None:
        sys.exit(code)
    return code
