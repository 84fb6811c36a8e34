#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The ClickHouse engine against a real, private server (server.sh): export, search with both
# engines compared output for output, a second export that sends nothing, an export killed
# between a batch and its mark then rerun, hostile values, refused logins, a server that is not
# there, a schema of another version, prune by day partitions.
# Usage: run.sh MXTRACE MXTRACE_GEN SOURCE_ROOT
# Exit 77 (skipped) when no server can be started, unless MXTRACE_REQUIRE_CLICKHOUSE=1 (CI),
# then 1.
set -u
mx=$1 gen=$2 root=$3
here=$root/tests/clickhouse
work=$(mktemp -d "${TMPDIR:-/tmp}/mxtrace-ch-test-XXXXXX")
srv=""
cleanup() { [ -n "$srv" ] && "$here/server.sh" stop "$srv"; rm -rf "$work"; }
trap cleanup EXIT
export TZ=UTC LC_ALL=C
unset MXTRACE_DB XDG_DATA_HOME MXTRACE_CLICKHOUSE_PASSWORD
export XDG_CONFIG_HOME=$work/config  # no user config file
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
t0=$(date +%s)

if ! srv=$("$here/server.sh" start 2>"$work/server.err"); then
  srv=""
  cat "$work/server.err"
  if [ "${MXTRACE_REQUIRE_CLICKHOUSE:-0}" = 1 ]; then
    echo "FAIL: the ClickHouse server did not start, and MXTRACE_REQUIRE_CLICKHOUSE=1 requires it"
    exit 1
  fi
  echo "SKIP: no ClickHouse server could be started (scripts/deps installs clickhouse-server; run as root)"
  exit 77
fi
url=$(cat "$srv/url")
echo "server: $url (started in $(( $(date +%s) - t0 )) s)"
chq() { curl -sS --data-binary "$1" "$url/"; }
local_count() { "$mx" info --db "$1" | awk '/^transactions:/ {print $2}'; }

# --- the bundled example logs (two years of hosts, Postfix and Sendmail)
db=$work/db
ex=$root/examples/logs
"$mx" index --db "$db" -y 2011 "$ex"/smtp/maillog "$ex"/mx1/mail.log.1 "$ex"/mx1/mail.log "$ex"/mx2/mail.log \
  "$ex"/hub/maillog >"$work/index.out" 2>&1 || fail "index of the examples: $(cat "$work/index.out")"
n_local=$(local_count "$db")
out=$("$mx" export clickhouse --db "$db" --url "$url" --database mx_ex --batch 7 2>&1)
rc=$?
[ $rc = 0 ] || fail "export: exit $rc: $out"
n_ch=$(chq "SELECT count() FROM mx_ex.transactions FINAL")
[ "$n_ch" = "$n_local" ] && ok "export: the cluster holds the $n_local transactions of the index" || fail "export: cluster $n_ch, index $n_local"
grep -q "^exported $n_local transactions in " <<<"$out" || fail "export said: $out"
[ "$(chq "SELECT value FROM mx_ex.mxtrace_meta WHERE key = 'schema_version'")" = 2 ] || fail "no schema version 2 in mxtrace_meta"
out=$("$mx" export clickhouse --db "$db" --url "$url" --database mx_ex 2>&1)
grep -q '^exported 0 transactions in 0 batches' <<<"$out" && ok "a second export sends nothing" || fail "second export: $out"

# --- index --export clickhouse: the run, then the export
"$mx" index --db "$work/dbx" -y 2011 --export clickhouse --url "$url" --database mx_idx "$ex"/smtp/maillog "$ex"/mx1/mail.log \
  >"$work/o" 2>&1; rc=$?
nx=$(local_count "$work/dbx")
[ $rc = 0 ] && grep -q "^exported $nx transactions in 1 batch to $url database mx_idx" "$work/o" &&
  [ "$(chq "SELECT count() FROM mx_idx.transactions FINAL")" = "$nx" ] && ok "index --export clickhouse: $nx transactions indexed and exported" ||
  fail "index --export: exit $rc $(tail -3 "$work/o")"
"$mx" index --db "$work/dbx" -y 2011 --export clickhouse --url "$url" --database mx_idx "$ex"/mx1/mail.log >"$work/o" 2>&1
grep -q "^exported 0 transactions" "$work/o" || fail "index --export again: $(tail -2 "$work/o")"
"$mx" index --db "$work/dbx" -y 2011 --export clickhouse --url "http://127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')" \
  "$ex"/mx2/mail.log >"$work/o" 2>&1; rc=$?
