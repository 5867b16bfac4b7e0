"""What every subcommand shares (docs/design.md §11): argument types, the seeds syntax, the flags
that mean the same everywhere (``--json``, ``--out``, ``--group``/``--automaton``, ``--threads``),
and the checks of an output path before any work.

Every message about one argument follows the template of :func:`bilinear.theory.errors.expected`,
``--flag: expected WHAT, got VALUE``; argparse's own messages are rewritten to it by
:class:`bilinear.cli.OneLineParser`.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Callable

from bilinear.theory.errors import MAX_SEED, InputError, check_distinct, check_number, check_seed, expected

__all__ = ["positive_int", "nonnegative_int", "seed", "int_list", "seed_list", "parse_int_list",
           "add_json", "json_text", "add_threads", "add_group_source", "add_group_limits", "add_max_memory",
           "add_max_tokens", "memory_size", "operation_count", "group_source", "check_output_file",
           "check_output_dir", "output_path", "number", "number_list", "parse_name_list",
           "THREADS_HELP", "MAX_LIST"]

THREADS_HELP = ("torch CPU threads (default 1: these models run small kernels per step, where extra "
                "threads only contend; measured on a 2-core machine under load, 2 threads took 21x "
                "longer than 1. Raise it on an idle many-core machine)")


def _int(text: str, minimum: int) -> int:
    what = f"an integer >= {minimum}"
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
    if v < minimum:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
    return v


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    return _int(text, 1)


def nonnegative_int(text: str) -> int:
    """argparse type: an integer >= 0."""
    return _int(text, 0)


def seed(text: str) -> int:
    """argparse type: one seed, an integer in ``[0, MAX_SEED]`` (:func:`bilinear.theory.errors.check_seed`)."""
    try:
        return check_seed("seed", int(text))
    except (ValueError, InputError):
        raise argparse.ArgumentTypeError(f"expected an integer in [0, {MAX_SEED}], got {text!r}") from None


def number(minimum: float | None = None, maximum: float | None = None, open_min: bool = False,
           open_max: bool = False) -> Callable[[str], float]:
    """argparse type: a finite number in the range, checked by the API's own rule
    (:func:`bilinear.theory.errors.check_number`), so ``inf`` and ``nan`` are refused everywhere."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = text                          # type: ignore[assignment]   # refused below, as given
        try:
            return check_number("x", value, minimum, maximum, open_min, open_max)
        except InputError as e:
            raise argparse.ArgumentTypeError(str(e).split(": ", 1)[1].replace(f"got {value!r}", f"got {text!r}")) from None
    parse.__name__ = "number"
    return parse


def parse_name_list(text: str, flag: str) -> list[str]:
    """``"full, rdiag"`` -> ``["full", "rdiag"]``: comma-separated names, none empty and none twice
    (an :class:`InputError` naming ``flag`` otherwise).  The one parser of lists of names (models,
    levels, figures).

    >>> parse_name_list("full, rdiag", "--model")
    ['full', 'rdiag']
    """
    names = [p.strip() for p in text.split(",")]
    if not all(names):
        raise expected(flag, "names separated by commas, none empty", text)
    return check_distinct(flag, names)


def number_list(flag: str, minimum: float | None = None, maximum: float | None = None, open_min: bool = False
                ) -> Callable[[str], list[float]]:
    """argparse type: comma-separated numbers, each as :func:`number`, none twice."""
    one = number(minimum, maximum, open_min)

    def parse(text: str) -> list[float]:
        parts = [p.strip() for p in text.split(",")]
        if not text.strip() or not all(parts):
            raise argparse.ArgumentTypeError(f"expected numbers separated by commas like 3e-3,1e-2, got {text!r}")
        values = [one(p) for p in parts]
        try:
            return check_distinct(flag, values)
        except InputError as e:
            raise argparse.ArgumentTypeError(str(e).split(": ", 1)[1]) from None
    parse.__name__ = "number_list"
    return parse


#: the most values a list option takes (a typo such as 0-99999999 is refused, not expanded)
MAX_LIST = 10_000

INT_LIST_SYNTAX = "integers like 3, 0,1,2 or 0-2 (ranges inclusive, combinable: 0-2,5)"


def parse_int_list(text: str, flag: str, minimum: int = 0, maximum: int = MAX_SEED) -> list[int]:
    """``"3"`` -> ``[3]``; ``"0,1,2"`` and ``"0-2"`` -> ``[0, 1, 2]``; ``"0-2,5"`` -> ``[0, 1, 2, 5]``.
    Anything else (empty, a reversed range, a value outside ``[minimum, maximum]``, a value twice, a
    list of more than :data:`MAX_LIST` values) is an :class:`InputError` naming ``flag``.  The one
    parser of seeds and length lists (docs/design.md §11).

    >>> parse_int_list("0-2,5", "--seed")
    [0, 1, 2, 5]
    """
    out: list[int] = []
    for part in text.split(","):
        lo, sep, hi = part.strip().partition("-")
        try:
            a, b = (int(lo), int(hi)) if sep else (int(lo), int(lo))
        except ValueError:
            raise expected(flag, INT_LIST_SYNTAX, text) from None
        if b < a or a < minimum or b > maximum:
            raise expected(flag, INT_LIST_SYNTAX + f", each in [{minimum}, {maximum}]", text)
        if len(out) + b - a + 1 > MAX_LIST:
            raise expected(flag, f"at most {MAX_LIST} values", text)
        out.extend(range(a, b + 1))
    return check_distinct(flag, out)


