#!/usr/bin/env bash
# The sweep behind the page of the paper's experiment tables (README.md, measured results): the
# reference paper's tables (modular addition, random automata, modular arithmetic at test length
# 500) on a 2-core CPU, cut down:
#   - bilinear levels and LSTM: quick preset (H=64), 2000 steps, one learning rate (1e-2), seeds 0-2;
#   - Mamba-like SSM and Transformer with 1, 2 and 4 layers: 1000 steps, lr 3e-3, seed 0 only.
# Random automata: bilinear.theory.automata.automaton.random_automaton(states, 3 symbols, automaton_seed 0).
# Modular arithmetic: mod 5, standard precedence, odd lengths only (so 3..501).
#
#   benchmarks/paper_tables_sweep.sh OUT [extra `bilinear train` flags, e.g. --launcher submitit]
#   python benchmarks/paper_tables.py OUT/tables_* --out PAGE.md
#
# Each step writes OUT/<dir>/results.json and results.md and resumes from OUT/<dir>/checkpoints
# when run again.  `time` prints each step's wall and CPU (user + sys) time on standard error.
# The baselines' layer counts run in the order 1, 4, 2, as in the recorded sweep (the records in
# docs/results_paper_tables/ come from these commands, run from one frozen checkout, interrupted
# once after tables_A1 and resumed with the same arguments; docs/results_paper_tables.md says how).
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: $0 OUT [extra bilinear train flags]" >&2
  exit 2
fi
out=$1
shift
mkdir -p "$out"
cd "$out"
tasks=(--task modadd:m=2 --task modadd:m=3 --task modadd:m=5 --task modadd:m=10 --task modadd:m=25
       --task modadd:m=50 --task automaton:states=2,symbols=3 --task automaton:states=5,symbols=3
       --task automaton:states=10,symbols=3 --task automaton:states=25,symbols=3)
lengths=2-10,20,50,100,200,500
odd_lengths=3,5,7,9,21,51,101,201,501
levels=full,cp,block,rot,cdiag,rdiag,pdiag,lstm
set -x
time bilinear train --preset quick "${tasks[@]}" --model $levels --seed 0-2 --steps 2000 --lr 1e-2 \
  --test-lengths $lengths --jobs 2 --out tables_A1 --quiet "$@"
time bilinear train --preset quick --task modarith:m=5 --model $levels --seed 0-2 --steps 2000 --lr 1e-2 \
  --test-lengths $odd_lengths --jobs 2 --out tables_A2 --quiet "$@"
for layers in 1 4 2; do
  time bilinear train --preset quick "${tasks[@]}" --model mamba,transformer --layers $layers --seed 0 \
    --steps 1000 --lr 3e-3 --test-lengths $lengths --jobs 2 --out tables_B_L$layers --quiet "$@"
  time bilinear train --preset quick --task modarith:m=5 --model mamba,transformer --layers $layers --seed 0 \
    --steps 1000 --lr 3e-3 --test-lengths $odd_lengths --jobs 2 --out tables_B2_L$layers --quiet "$@"
done
echo ALLDONE