[ $rc = 8 ] && grep -q "^mxtrace: error: the index is written, but the export failed: ClickHouse at" "$work/o" && [ "$(local_count "$work/dbx")" -gt "$nx" ] &&
  ok "index --export with the server down: indexed, then exit 8" || fail "index --export, server down: exit $rc $(tail -3 "$work/o")"

# --- index --follow --export clickhouse: the follower exports on its schedule (every minute;
# MXTRACE_EXPORT_EVERY=1, a test hook, makes it every second), says a failure once and goes on
fl=$work/follow.log
head -n 60 "$ex"/mx1/mail.log > "$fl"
MXTRACE_EXPORT_EVERY=1 "$mx" index --db "$work/dbf" -y 2011 --tz UTC --quiet --follow --export clickhouse --url "$url" \
  --database mx_follow "$fl" >"$work/f.out" 2>"$work/f.err" &
fpid=$!
fcount() { chq "SELECT count() FROM mx_follow.transactions FINAL" 2>/dev/null | tr -d '\n'; }
for _ in $(seq 150); do [ -n "$(fcount)" ] && [ "$(fcount)" != 0 ] && [ "$(fcount)" = "$(local_count "$work/dbf" 2>/dev/null)" ] && break; sleep 0.2; done
n1=$(fcount)
tail -n +61 "$ex"/mx1/mail.log >> "$fl"
for _ in $(seq 150); do [ "$(fcount)" != "$n1" ] && [ "$(fcount)" = "$(local_count "$work/dbf" 2>/dev/null)" ] && break; sleep 0.2; done
n2=$(fcount)
kill -TERM $fpid; wait $fpid; frc=$?
"$mx" index --db "$work/dbf-ref" -y 2011 --tz UTC --quiet "$ex"/mx1/mail.log
[ "$frc" = 0 ] && [ "$n1" -gt 0 ] && [ "$n2" -gt "$n1" ] && [ "$n2" = "$(local_count "$work/dbf-ref")" ] &&
  ok "index --follow --export: the server had $n1, then $n2 transactions while following (as one plain run); exit 0" ||
  fail "index --follow --export: exit $frc, server $n1 then $n2, plain run $(local_count "$work/dbf-ref"); $(tail -3 "$work/f.err")"
# the server goes away: the follower warns once and goes on indexing
down="http://127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
head -n 60 "$ex"/mx1/mail.log > "$fl.2"
MXTRACE_EXPORT_EVERY=1 "$mx" index --db "$work/dbf2" -y 2011 --tz UTC --quiet --follow --export clickhouse --url "$down" \
  --database mx_follow "$fl.2" >"$work/f2.out" 2>"$work/f2.err" &
fpid=$!
for _ in $(seq 150); do grep -q "warning: the export failed" "$work/f2.err" && break; sleep 0.2; done
tail -n +61 "$ex"/mx1/mail.log >> "$fl.2"
for _ in $(seq 150); do [ "$(local_count "$work/dbf2" 2>/dev/null)" = "$(local_count "$work/dbf-ref")" ] && break; sleep 0.2; done
sleep 2.5 # two more periods: still one warning
kill -TERM $fpid; wait $fpid; frc=$?
[ "$(grep -c "warning: the export failed" "$work/f2.err")" = 1 ] && [ "$(local_count "$work/dbf2")" = "$(local_count "$work/dbf-ref")" ] &&
  [ "$frc" = 8 ] && grep -q "the index is written, but the export failed" "$work/f2.err" &&
  ok "index --follow --export, server down: one warning, every line indexed, exit 8 at the stop (its last export failed)" ||
  fail "index --follow --export, server down: exit $frc, $(grep -c "warning: the export failed" "$work/f2.err") warnings, $(local_count "$work/dbf2") of $(local_count "$work/dbf-ref") indexed"