def int_list(flag: str, minimum: int = 0) -> Callable[[str], list[int]]:
    """argparse type built on :func:`parse_int_list`."""
    def parse(text: str) -> list[int]:
        try:
            return parse_int_list(text, flag, minimum)
        except InputError as e:
            raise argparse.ArgumentTypeError(str(e).split(": ", 1)[1]) from None
    parse.__name__ = "int_list"
    return parse


def seed_list(text: str) -> list[int]:
    """argparse type: seeds ``0``, ``0,1,2``, ``0-2``."""
    return int_list("--seed")(text)


#: Lists longer than this are written by :func:`json_text` with the C encoder, not item per line.
LONG_LIST = 60


def json_text(obj, long: int = LONG_LIST) -> str:
    """``json.dumps(obj, indent=2)`` for a dict, except that a value which is a list of more than
    ``long`` items is written compactly: a list of objects one item per line, a list of numbers or
    strings on one line.  The same JSON (``json.loads`` gives ``obj`` back), made by the C encoder
    where it is long: ``indent=`` alone falls back to the pure-Python encoder, which dominated the
    output of groups with ``10^5`` characters.

    >>> print(json_text({"order": 2, "irreps": [{"degree": 1}] * 3, "sizes": [1, 1]}, long=2))
    {
      "order": 2,
      "irreps": [
        {"degree": 1},
        {"degree": 1},
        {"degree": 1}
      ],
      "sizes": [
        1,
        1
      ]
    }
    """
    import json
    if not isinstance(obj, dict):
        return json.dumps(obj, indent=2)
    parts = []
    for key, value in obj.items():
        head = f"  {json.dumps(key)}: "
        if isinstance(value, list) and len(value) > long:
            text = json.dumps(value)                       # one call of the C encoder
            if all(isinstance(x, dict) for x in value) and text.count("}, {") == len(value) - 1:
                # exactly the item boundaries (no string holds "}, {"): one item per line
                text = "[\n    " + text[1:-1].replace("}, {", "},\n    {") + "\n  ]"
            parts.append(head + text)
        else:
            parts.append(head + json.dumps(value, indent=2).replace("\n", "\n  "))
    return "{\n" + ",\n".join(parts) + "\n}" if parts else "{}"


def add_json(p: argparse.ArgumentParser, what: str = "the result") -> None:
    p.add_argument("--json", action="store_true", help=f"print {what} as JSON (machine-readable)")


def add_threads(p) -> None:
    p.add_argument("--threads", type=positive_int, default=1, help=THREADS_HELP)


def memory_size(text: str) -> int:
    """argparse type: a memory size, ``2G``, ``512M``, ``1.5GiB`` or bytes
    (:func:`bilinear.theory.resources.parse_memory`)."""
    from bilinear.theory.resources import parse_memory
    try:
        return parse_memory(text)
    except InputError as e:
        raise argparse.ArgumentTypeError(str(e).split(": ", 1)[1]) from None


def operation_count(text: str) -> int:
    """argparse type: a positive whole number, also written like ``1e10``.

    >>> operation_count("1e10"), operation_count("2500")
    (10000000000, 2500)
    """
    import decimal
    try:
        v = decimal.Decimal(text.strip())
    except decimal.InvalidOperation:
        v = decimal.Decimal(0)
    if not v.is_finite() or v < 1 or v != v.to_integral_value():
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1 like 10000000000 or 1e10, got {text!r}")
    return int(v)


def add_max_memory(p) -> None:
    """``--max-memory`` and ``--max-work``, declared here once for every subcommand; :func:`bilinear.main`
    applies them to every estimate checked while the subcommand runs
    (:func:`bilinear.theory.resources.memory_limit`)."""
    from bilinear.theory.resources import DEFAULT_MAX_MEMORY, DEFAULT_MAX_WORK, format_bytes
    p.add_argument("--max-memory", type=memory_size, metavar="SIZE",
                   help=f"refuse, before it starts, work whose estimated memory exceeds this (e.g. 8G; default "
                        f"{format_bytes(DEFAULT_MAX_MEMORY)}; the interpreter and torch come on top)")
    p.add_argument("--max-work", type=operation_count, metavar="N",
                   help=f"refuse, before it starts, an exact computation (the one-step certificate) estimated at "
                        f"more than N coefficient operations (default {DEFAULT_MAX_WORK:.0e}, a few minutes)")


def add_max_tokens(p, what: str = "--n x --length") -> None:
    """``--max-tokens``, declared here once for every subcommand that makes sequences."""
    from bilinear.verify.tasks.base import DEFAULT_MAX_TOKENS
    p.add_argument("--max-tokens", type=positive_int,
                   help=f"refuse {what} above this many tokens (default {DEFAULT_MAX_TOKENS}: about 0.4 GB of memory)")


