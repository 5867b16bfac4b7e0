"""The ``bilinear`` command: argument parsing only; the work is done by the packages.

Each subcommand lives in its own module with ``add_parser(subparsers)`` and ``run(args)``, listed in
:data:`SUBCOMMANDS`.  Exit codes (docs/design.md §11): 0 success; 1 a negative mathematical verdict
(a :class:`bilinear.theory.errors.MathematicalError`: not certified, a theorem check that fails, a
level that cannot track the object); 2 bad input, usage or a refused resource
(:class:`bilinear.theory.errors.InputError`, argparse errors, unreadable or unwritable files, a size
above a limit, memory exhausted), as one line ``bilinear <cmd>: error: --flag: expected ..., got ...``
on standard error; 130 interrupted.  Anything else is a bug: one line ``internal error`` and exit 3
(``BILINEAR_TRACEBACK=1`` re-raises it with its traceback).
"""

from __future__ import annotations

import argparse
import os
import re
import sys

from bilinear.theory.errors import BilinearError, MathematicalError, NotRealizableError
from bilinear.theory.version import __version__

from bilinear.cli.encoding import degrade_streams
from bilinear.cli import analyze, bench, certify, construct, export, figs, prove, recover, simulate, task, train

__all__ = ["main", "build_parser", "SUBCOMMANDS", "OneLineParser", "EXIT_OK", "EXIT_NEGATIVE", "EXIT_USAGE",
           "EXIT_BUG", "EXIT_INTERRUPTED"]

EXIT_OK, EXIT_NEGATIVE, EXIT_USAGE, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

SUBCOMMANDS = [analyze, task, construct, certify, simulate, prove, train, recover, export, bench, figs]


_ARGPARSE_REWRITES = (
    # argparse's wording -> the template of bilinear.theory.errors.expected: "--flag: expected ..., got ..."
    (re.compile(r"^argument ([^:]+): invalid choice: (.+?) \(choose from (.*)\)$", re.S),
     lambda m: f"{m[1]}: expected one of {m[3].replace(chr(39), '')}, got {m[2]}"),
    (re.compile(r"^argument ([^:]+): invalid (int|float) value: (.*)$", re.S),
     lambda m: f"{m[1]}: expected {'an integer' if m[2] == 'int' else 'a number'}, got {m[3]}"),
    (re.compile(r"^argument ([^:]+): (.*)$", re.S), lambda m: f"{m[1]}: {m[2]}"),
)


def usage_message(message: str) -> str:
    """argparse's error ``message`` in the toolkit's one-line template."""
    for pattern, rewrite in _ARGPARSE_REWRITES:
        m = pattern.match(message)
        if m:
            message = rewrite(m)
            break
    return " ".join(message.split())


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line: ``bilinear <cmd>: error: --flag: expected ..., got ...``."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {usage_message(message)} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="bilinear",
                           description="Exact constructions, proofs and training for bilinear RNNs "
                                       "h_t = A(x_t) h_{t-1} and state tracking.",
                           epilog="exit status: 0 success; 1 a negative mathematical verdict (not certified, "
                                  "a theorem check that fails, a level that cannot track the object); 2 bad "
                                  "input, usage or a refused resource; 3 a bug in the toolkit; 130 interrupted.")
    parser.add_argument("--version", action="version", version=f"bilinear-states {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    sub.required = True
    for module in SUBCOMMANDS:
        module.add_parser(sub)
    return parser


def main(argv=None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); return the exit status (usage
    errors, ``--help`` and ``--version`` return it too instead of raising ``SystemExit``)."""
    degrade_streams()
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:                      # reported by the subcommand's parser: "bilinear <cmd>: error: ..."
            _subparsers(parser)[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else EXIT_USAGE
    try:
        from bilinear.theory.groups.limits import group_limits
        from bilinear.theory.resources import memory_limit
        with group_limits(getattr(args, "max_order", None), getattr(args, "max_degree", None)), \
                memory_limit(getattr(args, "max_memory", None), getattr(args, "max_work", None)):
            return int(args.run(args) or EXIT_OK)
    except NotRealizableError as e:
        print(f"bilinear {args.command}: cannot track: {_one_line(e)}", file=sys.stderr)
        return EXIT_NEGATIVE
    except MathematicalError as e:
        print(f"bilinear {args.command}: does not hold: {_one_line(e)}", file=sys.stderr)
        return EXIT_NEGATIVE
    except BilinearError as e:
        print(f"bilinear {args.command}: error: {_one_line(e)}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as e:
        if isinstance(e, BrokenPipeError):
            return EXIT_OK
        where = f" {e.filename}:" if getattr(e, "filename", None) else ""
        print(f"bilinear {args.command}: error:{where} {_one_line(e.strerror or e)}", file=sys.stderr)
        return EXIT_USAGE
    except MemoryError:
        print(f"bilinear {args.command}: error: out of memory: the sizes asked for do not fit this machine "
              "(lower them)", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"bilinear {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as e:                  # a bug: one line and its own exit status, never a traceback
        if os.environ.get("BILINEAR_TRACEBACK") == "1":
            raise
        print(f"bilinear {args.command}: internal error (a bug in the toolkit; BILINEAR_TRACEBACK=1 shows "
              f"where): {type(e).__name__}: {_one_line(e)}", file=sys.stderr)
        return EXIT_BUG


def _one_line(e) -> str:
    return " ".join(str(e).split())


def _subparsers(parser: argparse.ArgumentParser) -> dict:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)