# --- the same searches on both engines: whole outputs and exit codes equal
searches=(
  ""
  "-f bob@foo.com"
  "-f @foo.com -r 3"
  "-t @bar.com"
  "-f <>"
  "-h mx1"
  "-h SMTP --utc"
  "-i 4EEA0352.6020508@foo.com"
  "-q pBE8FUjJ016161"
  "--status deferred"
  "--status bounced --format json"
  "--status expired --format csv"
  "-d 2011-12-15 -D 2011-12-16"
  "-d 2011-12-16T10:00 --format json"
  "-c 192.0.2.10"
  "--relay mx.bar.com"
  "-f bob@foo.com -t alice@bar.com --status sent"
  "--format csv --fields time,host,queue_id,sender,recipient,status"
  "-r 1"
  "-f nobody@nowhere.example"
  "--text timed"
  "--text unknown --format json"
  "--text Connection --status deferred -r 3"
  "--text unknown -h mx1 --format csv"
)
same=0
for s in "${searches[@]}"; do
  # shellcheck disable=SC2086  # the flags are words
  "$mx" search --db "$db" --color never $s >"$work/local.out" 2>"$work/local.err"; lrc=$?
  "$mx" search --engine clickhouse --url "$url" --database mx_ex --color never $s >"$work/ch.out" 2>"$work/ch.err"; crc=$?
  if [ $lrc = $crc ] && cmp -s "$work/local.out" "$work/ch.out"; then
    same=$((same + 1))
  else
    fail "search '$s': local exit $lrc, clickhouse exit $crc; $(diff "$work/local.out" "$work/ch.out" | head -5) $(head -3 "$work/ch.err")"
  fi
  [ $lrc = 2 ] && fail "search '$s' was refused locally: $(cat "$work/local.err")"
done
[ "$(wc -c <"$work/local.out")" -gt 0 ] || true
ok "$same of ${#searches[@]} searches print the same on both engines"
"$mx" search --db "$db" >"$work/all.out"
[ "$(grep -c '^transaction:' "$work/all.out")" -gt 10 ] || fail "the example searches matched too little to compare"

# --- ties: transactions of one second on several hosts, cut by -r through the tie: the order of
# tests/cli/cases/search-ties.expected (time, host, queue ID, descending) from both engines
tdb=$work/tdb
"$mx" index --db "$tdb" -y 2024 --quiet "$root/tests/cli/fixtures/ties.log" || fail "index of ties.log"
"$mx" export clickhouse --db "$tdb" --url "$url" --database mx_ties >/dev/null 2>&1 || fail "export of ties.log"
ids() { awk '/^transaction: / {q = $2} /^host: / {printf "%s@%s ", q, $2} END {print ""}'; }
: >"$work/ties.ch"
for r in 1 2 3 4 5 8 10 11 12 13; do
  "$mx" search --db "$tdb" --color never -r $r >"$work/local.out" 2>/dev/null
  "$mx" search --engine clickhouse --url "$url" --database mx_ties --color never -r $r >"$work/ch.out" 2>/dev/null
  cmp -s "$work/local.out" "$work/ch.out" || fail "ties, -r $r: $(diff "$work/local.out" "$work/ch.out" | head -4)"
  printf -- '-r %-2s %s\n' "$r" "$(ids <"$work/ch.out")" >>"$work/ties.ch"
done
sed -n '/^== plain/,/^== MXTRACE/p' "$root/tests/cli/cases/search-ties.expected" | grep '^-r ' >"$work/ties.golden"
cmp -s "$work/ties.golden" "$work/ties.ch" && ok "ties cut by -r: both engines give the golden order (time, host, queue ID)" ||
  fail "ties: the cluster's order differs from search-ties.expected: $(diff "$work/ties.golden" "$work/ties.ch" | head -6)"

# --- trace: every transaction of the examples as a KEY (host:QID; JSON for some), and flags
# with every format; the same output from both engines
trace_same() { # DB DATABASE ARGS...: 0 if both engines print the same (stdout, stderr, exit)
  local tdb=$1 tdbname=$2
  shift 2
  "$mx" trace --db "$tdb" --color never "$@" >"$work/tl.out" 2>&1; local lrc=$?
  "$mx" trace --engine clickhouse --url "$url" --database "$tdbname" --color never "$@" >"$work/tc.out" 2>&1; local crc=$?
  [ $lrc = $crc ] && cmp -s "$work/tl.out" "$work/tc.out" && return 0
  echo "  trace $*: exits $lrc/$crc $(diff "$work/tl.out" "$work/tc.out" | head -4)"
  return 1
}
"$mx" search --db "$db" -r 100000 --format csv --fields host,queue_id | tail -n +2 | tr -d '\r' | tr ',' ':' | sort -u >"$work/keys"
tsame=0 tn=0
while read -r k; do
  tn=$((tn + 1))
  trace_same "$db" mx_ex "$k" && tsame=$((tsame + 1))
  if [ $((tn % 4)) = 0 ]; then  # JSON for a quarter of them
    tn=$((tn + 1))
    trace_same "$db" mx_ex --format json "$k" && tsame=$((tsame + 1))
  fi
