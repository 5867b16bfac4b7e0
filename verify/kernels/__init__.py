"""The recurrence's kernels (docs/design.md §9): a model's transitions as a table
(:mod:`~bilinear.verify.kernels.table`), the one choice of path (:mod:`~bilinear.verify.kernels.paths`), the
training node (:mod:`~bilinear.verify.kernels.fused`), evaluation (:mod:`~bilinear.verify.kernels.scan`), and
the recurrences per layout in torch (:mod:`~bilinear.verify.kernels.diagonal`,
:mod:`~bilinear.verify.kernels.loop`) and in C (:mod:`~bilinear.verify.kernels.native`).  No kernel imports
a model.

    >>> from bilinear.verify import kernels
    >>> with kernels.forced_path("torch"):
    ...     kernels.paths.native_allowed()
    False
"""

from bilinear.verify.kernels.paths import forced_path, plan

__all__ = ["forced_path", "plan"]