def add_group_limits(p) -> None:
    """``--max-order`` and ``--max-degree``, declared here once for every subcommand that parses a
    group (from its arguments or from a file); :func:`bilinear.main` applies them to every group
    parsed while the subcommand runs (:func:`bilinear.theory.groups.group.group_limits`).  With
    them, ``--max-memory`` (:func:`add_max_memory`)."""
    from bilinear.theory.groups.limits import DEFAULT_MAX_DEGREE, DEFAULT_MAX_ORDER
    p.add_argument("--max-order", type=positive_int,
                   help=f"refuse groups above this order (default {DEFAULT_MAX_ORDER})")
    p.add_argument("--max-degree", type=positive_int,
                   help=f"refuse permutation groups on more points than this (default {DEFAULT_MAX_DEGREE})")
    add_max_memory(p)


def add_group_source(p, positional: bool = True, automaton: bool = True) -> None:
    """The same ways to name what to analyse, build or sample everywhere: ``GROUP`` (positional,
    where the command has no other positional) or ``--group GROUP``, and ``--automaton FILE.json``;
    with the group limits of :func:`add_group_limits`."""
    from bilinear.theory.groups.parser import GROUP_SYNTAX
    if positional:
        p.add_argument("group_arg", metavar="GROUP", nargs="?", help=f"the group: {GROUP_SYNTAX}")
    p.add_argument("--group", help="the group (same as the positional GROUP), e.g. S5, A4xZ5, 'perm:(1,2,3);(1,2)'")
    if automaton:
        p.add_argument("--automaton", metavar="FILE.json", help="an automaton file (docs/design.md §11)")
    add_group_limits(p)


def group_source(args, required: bool = True) -> tuple[str | None, str | None]:
    """``(group, automaton_file)`` from :func:`add_group_source`'s flags; at most one of them
    (exactly one if ``required``); the positional and ``--group`` may not both be given."""
    positional = getattr(args, "group_arg", None)
    if positional is not None and args.group is not None and positional != args.group:
        raise InputError(f"--group: expected the group once (GROUP or --group), got {positional!r} and {args.group!r}")
    group = positional if positional is not None else args.group
    automaton = getattr(args, "automaton", None)
    if group is not None and automaton is not None:
        raise InputError("--automaton: expected exactly one of GROUP or --automaton FILE.json, got both")
    if required and group is None and automaton is None:
        if hasattr(args, "automaton"):
            raise InputError("GROUP: expected exactly one of GROUP or --automaton FILE.json, got neither")
        raise InputError("GROUP: expected a group (GROUP or --group), got none")
    return group, automaton


def output_path(text: str) -> str:
    """argparse type of every output file or folder flag: a non-empty path (``--out ''`` is refused,
    not read as "no output")."""
    if not text.strip() or "\0" in text:
        raise argparse.ArgumentTypeError(f"expected a file or folder path, got {text!r}")
    return text


def _first_existing(folder: str) -> str:
    while not os.path.exists(folder):
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return folder


def _check_parents(flag: str, path: str) -> None:
    """The folder that will hold ``path`` (its nearest existing ancestor: the rest is created when
    writing) is a folder in which a file can be created: tried by creating and removing an empty
    file, so a read-only file system is caught too, and for every user (``os.access`` says yes to
    root everywhere)."""
    folder = os.path.dirname(os.path.realpath(path))
    existing = _first_existing(folder)
    if not os.path.isdir(existing):
        raise InputError(f"{flag}: expected a path whose folders can be created, got {path!r} "
                         f"({existing} is not a folder)")
    try:
        fd, probe = tempfile.mkstemp(dir=existing, prefix=".bilinear-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise InputError(f"{flag}: expected a path in a writable folder, got {path!r} "
                         f"({existing} is not writable: {e.strerror or e})") from None


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def check_output_file(flag: str, path: str, suffix: str | None = None, inputs: tuple[str, ...] = ()) -> None:
    """Refuse, before any work, an output file that cannot be written: a folder, a wrong suffix, a
    parent that is a file or not writable, or one of the command's ``inputs`` (writing there would
    replace what was read).  Missing parent folders are fine: the atomic writer
    (:func:`bilinear.theory.files.atomic_path`) creates them when it writes; a symbolic link is
    written through to its target."""
    if suffix is not None and not path.endswith(suffix):
        raise InputError(f"{flag}: expected a {suffix} file name, got {path!r}")
    if os.path.isdir(path):
        raise InputError(f"{flag}: expected a file name, got {path!r} (a folder)")
    for source in inputs:
        if _same_file(path, source):
            raise InputError(f"{flag}: expected a file other than the input {source!r}, got {path!r} "
                             "(writing it would replace the input)")
    _check_parents(flag, path)


def check_output_dir(flag: str, path: str) -> None:
    """Refuse, before any work, an output folder that exists as a file or cannot be created or
    written."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise InputError(f"{flag}: expected a folder, got {path!r} (exists and is not a directory)")
    _check_parents(flag, os.path.join(path, "x"))