done <"$work/keys"
for args in "-f bob@foo.com -r 50" "-f bob@foo.com -r 50 --format csv" "-f bob@foo.com --format dot" "-h mx2 --format json" \
  "<4EEB083B.9180226@foo.com>" "4EEB083B.9180226@foo.com --format dot" "pBG9CXlZ022280" "--status bounced -r 20" \
  "-d 2011-12-16 -D 2011-12-16 -r 100 --utc" "nosuch@example.org"; do
  tn=$((tn + 1))
  # shellcheck disable=SC2086
  trace_same "$db" mx_ex $args && tsame=$((tsame + 1))
done
[ "$tsame" = "$tn" ] && [ "$tn" -gt 150 ] && ok "trace: $tsame of $tn traces of the examples print the same on both engines" ||
  fail "trace: only $tsame of $tn traces of the examples print the same on both engines"
# two indexes (smtp's, mx1's: their local IDs overlap) exported into one database: a trace
# crosses them as the one index of both hosts traces it (text: no local ID printed)
"$mx" index --db "$work/dA" -y 2011 --quiet "$ex"/smtp/maillog
"$mx" index --db "$work/dB" -y 2011 --quiet "$ex"/mx1/mail.log.1 "$ex"/mx1/mail.log
"$mx" index --db "$work/dAB" -y 2011 --quiet "$ex"/smtp/maillog "$ex"/mx1/mail.log.1 "$ex"/mx1/mail.log
"$mx" export clickhouse --db "$work/dA" --url "$url" --database mx_multi >/dev/null 2>&1 &&
  "$mx" export clickhouse --db "$work/dB" --url "$url" --database mx_multi >/dev/null 2>&1 || fail "export of two indexes into mx_multi"
"$mx" search --db "$work/dAB" -r 1000 --format csv --fields host,queue_id | tail -n +2 | tr -d '\r' | tr ',' ':' | sort -u | awk 'NR % 2' >"$work/keys2"
msame=0 mn=0
while read -r k; do
  mn=$((mn + 1))
  trace_same "$work/dAB" mx_multi "$k" && msame=$((msame + 1))
done <"$work/keys2"
grep -q pBG9CXlZ022280 "$work/keys2" || { mn=$((mn + 1)); trace_same "$work/dAB" mx_multi smtp:pBG9CXlZ022280 && msame=$((msame + 1)); }
[ "$msame" = "$mn" ] && [ "$mn" -gt 40 ] && ok "trace across two exporting indexes: $msame of $mn traces as in one index of both hosts" ||
  fail "trace across two exporting indexes: only $msame of $mn traces as in one index"
"$mx" trace --engine clickhouse --url "$url" --database mx_ex --raw pBG9CXlZ022280 >/dev/null 2>"$work/e"; rc=$?
[ $rc = 2 ] && ok "trace --raw refused with --engine clickhouse (exit 2)" || fail "trace --raw: exit $rc $(cat "$work/e")"

