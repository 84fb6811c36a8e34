# Transactions of the same first-seen second on several hosts (written in shuffled order): the
# order is time, then host, then queue ID, all descending, and a cut by -r through the tie takes
# the first of that order, whichever way the index is searched (the plain sorted query, the walk
# over day terms, the value filters alone). The ClickHouse engine prints the same order
# (tests/clickhouse/run.sh, its golden file is this one's).
export MXTRACE_DB=$DB
"$MXTRACE" index -y 2024 --quiet "$FIXTURES"/ties.log
ids() { awk '/^transaction: / {q = $2} /^host: / {printf "%s@%s ", q, $2} END {print ""}'; }
for mode in plain MXTRACE_FORCE_DAY_TERMS MXTRACE_NO_DAY_TERMS; do
  echo "== $mode"
  for r in 1 2 3 4 5 8 10 11 12 13; do
    printf -- '-r %-2s ' "$r"
    if [ $mode = plain ]; then "$MXTRACE" search -r $r 2>/dev/null | ids
    else env $mode=1 "$MXTRACE" search -r $r 2>/dev/null | ids; fi
  done
  printf -- '-h mxb -r 2 (10:00:00 only): '
  env "${mode/plain/MXTRACE_UNSET}=1" "$MXTRACE" search -r 2 -h mxb -d 2024-03-05T10:00:00 -D 2024-03-05T10:00:00 --utc 2>/dev/null | ids
done
