"""State-tracking tasks (docs/design.md §8) as seeded generators of token ids and labels.

One file per task, each a subclass of the abstract :class:`~bilinear.verify.tasks.base.Task` that declares
its alphabet (token names), classes (label names), valid lengths and options; one registry
(:mod:`bilinear.verify.tasks.registry`) finds them by name.

========== ================================================================= ====== =======
name       definition                                                        tokens classes
========== ================================================================= ====== =======
parity     number of 1s mod 2                                                2      2
modadd     sum of the tokens mod ``m``                                       m      m
cycle_nav  token t moves t-1 on a 5-cycle from 0; label = position           3      5
even_pairs number of unequal neighbours mod 2 = [first token != this token]  2      2
flipflop   token 0 reads (keeps the value), token 1+v writes v (v < m)       m+1    m
modarith   digits 0..m-1 and + - * (tokens m, m+1, m+2), standard precedence m+3    m
           (odd lengths only; label at digits, -1 at operators)
automaton  Moore machine (random: ``states``, ``symbols``, ``automaton_seed``; |Σ|    outputs
           or ``file``); label = output of the current state
word       group word problem: tokens = elements, label = g_1·…·g_t          |G|    |G|
========== ================================================================= ====== =======

The "Illusion of State" CSV of the word problem is :mod:`bilinear.verify.tasks.illusion` (its targets
compose as functions, the reverse order of ``word``'s labels).

>>> task = make_task("cycle_nav")
>>> batch = task.sample(n=3, length=4, seed=0)
>>> batch.tokens.shape, batch.labels.shape, batch.label.shape
((3, 4), (3, 4), (3,))
>>> bool((batch.labels == (batch.tokens - 1).cumsum(1) % 5).all())
True
"""

from bilinear.verify.tasks.base import DEFAULT_MAX_TOKENS, IGNORE, Task, TaskBatch, check_task_size, write_jsonl
from bilinear.verify.tasks.illusion import illusion_csv, illusion_targets
from bilinear.verify.tasks.modarith import modarith_tokens
from bilinear.verify.tasks.registry import TASK_NAMES, TASK_OPTIONS, TASKS, make_task, task_class

__all__ = ["TaskBatch", "Task", "make_task", "task_class", "TASKS", "TASK_NAMES", "TASK_OPTIONS",
           "write_jsonl", "illusion_csv", "illusion_targets", "modarith_tokens", "IGNORE",
           "DEFAULT_MAX_TOKENS", "check_task_size"]