# --- hostile values: no match (exit 1), no error, the table still whole
hostile=("'; DROP TABLE mx_ex.transactions; --" "a'b" 'back\slash' "\\'" "x\\" $'ctl\x01\x7f' "' OR '1'='1" "$(head -c 100000 /dev/zero | tr '\0' "'")")
for v in "${hostile[@]}"; do
  for flag in -f -t -h -q -i -c --relay; do
    "$mx" search --engine clickhouse --url "$url" --database mx_ex "$flag" "$v" >"$work/h.out" 2>"$work/h.err"; rc=$?
    [ $rc = 1 ] && [ ! -s "$work/h.out" ] || fail "hostile $flag '${v:0:40}': exit $rc $(head -c 300 "$work/h.err")"
  done
done
for v in "${hostile[@]}"; do  # --text: Xapian reads words out of them (x, slash...): as locally
  "$mx" search --db "$db" --text "$v" >"$work/local.out" 2>&1; lrc=$?
  "$mx" search --engine clickhouse --url "$url" --database mx_ex --text "$v" >"$work/h.out" 2>&1; rc=$?
  [ $rc = $lrc ] && [ $rc != 8 ] && cmp -s "$work/local.out" "$work/h.out" || fail "hostile --text '${v:0:40}': exits $lrc/$rc $(head -c 300 "$work/h.out")"
done
[ "$(chq "SELECT count() FROM mx_ex.transactions FINAL")" = "$n_local" ] && ok "hostile values: no match (--text: as locally), no error, nothing dropped" ||
  fail "the table changed after the hostile searches"
# the literal of the quoting function, evaluated by the server, gives the value back
v=$'q\'\\\x01z'
back=$("$mx" search --engine clickhouse --url "$url" --database mx_ex -q "$v" --explain 2>&1 >/dev/null | sed -n 's/^query: SQL WHERE queue_id = //p')
[ "$(chq "SELECT hex($back)")" = "$(printf '%s' "$v" | od -An -tx1 | tr -d ' \n' | tr a-f A-F)" ] && ok "the server reads the quoted literal back as the value" ||
  fail "literal $back does not read back"

# --- what cannot be translated is refused
"$mx" search --db "$db" --text 'timed out' >"$work/local.out" 2>&1; lrc=$?
"$mx" search --engine clickhouse --url "$url" --database mx_ex --text 'timed out' >"$work/ch.out" 2>&1; crc=$?
[ $lrc = 0 ] && [ $crc = 0 ] && cmp -s "$work/local.out" "$work/ch.out" && ok "--text 'timed out': the same transactions (the words as Xapian reads them)" ||
  fail "--text 'timed out': exits $lrc/$crc $(diff "$work/local.out" "$work/ch.out" | head -4)"
"$mx" search --engine clickhouse --url "$url" --database mx_ex 'from:bob@foo.com' >/dev/null 2>"$work/e"; rc=$?
[ $rc = 2 ] && grep -q 'a query (QUERY words) cannot be searched' "$work/e" && ok "query words refused (exit 2)" || fail "query words: exit $rc $(cat "$work/e")"
"$mx" search --engine clickhouse --url "$url" --database mx_ex --raw >/dev/null 2>"$work/e"; rc=$?
[ $rc = 2 ] && ok "--raw refused (exit 2)" || fail "--raw: exit $rc"

# --- errors: server not there, login refused, no database, schema of another version
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$mx" export clickhouse --db "$db" --url "http://127.0.0.1:$port" --database mx_ex >/dev/null 2>"$work/e"; rc=$?
[ $rc = 8 ] && grep -q "^mxtrace: error: ClickHouse at http://127.0.0.1:$port: query failed" "$work/e" && grep -q '^mxtrace: hint: check that the server runs' "$work/e" &&
  ok "server down: exit 8 with a hint" || fail "server down: exit $rc $(cat "$work/e")"
mkdir -p "$work/config/mxtrace"
printf '[export]\nclickhouse-user = "mxtrace"\nclickhouse-password = "wrong"\n[search]\nclickhouse-user = "mxtrace"\nclickhouse-password = "wrong"\n' >"$work/config/mxtrace/config"
chmod 0600 "$work/config/mxtrace/config"
"$mx" export clickhouse --db "$db" --url "$url" --database mx_auth >/dev/null 2>"$work/e"; rc=$?
[ $rc = 8 ] && grep -q "refused the login of user 'mxtrace'" "$work/e" && ok "wrong password: exit 8, login refused" || fail "wrong password: exit $rc $(cat "$work/e")"
MXTRACE_CLICKHOUSE_PASSWORD=secret-pw "$mx" export clickhouse --db "$db" --url "$url" --database mx_auth >"$work/o" 2>&1; rc=$?
[ $rc = 0 ] && [ "$(chq "SELECT count() FROM mx_auth.transactions FINAL")" = "$n_local" ] && ok "the password from \$MXTRACE_CLICKHOUSE_PASSWORD logs in" || fail "env password: exit $rc $(cat "$work/o")"
MXTRACE_CLICKHOUSE_PASSWORD=secret-pw "$mx" search --engine clickhouse --url "$url" --database mx_auth -f bob@foo.com >"$work/o" 2>&1; rc=$?
[ $rc = 0 ] && ok "search logs in with the same password" || fail "search with password: exit $rc"
rm -f "$work/config/mxtrace/config"
"$mx" export clickhouse --db "$db" --url "$url" --database mx_ex --clickhouse-password x >/dev/null 2>"$work/e"; rc=$?
[ $rc = 2 ] && grep -q 'never taken from the command line' "$work/e" && ok "a password on the command line is refused" || fail "password flag: exit $rc $(cat "$work/e")"
MXTRACE_CLICKHOUSE_PASSWORD=$'pw\r\nX-ClickHouse-User: default' "$mx" search --engine clickhouse --url "$url" --database mx_ex >/dev/null 2>"$work/e"; rc=$?
[ $rc = 2 ] && grep -q 'password holds a control character' "$work/e" && ok "a password with a line break is refused (no header injection)" || fail "password with CRLF: exit $rc $(cat "$work/e")"
"$mx" search --engine clickhouse --url "$url" --database mx_none >/dev/null 2>"$work/e"; rc=$?
[ $rc = 8 ] && grep -q 'has no mxtrace database mx_none' "$work/e" && ok "search of a database never exported: exit 8" || fail "missing database: exit $rc $(cat "$work/e")"
chq "CREATE DATABASE mx_old" && chq "CREATE TABLE mx_old.mxtrace_meta (key String, value String) ENGINE = TinyLog" &&
  chq "INSERT INTO mx_old.mxtrace_meta VALUES ('schema_version', '0')"
"$mx" export clickhouse --db "$db" --url "$url" --database mx_old >/dev/null 2>"$work/e"; rc=$?
[ $rc = 8 ] && grep -q 'holds mxtrace schema version 0, this mxtrace reads and writes 2' "$work/e" && ok "schema of another version: exit 8" || fail "old schema: exit $rc $(cat "$work/e")"
[ "$(local_count "$db")" = "$n_local" ] || fail "the failed exports changed the index"

# --- the generator's logs: an export killed after a batch was stored, before its mark moved
g=$work/gen
"$gen" --seed 14 --messages 3000 --start 2024-03-04 --days 3 --rotate-days 1 --quiet --out "$g" || fail "mxtrace-gen"
gdb=$work/gdb
files=()
for h in mx1 mx2 mbox smtp; do files+=("$g/$h/mail.log.2.gz" "$g/$h/mail.log.1" "$g/$h/mail.log"); done
"$mx" index --db "$gdb" --retention 0 "${files[@]}" >"$work/gindex.out" 2>&1 || fail "index of the generated logs: $(tail -3 "$work/gindex.out")"
g_local=$(local_count "$gdb")
MXTRACE_CRASH_AT=export-mark:5 "$mx" export clickhouse --db "$gdb" --url "$url" --database mx_gen --batch 300 >/dev/null 2>&1; rc=$?
[ $rc = 137 ] || fail "the export was not killed at its 5th mark (exit $rc)"
mid=$(chq "SELECT count() FROM mx_gen.transactions FINAL")
[ "$mid" -ge 1500 ] && [ "$mid" -lt "$g_local" ] && ok "killed export: the cluster holds $mid of $g_local (5 batches of 300 acknowledged)" || fail "killed export: $mid of $g_local"
out=$("$mx" export clickhouse --db "$gdb" --url "$url" --database mx_gen --batch 300 2>&1)
grep -q "^exported $((g_local - 1200)) transactions" <<<"$out" && ok "the rerun sends from the last mark (the 5th batch again)" || fail "rerun said: $out"
g_ch=$(chq "SELECT count() FROM mx_gen.transactions FINAL")
[ "$g_ch" = "$g_local" ] && ok "after the rerun the cluster holds the $g_local transactions of the index" || fail "after the rerun: cluster $g_ch, index $g_local"
out=$("$mx" export clickhouse --db "$gdb" --url "$url" --database mx_gen 2>&1)
grep -q '^exported 0 transactions' <<<"$out" || fail "third export: $out"
gsame=0
for s in "" "--status deferred" "--status bounced --format json" "-h mx2 -r 50" "-d 2024-03-05 -D 2024-03-05 --format csv" "-r 100000"; do
  # shellcheck disable=SC2086
  "$mx" search --db "$gdb" --color never $s >"$work/local.out" 2>/dev/null; lrc=$?
  "$mx" search --engine clickhouse --url "$url" --database mx_gen --color never $s >"$work/ch.out" 2>/dev/null; crc=$?
  [ $lrc = $crc ] && cmp -s "$work/local.out" "$work/ch.out" && gsame=$((gsame + 1)) || fail "generated, search '$s': exits $lrc/$crc $(diff "$work/local.out" "$work/ch.out" | head -4)"
done
ok "generated logs: $gsame of 6 searches print the same on both engines"
# traces of the generated logs (smtp -> mx -> mbox, content filter loops, notifications,
# retry-after-reject): 40 Message-IDs and 40 queue IDs of the truth, and flags
python3 - "$g/truth.jsonl" >"$work/gkeys" <<'EOF'
import json, random, sys
msgs = [json.loads(l) for l in open(sys.argv[1])]
rnd = random.Random(14)
for m in rnd.sample([m for m in msgs if m.get("message_id")], 40):
    print("<" + m["message_id"] + ">")
for m in rnd.sample(msgs, 40):
    h = rnd.choice(m["hops"])
    print(h["host"] + ":" + h["queue_id"])
EOF
gt=0 gts=0
while read -r k; do
  gt=$((gt + 1))
  trace_same "$gdb" mx_gen "$k" && gts=$((gts + 1))
done <"$work/gkeys"
for args in "-h smtp -r 30" "--status bounced -r 30 --format json" "-f <> -r 20 --format csv" "-h mx1 -r 20 --format dot"; do
  gt=$((gt + 1))
  # shellcheck disable=SC2086
  trace_same "$gdb" mx_gen $args && gts=$((gts + 1))
done
[ "$gts" = "$gt" ] && ok "trace: $gts of $gt traces of the generated logs print the same on both engines" ||
  fail "trace: only $gts of $gt traces of the generated logs print the same on both engines"

# --- a transaction changed after it was exported is sent again, its old row replaced
cut=$(( $(wc -l <"$ex/mx2/mail.log") / 2 ))
db2=$work/db2
head -n "$cut" "$ex/mx2/mail.log" >"$work/part.log"
"$mx" index --db "$db2" -y 2011 "$work/part.log" >/dev/null 2>&1
"$mx" export clickhouse --db "$db2" --url "$url" --database mx_inc >/dev/null 2>&1 || fail "export of the first half"
cp "$ex/mx2/mail.log" "$work/part.log"
"$mx" index --db "$db2" -y 2011 "$work/part.log" >/dev/null 2>&1
out=$("$mx" export clickhouse --db "$db2" --url "$url" --database mx_inc 2>&1)
"$mx" search --db "$db2" --color never -r 1000 >"$work/local.out"
"$mx" search --engine clickhouse --url "$url" --database mx_inc --color never -r 1000 >"$work/ch.out"
cmp -s "$work/local.out" "$work/ch.out" && [ "$(chq "SELECT count() FROM mx_inc.transactions FINAL")" = "$(local_count "$db2")" ] &&
  ok "a log read further: changed transactions sent again ($out)" || fail "incremental: $(diff "$work/local.out" "$work/ch.out" | head -5)"

# --- a transaction whose last day changes (a partition of its own): its old row is deleted
db3=$work/db3
printf '%s\n' \
  'Dec 14 23:59:58 mx9 postfix/smtpd[11]: 3F2A1B4C5D: client=a.example[192.0.2.1]' \
  'Dec 14 23:59:59 mx9 postfix/cleanup[12]: 3F2A1B4C5D: message-id=<midnight@a.example>' \
  'Dec 14 23:59:59 mx9 postfix/qmgr[13]: 3F2A1B4C5D: from=<a@a.example>, size=100, nrcpt=1 (queue active)' >"$work/night.log"
"$mx" index --db "$db3" -y 2011 "$work/night.log" >/dev/null 2>&1
"$mx" export clickhouse --db "$db3" --url "$url" --database mx_night >/dev/null 2>&1 || fail "export before midnight"
d1=$(chq "SELECT toString(day) FROM mx_night.transactions FINAL")
printf '%s\n' \
  'Dec 15 00:00:05 mx9 postfix/smtp[14]: 3F2A1B4C5D: to=<b@b.example>, relay=mx.b.example[192.0.2.2]:25, delay=7, delays=1/0/1/5, dsn=2.0.0, status=sent (250 ok)' \
  'Dec 15 00:00:05 mx9 postfix/qmgr[13]: 3F2A1B4C5D: removed' >>"$work/night.log"
"$mx" index --db "$db3" -y 2011 "$work/night.log" >/dev/null 2>&1
"$mx" export clickhouse --db "$db3" --url "$url" --database mx_night >/dev/null 2>&1 || fail "export after midnight"
"$mx" search --db "$db3" --color never >"$work/local.out"
"$mx" search --engine clickhouse --url "$url" --database mx_night --color never >"$work/ch.out"
rows=$(chq "SELECT count() FROM mx_night.transactions FINAL")
d2=$(chq "SELECT toString(day) FROM mx_night.transactions FINAL")
[ "$d1" = 2011-12-14 ] && [ "$d2" = 2011-12-15 ] && [ "$rows" = 1 ] && cmp -s "$work/local.out" "$work/ch.out" &&
  ok "a transaction that went on past midnight: one row, in its new day ($d1 -> $d2); the old one deleted" ||
  fail "midnight: days '$d1' -> '$d2', $rows rows; $(diff "$work/local.out" "$work/ch.out" | head -4)"

# --- an export killed with kill -9 at any moment (small batches), then rerun
"$mx" export clickhouse --db "$gdb" --url "$url" --database mx_kill --batch 5 >/dev/null 2>&1 &
kpid=$!
# kill it once the cluster holds some of its rows (it makes about 1600 batches)
for _ in $(seq 1 200); do
  n=$(chq "SELECT count() FROM mx_kill.transactions" 2>/dev/null)
  [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -gt 0 ] && break
  sleep 0.05
done
kill -9 "$kpid" 2>/dev/null
wait "$kpid" 2>/dev/null
mid=$(chq "SELECT count() FROM mx_kill.transactions FINAL" 2>/dev/null)
"$mx" export clickhouse --db "$gdb" --url "$url" --database mx_kill >/dev/null 2>&1 || fail "export after kill -9"
k_ch=$(chq "SELECT count() FROM mx_kill.transactions FINAL")
[ "$mid" -lt "$g_local" ] || fail "the export ended before kill -9 ($mid rows)"
[ "$k_ch" = "$g_local" ] && ok "kill -9 during an export (the cluster held $mid), rerun: $k_ch = $g_local transactions" ||
  fail "after kill -9 and rerun: cluster $k_ch, index $g_local"

# --- prune --engine clickhouse: whole days (UTC, last activity) before the window go
before=$(chq "SELECT count() FROM mx_gen.transactions FINAL")
"$mx" prune --engine clickhouse --url "$url" --database mx_gen --retention 1 --dry-run >"$work/p" 2>&1 || fail "prune --dry-run: $(cat "$work/p")"
[ "$(chq "SELECT count() FROM mx_gen.transactions FINAL")" = "$before" ] || fail "prune --dry-run dropped something"
would=$(sed -n 's/^would drop \([0-9]*\) transaction.*/\1/p' "$work/p")
"$mx" prune --engine clickhouse --url "$url" --database mx_gen --retention 1 >"$work/p" 2>&1 || fail "prune: $(cat "$work/p")"
dropped=$(sed -n 's/^dropped \([0-9]*\) transaction.*/\1/p' "$work/p")
after=$(chq "SELECT count() FROM mx_gen.transactions FINAL")
cutoff=$(sed -n 's/^dropped .* wholly before \(....-..-..\).*/\1/p' "$work/p")
oldest=$(chq "SELECT min(day) FROM mx_gen.transactions")
if [ -n "$dropped" ] && [ "$dropped" -gt 0 ] && [ "$dropped" = "$would" ] && [ $((before - dropped)) = "$after" ] && [[ ! "$oldest" < "$cutoff" ]]; then
  ok "prune --engine clickhouse dropped $dropped transactions (the days before $cutoff), as --dry-run said"
else
  fail "prune: before $before, would $would, dropped $dropped, after $after, oldest day $oldest, cutoff $cutoff: $(cat "$work/p")"
fi
[ "$(chq "SELECT count() FROM system.parts WHERE database = 'mx_gen' AND table = 'transactions' AND active AND partition < '${cutoff//-/}'")" = 0 ] ||
  fail "partitions before $cutoff are left"

echo "seconds: $(( $(date +%s) - t0 ))"
if [ $fails -gt 0 ]; then echo "$fails check(s) failed"; exit 1; fi
echo "all ClickHouse checks passed"
