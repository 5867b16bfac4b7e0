#!/usr/bin/env bash
# The cells that show whether the defaults reach the theory, run ahead of their sweep steps for seeds 1 and 2 (and the
# 25-state automaton's FULL cell for seeds 0-2), with the options of benchmarks/paper_tables_sweep.py's
# cpu protocol, so that each run has the same identity and the sweep's steps later find it finished.
#     bash docs/results_paper_tables_10k/run_priority.sh RUNS        # RUNS: the sweep's folder
# Run it from the checkout the sweep runs from (the records name its commit).
set -euo pipefail
OUT=${1:?usage: run_priority.sh RUNS}
export OMP_NUM_THREADS=1
C="--preset quick --lr 1e-2,3e-3 --test-n 200 --test-lengths 2-10,20,50,100,150,200,300,500,700,1000,1500,2000 --jobs 1 --quiet"
for s in 1 2; do
  echo "[$(date '+%F %T')] priority modadd_s$s"
  nice -n 5 bilinear train $C --task modadd:m=3 --task modadd:m=5 --task modadd:m=10 --task modadd:m=25 --task modadd:m=50 \
     --model full,block,rot,cdiag --seed "$s" --steps 10000 --out "$OUT/modadd_s$s"
done
for s in 1 2 0; do
  echo "[$(date '+%F %T')] priority automaton_s$s"
  nice -n 5 bilinear train $C --task automaton:states=25,symbols=3 --model full --seed "$s" --steps 30000 --out "$OUT/automaton_s$s"
done
echo "[$(date '+%F %T')] priority done"
