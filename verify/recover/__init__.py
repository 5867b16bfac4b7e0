"""Representation recovery (docs/design.md §10): which representation did a trained model learn?

One module per stage: :mod:`.source` (reading checkpoints, weight files and foreign files),
:mod:`.states` (1: states, projective consistency), :mod:`.subspace` (2: reachable subspace,
restriction, scale), :mod:`.representation` (3: every element, homomorphism residual),
:mod:`.decomposition` (4: character, real multiplicities, faithful, minimal), :mod:`.intertwiner`
(5), :mod:`.angles` (6: cyclic groups), :mod:`.snap` (7: exact action as a weight file),
:mod:`.automaton` (automaton tasks: clustering and comparison with the minimal machine),
:mod:`.pipeline` (all steps, batched over several models), and, apart from the representation,
:mod:`.extract` (black-box automaton extraction from any model's predictions, with the model as a
membership oracle in :mod:`.model_oracle`).

    >>> import numpy as np
    >>> from bilinear.theory.groups.parser import parse_group
    >>> from bilinear.verify.recover import LearnedModel, recover_one
    >>> c, s = np.cos(2 * np.pi / 5), np.sin(2 * np.pi / 5)
    >>> m = LearnedModel("rot", np.array([[[c, -s], [s, c]]]), np.array([1.0, 0.0]), "foreign",
    ...                  group=parse_group("Z5"), alphabet=(1,))
    >>> r = recover_one(m)
    >>> r["is_representation"], r["dimension"], [a["k"] for a in r["angles"]]
    (True, 2, [-1, 1])
"""

from bilinear.verify.recover.pipeline import RecoverySettings, recover, recover_one
from bilinear.verify.recover.source import LearnedModel, load_learned

__all__ = ["LearnedModel", "load_learned", "RecoverySettings", "recover", "recover_one"]
