"""The theorem-as-a-check framework.

A :class:`Theorem` is a named mathematical statement together with a program that checks it.  It
records the statement (plain text and LaTeX), its assumptions stated exactly, the proof argument in
words, and the *kind* of check (:class:`CheckKind`):

* ``symbolic identity`` -- a sympy identity with symbolic parameters, verified by expansion;
* ``exhaustive finite check`` -- every case of a finite family is verified exactly;
* ``certificate-producing algorithm`` -- an algorithm emits certificates (e.g. a length at which a
  model is wrong) and every certificate is re-verified exactly by independent code;
* ``exact witness`` -- an explicit object (a counterexample) is exhibited and verified exactly;
* ``Monte-Carlo estimate`` -- a seeded estimate must agree with the formula within a stated
  confidence interval.

The checking program is a plain function (the theorem's ``checker``) that takes no argument, returns
a JSON-able ``dict`` of details, and **raises** :class:`~bilinear.theory.errors.MathematicalError` when the
claim does not hold.  Each theorem module also exposes the parameterised functions the checker calls,
so that tests can feed them broken variants and see them rejected.  Statement, assumptions and proof
are explicit strings (never read from docstrings, so ``python -OO`` runs the same checks).

Status semantics (the contract every caller relies on; docs/design.md §5):

* ``"proved"``    -- the check establishes the statement as stated, for all sizes: an exact
  witness of an existential statement, or an identity checked with every size symbolic.  The
  theorem's ``checked_range`` is ``None``.
* ``"checked"``   -- the statement is general (every ``H``, every model, every group) but the check
  covers a finite range exactly: sizes ``H <= 6, D <= 3``, a list of groups or machines, seeded
  random instances.  ``checked_range`` says which, and is copied into the result's details; the
  general statement rests on the written proof.
* ``"estimated"`` -- a Monte-Carlo check passed (the formula lies in the stated confidence interval).
* ``"failed"``    -- the checker raised :class:`MathematicalError`; the result's ``message`` says why.

A certificate-producing or Monte-Carlo check runs on instances, so such a theorem must declare its
``checked_range`` (:class:`Theorem` refuses one without).

A failure is loud: :meth:`Theorem.check` raises :class:`TheoremFailure` (a :class:`MathematicalError`
carrying the failed :class:`TheoremResult`).  :meth:`Theorem.attempt` returns the failed result
instead, for callers that report every theorem (``bilinear prove``), which then exit non-zero.
Any other exception is a bug and propagates from both.

Example::

    >>> import sympy
    >>> t = Theorem(name="demo.square", title="squares are non-negative",
    ...             statement="x*x - x**2 = 0", latex=r"x\\cdot x - x^2 = 0",
    ...             assumptions=("x real",), proof="expand", kind=CheckKind.SYMBOLIC,
    ...             checker=lambda: {"residual": str(sympy.expand(sympy.Symbol('x')**2 - sympy.Symbol('x')**2))})
    >>> t.check().status
    'proved'
    >>> from dataclasses import replace
    >>> r = replace(t, checked_range="x in {0, 1}").check()
    >>> r.status, r.details["checked_range"]
    ('checked', 'x in {0, 1}')
"""

from __future__ import annotations

import enum
import re
import time
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Mapping

from bilinear.theory.errors import InputError, MathematicalError

__all__ = ["CheckKind", "Theorem", "TheoremResult", "TheoremFailure", "PROVED", "CHECKED", "ESTIMATED",
           "FAILED", "freeze"]

PROVED = "proved"
CHECKED = "checked"
ESTIMATED = "estimated"
FAILED = "failed"

_NAME = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")


class CheckKind(str, enum.Enum):
    """How a theorem is checked; the value is the human-readable name printed by ``bilinear prove``."""

    SYMBOLIC = "symbolic identity"
    EXHAUSTIVE = "exhaustive finite check"
    CERTIFICATE = "certificate-producing algorithm"
    WITNESS = "exact witness"
    MONTE_CARLO = "Monte-Carlo estimate"

    @property
    def runs_on_instances(self) -> bool:
        """Whether the check runs on instances (certificates, samples), so covers a finite range only."""
        return self in (CheckKind.CERTIFICATE, CheckKind.MONTE_CARLO)

    def __str__(self) -> str:
        return self.value


def freeze(obj: Any) -> Any:
    """A read-only deep copy of a details tree: dicts become mappingproxies, lists become tuples."""
    if isinstance(obj, Mapping):
        return MappingProxyType({str(k): freeze(v) for k, v in obj.items()})
    if isinstance(obj, (list, tuple)):
        return tuple(freeze(v) for v in obj)
    return obj


