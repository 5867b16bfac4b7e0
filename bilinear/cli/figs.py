"""``bilinear figs``: draw the figures (docs/design.md §12) from committed records and from theory.

    bilinear figs                       # every figure into docs/figures (PDF + PNG) and its README
    bilinear figs --quick --out /tmp/f  # small fresh computations instead of the recorded ones
    bilinear figs --only parity,sizes --json

The figures are listed in :mod:`bilinear.paper_figs.registry`; each is one module of ``paper_figs/``.
Progress goes to standard error; ``--json`` prints, per figure, the files written, the inputs read
and the plotted data.
"""

from __future__ import annotations

import json
import sys

from bilinear.cli.common import add_json, check_output_dir, output_path, parse_name_list


def add_parser(sub):
    from bilinear.paper_figs.registry import FIGURES
    p = sub.add_parser("figs", help="draw the figures (PDF and PNG) from committed records and theory",
                       description="Draw every figure of docs/figures (or those of --only) from the committed "
                                   "run records under docs/ and from computations in theory/, as PDF and PNG, "
                                   "and write the gallery's README.md. Figures: " + ", ".join(FIGURES) + ".")
    p.add_argument("--quick", action="store_true",
                   help="re-run small fresh computations (minimal sizes, exactness horizons, fewer Monte-Carlo "
                        "samples) instead of reading their committed records")
    p.add_argument("--out", type=output_path, metavar="DIR", help="output folder (default docs/figures of the repository; created if missing)")
    p.add_argument("--only", metavar="NAME[,NAME...]", help="draw only these figures (" + ", ".join(FIGURES) + ")")
    p.add_argument("--training", metavar="PATH",
                   help="training records for the accuracy figure: a results.json of bilinear train --out, or a "
                        "folder of them (default docs/results_paper_tables/ when present, else "
                        "docs/results_training/claims_quick_10k.json)")
    p.add_argument("--update-records", action="store_true",
                   help="first recompute the committed records the figures draw from (docs/figures/data/*.json; "
                        "minutes: trains a small model) at full size")
    add_json(p, "per figure the files, the inputs and the plotted data")
    p.set_defaults(run=run)


def run(args) -> int:
    from bilinear.paper_figs import records
    from bilinear.paper_figs.gallery import write_readme
    from bilinear.paper_figs.registry import check_names, draw, update_records

    selected = check_names(parse_name_list(args.only, "--only") if args.only is not None else None)
    out = args.out if args.out is not None else str(records.FIGURES_DIR)
    check_output_dir("--out", out)
    sources = {}
    if args.training is not None:
        import os
        if not os.path.exists(args.training):
            from bilinear.theory.errors import expected
            raise expected("--training", "a results.json file or a folder of them", args.training)
        records.training_runs(args.training)          # refused before anything is drawn
        sources["accuracy"] = args.training
    if args.update_records:
        update_records(selected)
    results = draw(out, selected, quick=args.quick, sources=sources)
    readme = write_readme(out)
    print(f"figs: wrote {readme}", file=sys.stderr)
    if args.json:
        sys.stdout.write(json.dumps({"out": out, "quick": bool(args.quick), "figures": results}, indent=1) + "\n")
    else:
        for r in results:
            print(f"{r['name']}: {', '.join(r['files'])}")
    return 0
