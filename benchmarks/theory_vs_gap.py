"""``bilinear analyze`` against GAP: wall time and peak memory per group, side by side in one run.

For every group, rounds are interleaved (ours, GAP, ours, GAP, ...); each run is a fresh process
timed by ``/usr/bin/time`` (wall seconds and peak RSS of that process, start-up included).  GAP
computes ``Irr`` and the Frobenius-Schur indicators (``gap -q``); both answers are reduced to the
multiset of (degree, indicator) pairs and compared.  A separate, untimed in-process run of ours
records which stage dominates (parse, invariants, character table, certificate, real
irreducibles, hierarchy level, output).

    python benchmarks/theory_vs_gap.py --rounds 3 --gap-timeout 600 --json results.json --markdown table.md

A fixed reference runs in the same rounds, interleaved with every group (``bilinear analyze Z2003
--json`` by default, ``--reference``): each group's median is also given as a multiple of the
reference's median, which stays interpretable on a loaded machine where the seconds do not.  The
load average at the start and the end of the run is recorded.

Not a test: numbers depend on the machine and its load; compare the ratio, not the seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PSL2_13 = "(3,13,11,9,7,5)(4,14,12,10,8,6);(1,2,9)(3,8,10)(4,5,12)(6,13,14)"
PSL2_37 = ("(3,37,35,33,31,29,27,25,23,21,19,17,15,13,11,9,7,5)(4,38,36,34,32,30,28,26,24,22,20,18,16,14,12,"
           "10,8,6);(1,2,21)(3,20,22)(4,31,10)(5,34,6)(7,14,24)(8,37,36)(9,23,13)(11,38,32)(12,16,17)"
           "(18,28,35)(19,33,29)(25,26,30)")
M11 = "(1,2,3,4,5,6,7,8,9,10,11);(3,7,11,8)(4,10,5,6)"
M12 = "(1,2,3,4,5,6,7,8,9,10,11);(3,7,11,8)(4,10,5,6);(1,12)(2,11)(3,6)(4,8)(5,9)(7,10)"

#: (label, our GROUP argument, GAP expression); generators of PSL(2,q), M11, M12 are GAP's own.
GROUPS = [
    ("Z2003", "Z2003", "CyclicGroup(2003)"),
    ("Z9973", "Z9973", "CyclicGroup(9973)"),
    ("Z100000", "Z100000", "CyclicGroup(100000)"),
    ("Z2^16", "Z2^16", "ElementaryAbelianGroup(2^16)"),
    ("D1009", "D1009", "DihedralGroup(2018)"),
    ("D5000", "D5000", "DihedralGroup(10000)"),
    ("Q8xQ8xQ8", "Q8xQ8xQ8", "DirectProduct(QuaternionGroup(8), QuaternionGroup(8), QuaternionGroup(8))"),
    ("PSL(2,13)", "perm:" + PSL2_13, "PSL(2,13)"),
    ("PSL(2,37)", "perm:" + PSL2_37, "PSL(2,37)"),
    ("S7", "S7", "SymmetricGroup(7)"),
    ("S8", "S8", "SymmetricGroup(8)"),
    ("M11", "perm:" + M11, "MathieuGroup(11)"),
    ("M12", "perm:" + M12, "MathieuGroup(12)"),
]

STAGES = """
import json, sys, time
t = {}
s = time.perf_counter()
from bilinear.theory.groups.parser import parse_group
from bilinear.theory.characters.build import character_table
from bilinear.theory.representations.real_irreps import real_irreducibles
from bilinear.theory.hierarchy.placement import hierarchy_level
from bilinear.theory.hierarchy.analysis import analysis
from bilinear.cli.common import json_text
t["import"] = time.perf_counter() - s
s = time.perf_counter(); G = parse_group(sys.argv[1], max_order=10**6); t["parse"] = time.perf_counter() - s
s = time.perf_counter(); G.summary(); t["invariants"] = time.perf_counter() - s
s = time.perf_counter(); T = character_table(G, certify=False); t["table"] = time.perf_counter() - s
s = time.perf_counter(); T.certify(); t["certificate"] = time.perf_counter() - s
s = time.perf_counter(); T.indicators; real_irreducibles(T); t["real irreducibles"] = time.perf_counter() - s
s = time.perf_counter(); hierarchy_level(T); t["hierarchy level"] = time.perf_counter() - s
s = time.perf_counter(); json_text(analysis(G)); t["output"] = time.perf_counter() - s
print(json.dumps({"stages": t, "method": T.method, "certificate": T.certificate.orthogonality_method}))
"""

GAP_SCRIPT = """G := {expr};;
t := CharacterTable(G);;
irr := Irr(t);;
ind := Indicator(t, 2);;
Print("RESULT ", List(irr, x -> x[1]), " ", ind, "\\n");
QUIT;
"""


def timed(cmd: list[str], timeout: float, env=None) -> dict:
    """Run ``cmd`` under /usr/bin/time; wall seconds, peak RSS (MiB), stdout, or a timeout."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        start = time.perf_counter()
        # coreutils' timeout kills the measured process itself: GAP moves to a process group of its own,
        # so killing /usr/bin/time's group would leave it running
        p = subprocess.Popen(["/usr/bin/time", "-f", "%e %M", "-o", tf.name, "timeout", "-s", "KILL",
                              f"{timeout:.0f}"] + cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=env, start_new_session=True)
        try:
            out, err = p.communicate(timeout=timeout + 30)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
            return {"timeout": True, "wall": time.perf_counter() - start}
        if p.returncode in (124, 137) or "Command terminated by signal 9" in err:
            return {"timeout": True, "wall": time.perf_counter() - start}
        wall, kb = Path(tf.name).read_text().split()[-2:]
    return {"timeout": False, "wall": float(wall), "rss_mib": int(kb) / 1024, "rc": p.returncode,
            "stdout": out, "stderr": err[-2000:]}


