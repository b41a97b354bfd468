#!/usr/bin/env bash
# Ctrl-C on the embedded model mid-answer: seconds from SIGINT to the process's exit.
# Usage: bash benchmarks/ctrl_c.sh [SECONDS_BEFORE_SIGINT ...]   (default: 6 15 25)
set -u
cd "$(dirname "$0")/.."
for wait_s in "${@:-6 15 25}"; do
  for w in $wait_s; do
    home=$(mktemp -d)
    CLEARANCE_HOME=$home .venv/bin/clearance eval run starter-safety --model gguf/smollm2-135m \
      --max-tokens 3000 --limit 4 >/dev/null 2>"$home/stderr" &
    pid=$!
    sleep "$w"
    t0=$(date +%s.%N); kill -INT "$pid"; wait "$pid"; rc=$?; t1=$(date +%s.%N)
    python3 -c "print('after %ss: exit %s in %.2f s' % ('$w', '$rc', $t1 - $t0))"
    tail -2 "$home/stderr"
    rm -rf "$home"
  done
done
