# Every example of man/mxtrace-query.7 (each "$ mxtrace ..." line of its EXAMPLES section) runs
# against the bundled sample and exits 0 (found) or 1 (nothing found) without an error; the
# transactions found are listed, and some are checked below.
root=$(cd "$EXAMPLES/.." && pwd)
page=$root/man/mxtrace-query.7
export MXTRACE_DB=$DB MXTRACE_NOW=2011-12-17T12:00:00Z
"$MXTRACE" index -y 2011 --quiet "$EXAMPLES"/logs/smtp/maillog "$EXAMPLES"/logs/mx1/mail.log.1 "$EXAMPLES"/logs/mx1/mail.log
# roff to shell: \- is -, \(aq and \(dq are quotes, \e a backslash
sed -n '/^\.SH EXAMPLES/,/^\.SH /p' "$page" | grep '^\$ mxtrace ' |
  sed -e 's/^\$ //' -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/\\(dq/"/g' -e 's/\\e/\\/g' > examples
n=$(wc -l < examples)
[ "$n" -ge 10 ] || echo "only $n examples found in the page"
bad=0
while IFS= read -r cmd; do
  echo "\$ $cmd"
  # shellcheck disable=SC2086
  eval "\"\$MXTRACE\" ${cmd#mxtrace }" > out 2> err
  rc=$?
  if [ $rc -gt 1 ] || grep -q 'error' err; then bad=1; echo "FAILED (exit $rc)"; cat err; fi
  case $cmd in
    "mxtrace info"*) awk 'NR > 1 {printf "%s ", $1} END {print ""}' out ;;
    *) awk '/^transaction: / {q = $2} /^host: / {printf "%s@%s ", q, $2; n++} END {print "(" n + 0 " found)"}' out
       grep '^understood:' err ;;
  esac
  echo "exit $rc"
done < examples
echo "$n examples, $([ $bad = 0 ] && echo 'all ran' || echo 'some FAILED')"
