#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# gen-all-docs-terms: searches for a term that every document holds, in an index whose document
# IDs have gaps (after merges and a prune). Xapian 1.4 reads such a term through the document-length
# list under the term's name and fails with "Unexpected end of posting list for 'TERM'" once that
# list spans several chunks (Store's all_docs_safe() works around it). The index here: the
# generator's logs indexed in three runs (later files join pieces), then pruned down to what
# mbox still holds, so `-h mbox` and `mta:postfix` match every document. Each search must
# succeed and list exactly the transactions SQLite holds for it (a scan through `stats`, and
# `search` without the term).
# Usage: all_docs_terms.sh MXTRACE_GEN MXTRACE
set -u
gen=$1 mxtrace=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/mxtrace-alldocs-XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
"$gen" --seed 7 --messages 4000 --start 2024-03-01 --days 10 --rotate-days 3 --quiet --out "$work/g" || fail "mxtrace-gen failed"
files() { for h in mx1 mx2 mbox smtp; do for f in "$@"; do [ -s "$work/g/$h/$f" ] && echo "$work/g/$h/$f"; done; done; }
ix() { "$mxtrace" index --db "$work/db" -y 2024 --tz UTC --retention 0 --quiet "$@" || fail "mxtrace index $*"; }
ix $(files mail.log.3.gz mail.log.2.gz)
ix $(files mail.log.1)
ix $(files mail.log)
"$mxtrace" prune --db "$work/db" --retention 5 >/dev/null || fail "prune"
ids() { "$mxtrace" search --db "$work/db" -r 1000000 --format csv --fields host,queue_id "$@" | tail -n +2 | sort; }
all=$(ids) || fail "search everything"
n=$(printf '%s\n' "$all" | grep -c .)
hosts=$(printf '%s\n' "$all" | cut -d, -f1 | sort -u | tr '\n' ' ')
echo "after the prune: $n transactions, hosts: $hosts"
[ "$hosts" = "mbox " ] || fail "expected only mbox to be left (the case needs a term in every document)"
fails=0
for q in "-h mbox" "mta:postfix" "host:mb*" "host:mbox mta:postfix" "-h mbox --status sent" "-h mbox -d 2024-03-10"; do
  eval "set -- $q"
  got=$(ids "$@" 2>"$work/err"); rc=$?
  # the same selection without the every-document term, which filters nothing
  case $q in
    "-h mbox --status sent") want=$(ids --status sent) ;;
    "-h mbox -d 2024-03-10") want=$(ids -d 2024-03-10) ;;
    *) want=$all ;;
  esac
  if [ $rc -ne 0 ] || [ "$got" != "$want" ]; then
    fails=$((fails + 1)); echo "search $q: exit $rc, $(printf '%s\n' "$got" | grep -c .) of $(printf '%s\n' "$want" | grep -c .) transactions"; head -2 "$work/err"
  else
    echo "search $q: $(printf '%s\n' "$got" | grep -c .) transactions, as without the term"
  fi
done
"$mxtrace" stats --db "$work/db" -h mbox >/dev/null || { fails=$((fails + 1)); echo "stats -h mbox failed"; }
MXTRACE_STATS_SCAN=1 "$mxtrace" stats --db "$work/db" 'mta:postfix' >/dev/null || { fails=$((fails + 1)); echo "stats mta:postfix (scan) failed"; }
[ $fails -eq 0 ] || fail "$fails searches failed"
echo "OK"
