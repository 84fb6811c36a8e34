# A CLI that helps: usage for `mxtrace` alone and `mxtrace help [COMMAND]`, "did you mean" for
# mistyped commands and options, `search -h` without a value is help (with one, the host; with an
# empty one, a usage error),
# times mxtrace prints are accepted back by -d/-D, and a bare domain or a wildcard in -t/-f that
# finds nothing gets a hint; the text output's status: line; colour.
echo "== mxtrace alone: the usage on stderr, exit 2"
"$MXTRACE" 2>&1 | head -3; echo "exit ${PIPESTATUS[0]}"
echo "== mxtrace help"
"$MXTRACE" help | head -3; echo "exit ${PIPESTATUS[0]}"
echo "== mxtrace help search (the same as search --help)"
cmp <("$MXTRACE" help search) <("$MXTRACE" search --help) && echo "same as search --help"
echo "== mxtrace help serach"
"$MXTRACE" help serach; echo "exit $?"
echo "== mistyped commands"
"$MXTRACE" serach -f x; echo "exit $?"
"$MXTRACE" indx; echo "exit $?"
"$MXTRACE" frobnicate; echo "exit $?"
echo "== mistyped options"
"$MXTRACE" search --form bob@x; echo "exit $?"
"$MXTRACE" search --stauts sent; echo "exit $?"
"$MXTRACE" search --max-result=3; echo "exit $?"
"$MXTRACE" index --missingok x.log; echo "exit $?"
"$MXTRACE" trace --ut x; echo "exit $?"
"$MXTRACE" search --zzzzzzzz; echo "exit $?"
echo "== search -h: help without a value, the host with one"
"$MXTRACE" search -h | head -2; echo "exit ${PIPESTATUS[0]}"
"$MXTRACE" search -h --utc | head -2; echo "exit ${PIPESTATUS[0]}"
echo "== an empty host (an empty shell variable) is a usage error, not help with exit 0"
host=""
"$MXTRACE" search -h "$host"; echo "exit $?"
"$MXTRACE" search --db "$DB" -f bob@foo.com -h "$host" --utc; echo "exit $?"
"$MXTRACE" trace -h "$host"; echo "exit $?"
"$MXTRACE" search --host "$host"; echo "exit $?"
"$MXTRACE" search --host=; echo "exit $?"
"$MXTRACE" index --db "$DB" --quiet --tz UTC "$EXAMPLES/logs/smtp/maillog" "$EXAMPLES/logs/mx1/mail.log"
"$MXTRACE" search --db "$DB" -h smtp -r 1 --format csv --fields host,queue_id; echo "exit $?"
echo "== times mxtrace prints, pasted back"
t=$("$MXTRACE" search --db "$DB" -h smtp -r 1 --format csv --fields first_time | tail -1)
echo "first_time: $t"
"$MXTRACE" search --db "$DB" -d "$t" -D "$t" --format csv --fields queue_id,first_time; echo "exit $?"
t2=$("$MXTRACE" search --db "$DB" -h smtp -r 1 --utc | sed -n 's/^date: //p')
"$MXTRACE" search --db "$DB" --utc -d "$t2" -D "$t2" --format csv --fields queue_id; echo "exit $?"
echo "== JSON's time with microseconds (mx1 logs RFC 3339 with fractions)"
t4=$("$MXTRACE" search --db "$DB" -h mx1 -r 1 --format json --fields queue_id,first_time)
echo "$t4"
t4=$(sed 's/.*"first_time":"\([^"]*\)".*/\1/' <<< "$t4")
"$MXTRACE" search --db "$DB" -d "$t4" -D "$t4" --format csv --fields queue_id,first_time; echo "exit $?"
t3=$("$MXTRACE" info --db "$DB" | sed -n 's/^first time: *//p')
echo "info's first time: $t3"
"$MXTRACE" search --db "$DB" -d "$t3" -D "$t3" --format csv --fields queue_id,first_time; echo "exit $?"
echo "== the text output shows the fields JSON has (the status: line, delay= and queued_as=)"
"$MXTRACE" search --db "$DB" -h smtp -r 1 --utc | grep -E '^(status|to):'
echo "== bare domain and wildcard: a hint"
"$MXTRACE" search --db "$DB" -t bar.com; echo "exit $?"
"$MXTRACE" search --db "$DB" -t '*@bar.com'; echo "exit $?"
"$MXTRACE" search --db "$DB" -f 'bob*'; echo "exit $?"
"$MXTRACE" search --db "$DB" -t @bar.com -r 1 --format csv --fields queue_id; echo "exit $?"
echo "== colour: never into a pipe by default; --color=always colours the labels and status words"
"$MXTRACE" search --db "$DB" -h smtp -r 1 | grep -c $'\033' ; echo "exit ${PIPESTATUS[0]}"
"$MXTRACE" search --db "$DB" -h smtp -r 1 --color=always | cat -v | grep -E '^\^\[\[1mto:' | head -1
# on a terminal (script(1) gives it a pseudo-terminal): auto colours, NO_COLOR and never do not
tty_escapes() { script -qec "$*" /dev/null | grep -c $'\033'; }
echo "terminal, auto: $(tty_escapes "$MXTRACE" search --db "$DB" -h smtp -r 1) lines with escapes"
echo "terminal, NO_COLOR=1: $(NO_COLOR=1 tty_escapes "$MXTRACE" search --db "$DB" -h smtp -r 1) lines with escapes"
echo "terminal, --color=never: $(tty_escapes "$MXTRACE" search --db "$DB" -h smtp -r 1 --color=never) lines with escapes"
echo "terminal, show: $(tty_escapes "$MXTRACE" show --db "$DB" smtp:pBHEnNlo025982) lines with escapes"
echo "terminal, show --verbatim: $(tty_escapes "$MXTRACE" show --db "$DB" --verbatim smtp:pBHEnNlo025982) lines with escapes"
"$MXTRACE" search --db "$DB" -h smtp -r 1 --color=always --format json | grep -c $'\033'
"$MXTRACE" search --db "$DB" --color=sometimes; echo "exit $?"