def ours_pairs(stdout: str) -> list[tuple[int, int]]:
    info = json.loads(stdout)
    return sorted((int(x["degree"]), int(x["indicator"])) for x in info["irreps"])


def gap_pairs(stdout: str) -> list[tuple[int, int]]:
    m = re.search(r"RESULT\s*\[(.*?)\]\s*\[(.*?)\]", stdout.replace("\\\n", "").replace("\n", " "), re.S)
    if not m:
        raise ValueError(f"no RESULT line in GAP's output: {stdout[-300:]!r}")
    degrees = [int(x) for x in m[1].replace(" ", "").split(",") if x]
    inds = [int(x) for x in m[2].replace(" ", "").split(",") if x]
    return sorted(zip(degrees, inds))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3, help="rounds for groups whose first run is fast")
    ap.add_argument("--slow", type=float, default=60.0, help="a group slower than this (s) gets one round")
    ap.add_argument("--timeout", type=float, default=600.0, help="cut our runs after this many seconds")
    ap.add_argument("--gap-timeout", type=float, default=600.0, help="cut GAP's runs after this many seconds")
    ap.add_argument("--only", nargs="*", help="labels of the groups to run (default all)")
    ap.add_argument("--json", type=Path, help="write all measurements here")
    ap.add_argument("--markdown", type=Path, help="write the results table here")
    ap.add_argument("--reference", default="Z2003", help="GROUP timed in every round as the fixed reference "
                                                         "(default Z2003; '' for none)")
    args = ap.parse_args(argv)
    load_start = os.getloadavg()
    gap = shutil.which("gap")
    bilinear = str(Path(sys.executable).with_name("bilinear"))     # the console script of this environment
    env = dict(os.environ, OMP_NUM_THREADS="1")
    rows = []
    for label, spec, expr in GROUPS:
        if args.only and label not in args.only:
            continue
        with tempfile.NamedTemporaryFile("w", suffix=".g", delete=False) as f:
            f.write(GAP_SCRIPT.format(expr=expr))
            gap_file = f.name
        mine, theirs, refs, agree = [], [], [], None
        rounds = args.rounds
        r = 0
        while r < rounds:
            a = timed([bilinear, "analyze", spec, "--json", "--max-order", "1000000"], args.timeout, env)
            mine.append(a)
            if args.reference:
                refs.append(timed([bilinear, "analyze", args.reference, "--json"], args.timeout, env))
            if gap and (not theirs or not theirs[-1]["timeout"]):
                b = timed([gap, "-q", "--quitonbreak", "-o", "4g", gap_file], args.gap_timeout)
                theirs.append(b)
                if not b["timeout"] and not a["timeout"] and a.get("rc") == 0 and agree is None:
                    agree = ours_pairs(a["stdout"]) == gap_pairs(b["stdout"])
            slow = a["timeout"] or a["wall"] > args.slow or (theirs and (theirs[-1]["timeout"] or
                                                                          theirs[-1]["wall"] > args.slow))
            if r == 0 and slow:
                rounds = 1
            r += 1
            print(f"{label}: ours {a['wall']:.2f} s" + (f", GAP {theirs[-1]['wall']:.2f} s"
                                                        + (" (timeout)" if theirs[-1]["timeout"] else "")
                                                        if theirs else ""), file=sys.stderr, flush=True)
        stages = subprocess.run([sys.executable, "-c", STAGES, spec], capture_output=True, text=True, env=env,
                                timeout=args.timeout)
        if stages.returncode != 0:
            raise SystemExit(f"{label}: the stage-timing run failed:\n{stages.stderr.strip()}")
        st = json.loads(stages.stdout)
        ok = [m for m in mine if not m["timeout"] and m.get("rc") == 0]
        done = [g for g in theirs if not g["timeout"]]
        row = {
            "group": label, "spec": spec, "gap": expr, "rounds": len(mine),
            "ours_s": statistics.median(m["wall"] for m in ok) if ok else None,
            "ours_rss_mib": max(m["rss_mib"] for m in ok) if ok else None,
            "gap_s": statistics.median(g["wall"] for g in done) if done else None,
            "gap_rss_mib": max(g["rss_mib"] for g in done) if done else None,
            "gap_timeout": bool(theirs and not done),
            "agree": agree, "method": st["method"], "certificate": st["certificate"],
            "stages": st["stages"],
            "dominant": max((s for s in st["stages"] if s != "import"), key=st["stages"].get)
            if st["stages"] else None,
        }
        row["ratio"] = row["ours_s"] / row["gap_s"] if row["ours_s"] and row["gap_s"] else None
        ref_ok = [m["wall"] for m in refs if not m["timeout"] and m.get("rc") == 0]
        row["reference"] = args.reference or None
        row["reference_s"] = statistics.median(ref_ok) if ref_ok else None
        row["vs_reference"] = row["ours_s"] / row["reference_s"] if row["ours_s"] and row["reference_s"] else None
        row["load_average_1min"] = os.getloadavg()[0]
        rows.append(row)
        os.unlink(gap_file)
    load = {"start": list(load_start), "end": list(os.getloadavg())}
    if args.json:
        args.json.write_text(json.dumps({"load_average": load, "groups": rows}, indent=2))
    table = markdown(rows, args.gap_timeout) + (f"\nload average (1, 5, 15 min): start {load['start']}, "
                                                f"end {load['end']}\n")
    if args.markdown:
        args.markdown.write_text(table)
    print(table)
    return 0


