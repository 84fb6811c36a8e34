# Coverage (issue 10, part 7): every log of ../shared/corpus is indexed into a keep-all index
# (--retention 0: the logs are years old), one index per source, and each source's accounting is
# printed: lines read, attributed to a transaction, pre-queue rejects, other no-queue-ID lines,
# other programs, unparsed mail (Postfix/Sendmail/Exim lines not understood), other unparsed
# lines (not syslog), and lines of MTAs mxtrace does not read (qmail, Courier, OpenSMTPD, Domino,
# Exchange: outside the threshold). Fails when unparsed mail passes 0.1% of the mail lines
# overall or 1% of any one source. Test-harness wrappers are taken off first (fail2ban's "#"
# lines, OSSEC's "log N pass = " INI keys and alert e-mails, Loghub's prefix, modoboa's
# "%(day)s", grok's YAML); the Exim test-suite logs are hundreds of runs sharing one time stamp
# and reusing message IDs, so each file is its own host (--host-for).
if [ ! -d "$CORPUS" ]; then
  echo "SKIP: $CORPUS not found (the shared corpus sits beside the repository)"
  exit 77
fi
C=$CORPUS
start=$(date +%s.%N)
mkdir -p in
n=0
row() { # row LABEL FILE [index args]: index FILE into its own keep-all index, keep its accounting
  local label=$1 f=$2; shift 2
  n=$((n + 1))
  "$MXTRACE" index --db "db$n" --retention 0 "$@" "$f" 2> "sum$n" > /dev/null
  local rc=$?
  awk -v l="$label" -v rc=$rc '
    /^lines read:/ {r=$3} /attributed:/ {a=$2} /no queue ID:/ {q=$4; j=$8; sub(",", "", j)}
    /other programs:/ {o=$3} /^  unparsed:/ {u=$2} /of them mail:/ {m=$4} /unsupported MTA:/ {x=$3}
    /empty:/ {e=$2} /read twice:/ {d=$3} /Exim syslog pieces:/ {p=$4}
    END { printf "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", l, r, a, j, q - j, o, m, u - m, x, e + p + d, rc }' "sum$n" >> table
}
# fail2ban: the harness's "#" lines out
for f in courier-smtp domino-smtp dovecot exim exim-spam postfix qmail sendmail-auth sendmail-reject; do
  grep -v '^#' "$C/fail2ban/$f" > "in/fail2ban-$f"
done
for f in courier-smtp domino-smtp dovecot postfix qmail sendmail-auth sendmail-reject; do
  row "fail2ban/$f" "in/fail2ban-$f" --host fail2ban
done
row fail2ban/exim in/fail2ban-exim --host fail2ban
row fail2ban/exim-spam in/fail2ban-exim-spam --host fail2ban
# OSSEC: INI test cases ("log N pass = LINE"); alert e-mails quote lines without date and host
for f in dovecot exim mailscanner opensmtpd postfix; do
  sed -n -E 's/^log [0-9]+ [a-z]+ = //p' "$C/ossec-hids/$f.ini" > "in/ossec-$f"
  row "ossec-hids/$f.ini" "in/ossec-$f" --host ossec -y 2010
done
for f in mail-alerts mail-errors; do
  grep -E '^[A-Za-z][A-Za-z0-9/_.-]*(\[[0-9]+\])?: ' "$C/ossec-hids/$f" | sed 's/^/May 25 17:07:58 ossec /' > "in/ossec-$f"
  row "ossec-hids/$f" "in/ossec-$f" -y 2006
done
# Loghub's "- EPOCH YYYY.MM.DD HOST " prefix
sed -E 's/^- [0-9]+ [0-9.]+ [^ ]+ //' "$C/loghub-thunderbird/Thunderbird_2k.mail-lines.log" > in/thunderbird
row loghub-thunderbird in/thunderbird -y 2005
sed 's/^%(day)s/Nov 16/' "$C/modoboa/mail.log" > in/modoboa
row modoboa/mail.log in/modoboa -y 2017
# grok test cases: one Postfix message each, its daemon from the pattern name; fragments
# (command counters, delays, relay) are not log lines
awk 'FNR == 1 { p = "" }
     /^pattern:/ { if (match($0, /POSTFIX_[A-Z_]+/)) p = tolower(substr($0, RSTART + 8, RLENGTH - 8)) }
     /^data:/ { d = substr($0, 7); if (d ~ /^".*"$/) { d = substr(d, 2, length(d) - 2); gsub(/\\"/, "\"", d); gsub(/\\\\/, "\\", d) }
                if (p == "command_counter_data" || p == "delays" || p == "relay" || p == "") next
                if (p == "trivial_rewrite") p = "trivial-rewrite"; if (p == "script") p = "postfix-script"
                if (p == "tls_features") p = "smtp"
                printf "Oct 26 18:13:50 grok postfix/%s[1]: %s\n", p, d }' "$C"/postfix-grok-patterns/test/*.yaml > in/grok
