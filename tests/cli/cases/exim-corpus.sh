# The real Exim logs of ../shared/corpus: samples of Exim's test suite main logs (each its own
# host: the runs share one time stamp and reuse message IDs), the crowdsec-hub main log and
# syslog copies of the same events, fail2ban's samples. Accounting, then the transactions:
# deliveries, deferrals then deliveries, bounces with their bounce messages, frozen messages.
if [ ! -d "$CORPUS" ]; then
  echo "SKIP: $CORPUS not found (the shared corpus sits beside the repository)"
  exit 77
fi
C=$CORPUS
run() { # run LABEL HOST FILE [args]: index one input as HOST, print its accounting line
  local label=$1 host=$2 f=$3; shift 3
  "$MXTRACE" index --db "$DB" --retention 0 --host "$host" "$@" "$f" 2> summary
  echo "exit $?"
  awk -v l="$label" '
    /^lines read:/ {r=$3} /attributed:/ {a=$2} /no queue ID:/ {n=$4; j=$8; sub(",", "", j)} /other programs:/ {o=$3} /unparsed:/ {u=$2}
    END { printf "%-40s read %4d  attributed %4d  noqueue %3d (rejects %s)  other %d  unparsed %d\n", l, r, a, n, j, o, u }' summary
}
for t in 0005 0107 0141 0055 0095 0130 0699 2100; do
  run "exim-testsuite/log/$t" "ts$t" "$C/exim-testsuite/log/$t"
done
run crowdsec-hub/exim-logs crowdsec "$C/crowdsec-hub/exim-logs/exim-logs.log"
run crowdsec-hub/exim-syslog-logs crowdsec-syslog "$C/crowdsec-hub/exim-syslog-logs/exim-logs.log" -y 2022
run crowdsec-hub/exim-spam crowdsec-spam "$C/crowdsec-hub/exim-spam/exim-spam.log"
# fail2ban's files carry the test harness's "#" comment lines: left out
run fail2ban/exim fail2ban - < <(grep -v '^#' "$C/fail2ban/exim")
run fail2ban/exim-spam fail2ban-spam - < <(grep -v '^#' "$C/fail2ban/exim-spam")
echo "== a deferral, then the delivery (test suite run 0107)"
"$MXTRACE" search --db "$DB" -h ts0107 --utc | head -40
echo "== bounces and the bounce messages linked to them"
"$MXTRACE" search --db "$DB" --status bounced --format csv --fields host,queue_id,recipient,status,relay,notification_queue_id,text | head -20
echo "== per host: transactions, and their status classes"
"$MXTRACE" search --db "$DB" mta:exim --format csv --fields host,status -r 100000 | sort | uniq -c
