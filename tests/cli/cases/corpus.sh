# The real logs in ../shared/corpus (not part of the repo): accounting per file, the share of
# unparsed Postfix/Sendmail lines (must stay under 0.5%), and hand-verified transactions.
if [ ! -d "$CORPUS" ]; then
  echo "SKIP: $CORPUS not found (the shared corpus sits beside the repository)"
  exit 77
fi
set -o pipefail
C=$CORPUS
: > totals
run() { # run LABEL YEAR [index args...]: index one input, print its accounting line
  local label=$1 year=$2; shift 2
  "$MXTRACE" index --db "$DB" --retention 0 -y "$year" --unparsed unparsed.part "$@" 2> summary || { echo "index failed: $label"; cat summary; }
  cat unparsed.part >> unparsed.txt
  awk -v l="$label" '
    /^lines read:/ {r=$3} /attributed:/ {a=$2} /no queue ID:/ {n=$4} /other programs:/ {o=$3} /unparsed:/ {u=$2}
    END { printf "%-44s read %6d  attributed %5d  noqueue %6d  other %4d  unparsed %d\n", l, r, a, n, o, u;
          print a, n, u >> "totals" }' summary
}
run postfix-logsums/mail.log.gz 2023 "$C/postfix-logsums/mail.log.gz"
run modoboa/mail.log 2017 - < <(sed 's/^%(day)s/Nov 16/' "$C/modoboa/mail.log")
run digineo-postfix_exporter/mail.log 2017 "$C/digineo-postfix_exporter/mail.log"
run lograptor/postfix.log 2019 "$C/lograptor/postfix.log"
run youyo/test.log 2018 "$C/youyo-postfix-log-parser/test.log"
run youyo/test-iso8601.log 2020 "$C/youyo-postfix-log-parser/test-iso8601.log"
run log-ship-elastic-postfix/mail.log 2016 "$C/log-ship-elastic-postfix/mail.log"
for f in test_input_mixed test_input_timechange test_input_time_rfc3339_mixed; do
  run pmg-log-tracker/$f 2020 "$C/pmg-log-tracker/$f"
done
for f in postfix sendmail-reject sendmail-auth; do
  run fail2ban/$f 2014 - < <(grep -v '^#' "$C/fail2ban/$f")
done
# these files lack a newline after their last line: through stdin, that line is read too
# (a plain file just written keeps its unfinished last line for the next run)
for f in "$C"/crowdsec-hub/postfix-*/*.log "$C"/crowdsec-hub/postscreen-logs/*.log; do
  run "crowdsec-hub/${f#"$C"/crowdsec-hub/}" 2024 - < "$f"
done
run fluent-plugin-sendmail/data 2016 - < "$C/fluent-plugin-sendmail/data"  # no newline at its end, too
run loghub-thunderbird 2005 - < <(sed -E 's/^- [0-9]+ [0-9.]+ [^ ]+ //; s/ src@/ /' "$C"/loghub-thunderbird/*.log)
run postfix-grok-patterns/messages 2016 - < <(awk -F'\t' '{d=$1; sub(/_[0-9]+\.yaml$/, "", d);
  printf "Oct 26 18:13:50 grok postfix/%s[1]: %s\n", d, $2}' "$C/postfix-grok-patterns/messages.derived.tsv")
echo "== unparsed lines"
sed "s|$C/||" unparsed.txt
awk '{a+=$1; n+=$2; u+=$3} END {
  t=a+n+u; printf "Postfix/Sendmail lines %d, unparsed %d (%.3f%%): %s\n", t, u, 100*u/t, (u*200 < t ? "under 0.5%" : "OVER 0.5%") }' totals
echo "== hand-verified transactions (postfix-logsums)"
"$MXTRACE" search --db "$DB" -h helga -r 100000 --format json | wc -l
"$MXTRACE" search --db "$DB" -h helga --status sent -r 1000 | grep -c '^transaction:'
# an inbound message handed to amavis, and its re-injected copy under the queue ID amavis got back
"$MXTRACE" search --db "$DB" -q 4PbC4x469Jz3tBr --format json
"$MXTRACE" search --db "$DB" -q 4PbC4z6W5Qz3tG3 --format json
# the one bounce: DNS failure, with its non-delivery notification
"$MXTRACE" search --db "$DB" -h helga --status bounced --format json
echo "== hand-verified transactions (Sendmail, fluent-plugin-sendmail)"
"$MXTRACE" search --db "$DB" -q u31FFPtp032300
echo "== how each input's year and zone were determined (mxtrace info)"
"$MXTRACE" info --db "$DB" | grep -E '^    (year|timestamps):' | sort | uniq -c
