"""The task registry: every task class by its name (docs/design.md §8).

Adding a task is one file with a :class:`~bilinear.verify.tasks.base.Task` subclass and one entry in
:data:`TASKS`.  :func:`make_task` refuses options the task does not take, in one line.

>>> TASK_NAMES
('parity', 'modadd', 'cycle_nav', 'even_pairs', 'flipflop', 'modarith', 'automaton', 'word')
>>> TASK_OPTIONS["modarith"]
('m',)
>>> make_task("modadd", m=3).batch([2, 2]).label.tolist()
[1]
"""

from __future__ import annotations

from bilinear.theory.errors import InputError

from bilinear.verify.tasks.automaton import AutomatonTask
from bilinear.verify.tasks.base import Task, option_flag
from bilinear.verify.tasks.cycle_nav import CycleNavTask
from bilinear.verify.tasks.even_pairs import EvenPairsTask
from bilinear.verify.tasks.flipflop import FlipFlopTask
from bilinear.verify.tasks.modadd import ModAddTask
from bilinear.verify.tasks.modarith import ModArithTask
from bilinear.verify.tasks.parity import ParityTask
from bilinear.verify.tasks.word import WordTask

__all__ = ["TASKS", "TASK_NAMES", "TASK_OPTIONS", "make_task", "task_class"]

#: Task classes by name, in the order the CLI lists them.
TASKS: dict[str, type[Task]] = {cls.name: cls for cls in (
    ParityTask, ModAddTask, CycleNavTask, EvenPairsTask, FlipFlopTask, ModArithTask, AutomatonTask, WordTask)}
TASK_NAMES = tuple(TASKS)
#: The option names each task takes.
TASK_OPTIONS = {name: cls.PARAMS for name, cls in TASKS.items()}


def task_class(name: str) -> type[Task]:
    """The class registered under ``name``, or :class:`InputError` listing the names."""
    if name not in TASKS:
        raise InputError(f"task: unknown task {name!r}; expected one of {', '.join(TASK_NAMES)}")
    return TASKS[name]


def make_task(name: str, **options) -> Task:
    """Build a task by name; ``None`` options are dropped, options the task does not take raise
    :class:`InputError`.

    ``make_task("modadd", m=5)``, ``make_task("word", group="S5")``,
    ``make_task("automaton", states=5, symbols=3, automaton_seed=0)``.
    """
    cls = task_class(name)
    given = {k: v for k, v in options.items() if v is not None}
    extra = sorted(set(given) - set(cls.PARAMS))
    if extra:
        raise InputError(f"task {name}: option(s) {', '.join(map(option_flag, extra))} do not apply "
                         f"(it takes {', '.join(map(option_flag, cls.PARAMS)) or 'no options'})")
    return cls.from_options(**given)
