#!/bin/bash
# Runs the recipes listed in queue.txt one after another (one thread, nice 5): a line is
# "NAME ARGS..." (train_torch.py arguments); a finished run's log is runs/NAME.jsonl. Lines may be
# appended while it runs; a line starting with # is skipped; it stops at the file STOP.
cd "$(dirname "$0")"
done_list=runs/.done
touch "$done_list"
while [ ! -f STOP ]; do
  line=$(grep -v '^#' queue.txt | grep -v '^\s*$' | while read -r n rest; do grep -qx "$n" "$done_list" || { echo "$n $rest"; break; }; done)
  [ -z "$line" ] && { sleep 20; continue; }
  name=${line%% *}; args=${line#* }
  echo "$(date +%T) start $name $args"
  nice -n 5 env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 /usr/bin/python3 train_torch.py --data data --out runs/$name.jsonl $args > runs/$name.out 2>&1
  rc=$?; echo "$(date +%T) end $name rc=$rc"
  echo "$name" >> "$done_list"
done
