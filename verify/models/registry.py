"""Model configurations and the factory for every model class of docs/design.md §4 and §9.

Model names: the hierarchy levels ``full``, ``cp``, ``block``, ``cdiag``, ``rot``, ``rdiag``,
``pdiag`` (see :mod:`bilinear.verify.models.classic`) and the modern ones ``house`` and ``mono`` (see
:mod:`bilinear.verify.models.modern`), each with an ``-affine`` variant (``full-affine``
adds ``B x + b`` to the recurrence), and the baselines ``lstm``, ``mamba``, ``transformer`` (see
:mod:`bilinear.verify.models.baselines`).

    >>> cfg = ModelConfig("full", hidden=8)
    >>> model = make_model(cfg, vocab_size=5, num_classes=5, seed=0)
    >>> model(torch.zeros(2, 3, dtype=torch.long)).shape
    torch.Size([2, 3, 5])

A construction's weight file (docs/design.md §7) becomes a FULL model with :func:`model_from_weights`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from bilinear.constructions.weightfile import WeightFile, load_weights, transitions_of
from bilinear.theory.errors import InputError, check_number, expected
from bilinear.theory.hierarchy.levels import LEVELS, Level
from bilinear.theory.resources import check_memory, current_memory_limit

from bilinear.verify.models.baselines import BASELINES
from bilinear.verify.models.classic import BILINEAR_LEVELS, INITS, NORMALISE_MODES, FullRNN
from bilinear.verify.models.stack import STACK_LEVELS, BilinearStack

__all__ = ["ModelConfig", "MODEL_NAMES", "make_model", "parameter_bound", "parameter_floor", "parameter_count", "model_shapes",
           "check_model_memory",
           "MODEL_COPIES", "parse_model_name", "model_from_weights",
           "class_names", "count_parameters"]

#: the largest initial perturbation ``init_scale`` of a bilinear model (larger ones start far from the
#: identity or orthogonal matrix the initialisation is built around)
MAX_INIT_SCALE = 10.0

MODEL_NAMES = tuple(list(BILINEAR_LEVELS) + [f"{k}-affine" for k in BILINEAR_LEVELS] + list(BASELINES))


def parse_model_name(name: str) -> tuple[str, bool]:
    """``"full-affine"`` -> ``("full", True)``; an unknown name is an :class:`InputError`."""
    if name not in MODEL_NAMES:
        raise InputError(f"model: unknown model {name!r}; expected one of {', '.join(MODEL_NAMES)}")
    if name.endswith("-affine"):
        return name[: -len("-affine")], True
    return name, False


@dataclass(frozen=True)
class ModelConfig:
    """Everything that defines a model apart from the task's sizes and the seed.

    ``model``: a name of :data:`MODEL_NAMES`; ``hidden``: H (real dimensions); ``rank``: CP rank R
    (default H); ``block``: BLOCK size B (default 2); ``householders``: HOUSE's factors per symbol
    n_h (default 1; recorded by :meth:`to_dict` only for ``house``, so that the configurations, and
    with them the checkpoint names, of the other models are those of earlier runs); ``embedding``: None (one-hot input) or a
    learned embedding dimension; ``normalise``: ``"auto"`` (= ``"always"`` for pure bilinear models —
    measured to length-generalise far better than ``"eval"``, see docs/results_training.md — and
    ``"none"`` for affine ones), ``"none"``, ``"eval"`` or ``"always"``; ``init``, ``init_scale``:
    bilinear initialisation (see :mod:`bilinear.verify.models.classic`; ``init="auto"``, the default, is
    :meth:`resolved_init`); ``layers``, ``heads``: baselines
    (``layers`` 0 = the baseline's default: 1 for lstm and mamba, 2 for transformer); ``layers`` >= 2 of
    ``cdiag``, ``rot`` or ``rdiag``: a :class:`~bilinear.verify.models.stack.BilinearStack` of that many
    layers (:meth:`is_stack`; one-hot input, normalised, its own initialisation: ``embedding``,
    ``normalise``, ``init`` and ``init_scale`` keep their defaults), 0 or 1 the one-layer model.
    """

    model: str = "full"
    hidden: int = 64
    rank: int | None = None
    block: int = 2
    householders: int = 1
    embedding: int | None = None
    normalise: str = "auto"
    init: str = "auto"
    init_scale: float = 0.01
    layers: int = 0
    heads: int = 4

    def __post_init__(self):
        kind, _ = parse_model_name(self.model)
        for name in ("hidden", "block", "householders", "heads"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise expected(name, "an integer >= 1", v)
        for name in ("rank", "embedding"):
            v = getattr(self, name)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
                raise expected(name, "an integer >= 1", v)
        if isinstance(self.layers, bool) or not isinstance(self.layers, int) or self.layers < 0:
            raise expected("layers", "an integer >= 0", self.layers)
        if self.normalise not in ("auto",) + NORMALISE_MODES:
            raise InputError(f"normalise: expected auto, {', '.join(NORMALISE_MODES)}; got {self.normalise!r}")
        if self.init not in ("auto",) + INITS:
            raise expected("init", f"one of auto, {', '.join(INITS)}", self.init)
        check_number("--init-scale", self.init_scale, minimum=0, maximum=MAX_INIT_SCALE)
        if kind in LEVELS:
            self.shape()                 # the level's own size checks (theory/hierarchy/levels.py)
        if kind in BILINEAR_LEVELS and self.layers > 1:
            self._check_stack()
        if kind == "transformer" and (self.hidden % self.heads or self.hidden % 2):
            raise InputError(f"hidden: the transformer needs an even hidden size divisible by heads={self.heads}, "
                             f"got {self.hidden}")

    @property
    def kind(self) -> str:
        return parse_model_name(self.model)[0]

    @property
    def affine(self) -> bool:
        return parse_model_name(self.model)[1]

    @property
    def is_bilinear(self) -> bool:
        """A one-layer bilinear model (``h_t = A(x_t) h_{t-1}`` and a readout; not a stack)."""
        return self.kind in BILINEAR_LEVELS and not self.is_stack

    @property
    def is_stack(self) -> bool:
        """A stack of ``layers`` >= 2 bilinear layers (:class:`~bilinear.verify.models.stack.BilinearStack`)."""
        return self.kind in STACK_LEVELS and not self.affine and self.layers > 1

    def _check_stack(self) -> None:
        if self.kind not in STACK_LEVELS or self.affine:
            raise expected("layers", f"0 or 1 for {self.model} (stacks of layers: {', '.join(STACK_LEVELS)})",
                           self.layers)
        defaults = ModelConfig(self.model)
        for name in ("embedding", "normalise", "init", "init_scale"):
            if getattr(self, name) != getattr(defaults, name):
                raise expected(name, f"its default {getattr(defaults, name)!r} for a stack of layers (one-hot input, "
                               "normalised, the stack's own initialisation)", getattr(self, name))

    def shape(self) -> Level:
        """The level and sizes of a bilinear model (``rank`` None: ``hidden``), checked by the level's
        declaration; an :class:`InputError` for a baseline."""
        if self.kind not in LEVELS:
            raise expected("model", "a bilinear model", self.model)
        cls = LEVELS[self.kind]
        sizes = {k: getattr(self, k) for k in cls.options()}     # every size a level takes is a field here
        if sizes.get("rank", 0) is None:
            sizes["rank"] = self.hidden
        return cls.of(self.hidden, sizes)

    def resolved_normalise(self) -> str:
        if self.normalise != "auto":
            return self.normalise
        return "none" if self.affine else "always"

    def resolved_init(self) -> str:
        """``init``, with ``"auto"`` resolved: ``"rotation"`` (determinant +1 blocks) for BLOCK,
        ``"orthogonal"`` for every other level — measured on modular addition and the random automata
        (docs/results_training.md): from Haar-orthogonal blocks BLOCK keeps most of its reflections
        through training and loses exactness; CDIAG's and ROT's blocks are rotations either way."""
        if self.init != "auto":
            return self.init
        return "rotation" if self.kind == "block" else "orthogonal"

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        if self.kind != "house":
            del d["householders"]
        return d

    def variant(self) -> str:
        """The fields that differ from the defaults (besides model and hidden), e.g. ``"normalise=eval"``."""
        default = ModelConfig(self.model)
        return ",".join(f"{f.name}={getattr(self, f.name)}" for f in dataclasses.fields(self)
                        if f.name not in ("model", "hidden") and getattr(self, f.name) != getattr(default, f.name))

    @classmethod
    def from_dict(cls, d: dict) -> "ModelConfig":
        names = {f.name for f in dataclasses.fields(cls)}
        extra = set(d) - names
        if extra:
            raise InputError(f"model config: unknown field(s) {', '.join(sorted(extra))}")
        return cls(**d)


#: Copies of the parameters a model is checked to fit in memory for (:func:`check_model_memory`):
#: the parameters, their gradients, Adam's two moments and the best parameters kept by training
#: (loading a checkpoint needs fewer: float32 and a float64 copy).
MODEL_COPIES = 5


def parameter_bound(config: ModelConfig, vocab_size: int, num_classes: int) -> int:
    """An upper bound on the number of parameters of :func:`make_model` ``(config, vocab_size,
    num_classes)``, from the sizes alone (every model here has at most a few ``(H + input)^2``
    matrices per symbol, class and layer)."""
    inputs = config.embedding or vocab_size
    layers = config.layers or 2
    return (vocab_size + num_classes + inputs + 32 * layers + 2 * layers * layers + 32) * (config.hidden + inputs + 1) ** 2


def parameter_floor(config: ModelConfig, vocab_size: int, num_classes: int) -> int:
    """A lower bound on the number of parameters of :func:`make_model` ``(config, vocab_size,
    num_classes)``: every model reads its classes out of its hidden state (a ``K x H`` readout)."""
    return num_classes * config.hidden


def model_shapes(config: ModelConfig, vocab_size: int, num_classes: int) -> nn.Module:
    """The model of :func:`make_model` on torch's meta device: its parameters' names, shapes and
    dtypes, with nothing of their size allocated."""
    with torch.device("meta"):
        return _build_model(config, vocab_size, num_classes, 0)


def parameter_count(config: ModelConfig, vocab_size: int, num_classes: int) -> int:
    """The exact number of parameters of :func:`make_model` ``(config, vocab_size, num_classes)``,
    counted on :func:`model_shapes`."""
    return sum(p.numel() for p in model_shapes(config, vocab_size, num_classes).parameters())


def check_model_memory(config: ModelConfig, vocab_size: int, num_classes: int, copies: int = MODEL_COPIES) -> None:
    """Refuse (:func:`bilinear.theory.resources.check_memory`) a model whose ``copies`` float32 copies
    of the parameters exceed the memory limit, before any is allocated: at once if even
    :func:`parameter_floor` does not fit, else by the exact :func:`parameter_count` when the cheap
    :func:`parameter_bound` does not fit."""
    what = f"the model {config.model} with hidden size {config.hidden}"
    limit = current_memory_limit()
    if 4 * copies * parameter_bound(config, vocab_size, num_classes) <= limit:
        return
    floor = parameter_floor(config, vocab_size, num_classes)
    check_memory(4 * copies * floor, f"{what} (at least {floor} parameters, {copies} float32 copies)", bound="at least")
    n = parameter_count(config, vocab_size, num_classes)
    check_memory(4 * copies * n, f"{what} ({n} parameters, {copies} float32 copies)")


def make_model(config: ModelConfig, vocab_size: int, num_classes: int, seed: int = 0) -> nn.Module:
    """Build the model of ``config`` for a task with ``vocab_size`` tokens and ``num_classes``
    classes; its parameters are a fixed function of ``seed`` (the global RNG is left as it was).
    A model too large for the memory limit is refused first (:func:`check_model_memory`)."""
    check_model_memory(config, vocab_size, num_classes)
    return _build_model(config, vocab_size, num_classes, seed)


def _build_model(config: ModelConfig, vocab_size: int, num_classes: int, seed: int) -> nn.Module:
    kind = config.kind
    if config.is_stack:
        return BilinearStack.for_task(kind, vocab_size, num_classes, config.hidden, config.layers, seed=seed)
    if kind in BILINEAR_LEVELS:
        extra = {k: v for k, v in config.shape().parameters().items() if k != "hidden"}
        return BILINEAR_LEVELS[kind](vocab_size, num_classes, config.hidden, embedding=config.embedding,
                                     affine=config.affine, normalise=config.resolved_normalise(),
                                     init=config.resolved_init(), init_scale=config.init_scale, seed=seed, **extra)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        if kind == "transformer":
            return BASELINES[kind](vocab_size, num_classes, config.hidden, embedding=config.embedding,
                                   layers=config.layers or 2, heads=config.heads)
        return BASELINES[kind](vocab_size, num_classes, config.hidden, embedding=config.embedding,
                               layers=config.layers or 1)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def class_names(task) -> tuple[str, ...]:
    """Names of a task's classes in class-id order: automaton output labels, group element names,
    else ``"0" .. "K-1"``."""
    if hasattr(task, "automaton"):
        return tuple(task.automaton.output_labels)
    if hasattr(task, "group"):
        return tuple(task.group.names)
    return tuple(str(i) for i in range(task.num_classes))


def model_from_weights(weights: WeightFile | str, task=None, dtype=torch.float64) -> FullRNN:
    """A FULL model (one-hot input, normalised states) holding a construction's ``W``,
    ``h0`` and readout.  With ``task``, the readout rows are reordered so that logit ``i`` is the
    task's class ``i`` (matched by name, :func:`class_names`; rows of other labels come after them),
    and the alphabet size must match."""
    wf = load_weights(weights) if not isinstance(weights, WeightFile) else weights
    W = wf.dense_W()
    H, _, D = W.shape
    R = wf.readout
    labels = list(wf.labels)
    if task is not None:
        if task.vocab_size != D:
            raise InputError(f"weights: the file's alphabet has {D} symbols, the task {task.vocab_size}")
        names = class_names(task)
        missing = [c for c in names if c not in labels]
        if missing:
            raise InputError(f"weights: labels {labels[:6]} lack the task's class(es) {missing[:6]}")
        # rows for the task's classes first, in class order; labels the task never produces go last,
        # where an argmax on them (index >= K) never equals a task label: it still counts as wrong
        order = [labels.index(c) for c in names] + [i for i, c in enumerate(labels) if c not in names]
        R = R[order]
        labels = [labels[i] for i in order]
    model = FullRNN(D, len(labels), H, normalise="always", init="gaussian", seed=0)
    with torch.no_grad():
        model.W.data = torch.as_tensor(transitions_of(W).copy())
        model.h0.data = torch.as_tensor(wf.h0.copy())
        model.readout.data = torch.as_tensor(np.asarray(R, dtype=np.float64).copy())
    setattr(model, "labels", tuple(labels))     # a plain attribute (nn.Module types its attributes as tensors)
    return model.to(dtype).eval()