row postfix-grok-patterns in/grok -y 2018
# two crowdsec files have no newline after their one line: a regular file written to in the last
# seconds keeps its unfinished last line for the next run, so, not to depend on when the corpus
# was copied, they are given one
for f in $(cd "$C" && ls -d crowdsec-hub/*/*.log); do
  g=$C/$f
  if [ -n "$(tail -c 1 "$g")" ]; then g=in/${f//\//-}; { cat "$C/$f"; echo; } > "$g"; fi
  case $f in *exim-logs/*|*exim-bf/*|*exim-spam/*) row "$f" "$g" --host crowdsec -y 2022 ;;
             *) row "$f" "$g" -y 2022 ;; esac
done
# RFC 5424's example messages (one with APP-NAME "postfix" and French text): a format sample, not
# a mail log, so outside the threshold; mxtrace does not read RFC 5424 (they are unparsed)
row "lograptor/rfc5424.log (format sample, no limit)" "$C/lograptor/rfc5424.log" -y 2020
for f in digineo-postfix_exporter/mail.log elastic-integrations-exchange/test-messagetracking.log \
         fluent-plugin-sendmail/data log-ship-elastic-postfix/mail.log lograptor/dovecot.log lograptor/postfix.log \
         pmg-log-tracker/test_input_mixed pmg-log-tracker/test_input_time_rfc3339_mixed \
         pmg-log-tracker/test_input_timechange postfix-logsums/mail.log.gz youyo-postfix-log-parser/test-iso8601.log \
         youyo-postfix-log-parser/test.log; do
  row "$f" "$C/$f" -y 2020
done
# the Exim test suite: one invocation, each file its own host
args=()
for f in "$C"/exim-testsuite/log/*; do args+=(--host-for "*/log/${f##*/}=ts${f##*/}"); done
n=$((n + 1))
"$MXTRACE" index --db "db$n" --retention 0 "${args[@]}" "$C"/exim-testsuite/log/* 2> "sum$n" > /dev/null
rc=$?
awk -v rc=$rc '
    /^lines read:/ {r=$3} /attributed:/ {a=$2} /no queue ID:/ {q=$4; j=$8; sub(",", "", j)}
    /other programs:/ {o=$3} /^  unparsed:/ {u=$2} /of them mail:/ {m=$4} /unsupported MTA:/ {x=$3}
    /empty:/ {e=$2} /read twice:/ {d=$3} /Exim syslog pieces:/ {p=$4}
    END { printf "exim-testsuite/log (835 files)\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", r, a, j, q - j, o, m, u - m, x, e + p + d, rc }' "sum$n" >> table
echo "source: lines read, attributed, rejected (pre-queue), no queue ID (other), other programs,"
echo "unparsed mail, unparsed (not syslog), unsupported MTA, empty/pieces/read twice, exit"
awk -F'\t' '
  { printf "%-58s %6d %6d %5d %6d %5d %4d %4d %4d %4d  exit %d\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11
    um = $7; if ($1 ~ /no limit/) { M0 += um; um = 0 }
    mail = $3 + $4 + $5 + um; R += $2; A += $3; J += $4; Q += $5; O += $6; M += um; U += $8; X += $9; E += $10; ML += mail
    if ($2 != $3 + $4 + $5 + $6 + $7 + $8 + $9 + $10) { printf "  FAIL: %s: the counts do not add up to the lines read\n", $1; bad = 1 }
    if ($11 != 0) { printf "  FAIL: %s: mxtrace index exited %d\n", $1, $11; bad = 1 }
    if (mail > 0 && um * 100 > mail) { printf "  FAIL: %s: %d of %d mail lines unparsed (over 1%%)\n", $1, um, mail; bad = 1 } }
  END { printf "%-58s %6d %6d %5d %6d %5d %4d %4d %4d %4d\n", "total", R, A, J, Q, O, M, U, X, E
        printf "unparsed mail: %d of %d mail lines (%.3f%%; the limit is 0.1%%), and %d in format samples\n", M, ML, ML ? 100 * M / ML : 0, M0
        if (M * 1000 > ML) { print "FAIL: unparsed mail over 0.1% overall"; bad = 1 }
        exit bad }' table
status=$?
end=$(date +%s.%N)
echo "seconds: $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')"
exit $status
