#!/usr/bin/env bash
# CSV import of 20 000 meeting rows into a fresh store (no ids: each row's id
# hashed from its key), again (all unchanged), and again as GB18030.
#   SC_SOURCE_DIR=$PWD SC_BIN_DIR=$PWD/build bash tests/bench/import_csv.sh
e2e_init bench_import
client_new amain schoolA main
awk 'BEGIN { print "type,meeting_date,title,attendees,minutes";
  for (i = 1; i <= 20000; i++) printf "guard,2026-03-%02d,\"Bulk meeting %d, gate\",%d,\"minutes of %d\"\r\n", i % 28 + 1, i, i % 90, i }' >"$T/big.csv"
iconv -f UTF-8 -t GB18030 "$T/big.csv" >"$T/big-gb.csv"
for run in first again; do s=$(date +%s.%N); sc amain import meeting "$T/big.csv" >"$T/o" 2>/dev/null; e=$(date +%s.%N); echo "import 20000 rows ($run): $(echo "$e - $s" | bc) s: $(cat "$T/o")"; done
s=$(date +%s.%N); sc amain import meeting "$T/big-gb.csv" >"$T/o" 2>/dev/null; e=$(date +%s.%N); echo "import 20000 rows GB18030 (again): $(echo "$e - $s" | bc) s: $(cat "$T/o")"
e2e_done