def _thaw(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {k: _thaw(v) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return [_thaw(v) for v in obj]
    return obj


@dataclass(frozen=True)
class TheoremResult:
    """The outcome of one check: ``status`` is ``"proved"``, ``"checked"``, ``"estimated"`` or ``"failed"``."""

    name: str
    kind: CheckKind
    status: str
    seconds: float
    details: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status != FAILED

    def to_dict(self) -> dict:
        """JSON-able form (what ``bilinear prove --json`` prints for each theorem)."""
        return {"name": self.name, "kind": self.kind.value, "status": self.status,
                "seconds": round(self.seconds, 4), "message": self.message, "details": _thaw(self.details)}


class TheoremFailure(MathematicalError):
    """A theorem's check failed; ``.result`` is the failed :class:`TheoremResult`."""

    def __init__(self, result: TheoremResult):
        super().__init__(f"theorem {result.name} failed: {result.message}")
        self.result = result


@dataclass(frozen=True)
class Theorem:
    """A named statement with an exact (or Monte-Carlo) check.

    ``name`` is a dotted lower-case identifier (``containment.pdiag_in_rdiag``) used by
    ``bilinear prove --only``; ``checker()`` returns a details dict or raises
    :class:`MathematicalError`.  ``checked_range`` is the finite range the check covers (``"H <= 6,
    D <= 3"``, ``"19 catalogue groups"``), or ``None`` when the check establishes the whole
    statement; it decides :attr:`passing_status`.  ``scope`` says in words why the check does or does
    not cover every size (a proof for all sizes, a certificate-producing algorithm for given objects, an
    estimate); ``steps`` is the reduction of a proof (lemma -> identity -> induction, each with where in
    the code it is checked) and ``latex_proof`` a short proof in LaTeX (``bilinear prove --show`` and
    ``--latex`` print them).
    """

    name: str
    title: str
    statement: str
    latex: str
    assumptions: tuple[str, ...]
    proof: str
    kind: CheckKind
    checker: Callable[[], dict] = field(repr=False, compare=False)
    checked_range: str | None = None
    scope: str | None = None
    steps: tuple[str, ...] = ()
    latex_proof: str | None = None

    def __post_init__(self):
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise InputError(f"theorem name must be dotted lower-case words, got {self.name!r}")
        if not isinstance(self.kind, CheckKind):
            raise InputError(f"theorem {self.name}: kind must be a CheckKind, got {self.kind!r}")
        if not isinstance(self.assumptions, tuple) or not all(isinstance(a, str) for a in self.assumptions):
            raise InputError(f"theorem {self.name}: assumptions must be a tuple of strings")
        for attr in ("title", "statement", "latex", "proof"):
            if not isinstance(getattr(self, attr), str) or not getattr(self, attr).strip():
                raise InputError(f"theorem {self.name}: {attr} must be a non-empty string")
        if not callable(self.checker):
            raise InputError(f"theorem {self.name}: checker must be callable")
        if self.checked_range is not None and (not isinstance(self.checked_range, str)
                                               or not self.checked_range.strip()):
            raise InputError(f"theorem {self.name}: checked_range must be None or a non-empty string")
        for attr in ("scope", "latex_proof"):
            if getattr(self, attr) is not None and (not isinstance(getattr(self, attr), str)
                                                    or not getattr(self, attr).strip()):
                raise InputError(f"theorem {self.name}: {attr} must be None or a non-empty string")
        if not isinstance(self.steps, tuple) or not all(isinstance(a, str) and a.strip() for a in self.steps):
            raise InputError(f"theorem {self.name}: steps must be a tuple of non-empty strings")
        if self.kind.runs_on_instances and self.checked_range is None:
            raise InputError(f"theorem {self.name}: a {self.kind.value} runs on instances; "
                             "checked_range must say which")

    @property
    def passing_status(self) -> str:
        """The status a passing check reports: ``"estimated"`` (Monte Carlo), ``"checked"`` (a finite
        range, :attr:`checked_range`) or ``"proved"`` (the whole statement)."""
        if self.kind is CheckKind.MONTE_CARLO:
            return ESTIMATED
        return PROVED if self.checked_range is None else CHECKED

    def attempt(self) -> TheoremResult:
        """Run the check; a :class:`MathematicalError` becomes a ``"failed"`` result (other errors propagate)."""
        start = time.perf_counter()
        try:
            details = self.checker()
        except MathematicalError as e:
            return TheoremResult(self.name, self.kind, FAILED, time.perf_counter() - start,
                                 freeze({}), message=str(e) or type(e).__name__)
        seconds = time.perf_counter() - start
        if not isinstance(details, Mapping):
            raise TypeError(f"checker of {self.name} returned {type(details).__name__}, expected a dict")
        if self.checked_range is not None:
            details = {**details, "checked_range": self.checked_range}
        return TheoremResult(self.name, self.kind, self.passing_status, seconds, freeze(details))

    def check(self) -> TheoremResult:
        """Run the check and return the passing result; raise :class:`TheoremFailure` if it fails."""
        result = self.attempt()
        if not result.ok:
            raise TheoremFailure(result)
        return result

    def describe(self) -> dict:
        """The statement part (no check run): name, title, kind, the status a passing check reports and
        the range it covers, statement, LaTeX, assumptions, proof, scope, reduction steps, LaTeX proof."""
        return {"name": self.name, "title": self.title, "kind": self.kind.value, "status": self.passing_status,
                "checked_range": self.checked_range, "statement": self.statement, "latex": self.latex,
                "assumptions": list(self.assumptions), "proof": self.proof, "scope": self.scope,
                "steps": list(self.steps), "latex_proof": self.latex_proof}