def markdown(rows, gap_timeout) -> str:
    def f(x, fmt):
        return "—" if x is None else format(x, fmt)
    ref = next((r["reference"] for r in rows if r.get("reference")), None)
    out = ["| group | ours (s) | GAP (s) | ours / GAP | " + (f"{ref} (s) | ours / {ref} | " if ref else "") +
           "ours peak RSS (MiB) | GAP peak RSS (MiB) | rounds | "
           "same degrees and indicators | table / certificate | import (s) | dominant stage (s) | load |",
           "|---|---|---|---|" + ("---|---|" if ref else "") + "---|---|---|---|---|---|---|---|"]
    for r in rows:
        gap = f"> {gap_timeout:.0f} (cut)" if r["gap_timeout"] else f(r["gap_s"], ".2f")
        dom = f"{r['dominant']} ({r['stages'][r['dominant']]:.2f})" if r["dominant"] else "—"
        agree = {True: "yes", False: "NO", None: "—"}[r["agree"]]
        refs = f"{f(r.get('reference_s'), '.2f')} | {f(r.get('vs_reference'), '.2f')} | " if ref else ""
        out.append(f"| {r['group']} | {f(r['ours_s'], '.2f')} | {gap} | {f(r['ratio'], '.2f')} | {refs}"
                   f"{f(r['ours_rss_mib'], '.0f')} | {f(r['gap_rss_mib'], '.0f')} | {r['rounds']} | {agree} | "
                   f"{r['method']} / {r['certificate']} | {f(r['stages'].get('import'), '.2f')} | {dom} | "
                   f"{r['load_average_1min']:.1f} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.exit(main())
