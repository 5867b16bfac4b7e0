"""The ``bilinear`` command: argument parsing only; the work is done by the packages.

Each subcommand lives in its own module with ``add_parser(subparsers)`` and ``run(args)``.  Errors
caused by bad input (:class:`theory.errors.InputError`, missing files) print one line on stderr
and exit with status 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import sys

from theory.errors import BilinearError

from . import analyze, certify, construct, export, prove, recover, simulate, task, train

__all__ = ["main", "build_parser"]

SUBCOMMANDS = [analyze, task, construct, certify, simulate, prove, train, recover, export]


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line: ``bilinear <cmd>: error: ...``."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="bilinear",
                           description="Exact constructions, proofs and training for bilinear RNNs "
                                       "h_t = A(x_t) h_{t-1} and state tracking.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    sub.required = True
    for module in SUBCOMMANDS:
        module.add_parser(sub)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except BilinearError as e:
        print(f"bilinear {args.command}: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        if isinstance(e, BrokenPipeError):
            return 0
        where = f" {e.filename}" if getattr(e, "filename", None) else ""
        print(f"bilinear {args.command}: error:{where} {e.strerror or e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"bilinear {args.command}: interrupted", file=sys.stderr)
        return 130
