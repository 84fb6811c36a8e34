# The query language on the bundled sample: each query's transactions (queue ID @ host), checked
# against what the sample holds (see the comments), and flags + query combined.
export MXTRACE_DB=$DB MXTRACE_NOW=2011-12-17T12:00:00Z
"$MXTRACE" index -y 2011 --quiet "$EXAMPLES"/logs/smtp/maillog "$EXAMPLES"/logs/mx1/mail.log.1 "$EXAMPLES"/logs/mx1/mail.log
q() {
  printf '%s => ' "$*"
  "$MXTRACE" search -r 1000 "$@" | awk '/^transaction: / {q = $2} /^host: / {printf "%s@%s ", q, $2; n++} END {print "(" n + 0 ")"}'
}
echo "== the classic search, as flags and as a query: the same transactions"
q -f bob@foo.com -d '2011-12-15 00:00:00' -D '2011-12-17 00:00:00' -h smtp
q 'from:bob@foo.com date:2011-12-15..2011-12-17T00:00:00 host:smtp'
echo "== a date range after fields is ANDed with them (not ORed: a Xapian 1.4 RangeProcessor trap)"
q 'from:bob@foo.com to:*@bar.com host:smtp date:2011-12-15..2011-12-17'
q 'date:2011-12-15..2011-12-17 host:smtp from:bob@foo.com to:*@bar.com'
echo "== flags and query combine with AND"
q -h mx1 'from:bob@foo.com'
q -h smtp 'from:bob@foo.com' -d 2011-12-16
echo "== domain forms: *@, @, to_domain: are the same"
q 'to:*@example.org status:bounced'
q 'to:@example.org status:bounced'
q 'to_domain:example.org status:bounced'
echo "== wildcards"
q 'from:carol@*'
q 'host:mx*' 'status:expired'
q 'relay:smtp.bar.com.' 'from:bob@foo.com' 'date:2011-12-16'
echo "== SASL user (Postfix sasl_username=), and the client: name, address (any spelling), networks"
q 'sasl:carol@bar.com'
q 'sasl_username:CAROL@BAR.COM'
q 'client:2001:db8:42::1a'
q 'client:2001:0DB8:0042:0:0:0:0:1A'
q 'client:2001:db8:42::/48'
q 'client:192.0.2.5 date:2011-12-16'
q 'client:192.0.2.0/29 date:2011-12-16'
q 'client:192.0.2.0/24 client:2001:db8::/32'
q 'client:::ffff:192.0.2.0/120 date:2011-12-16'
echo "== boolean operators and grouping"
q 'status:expired OR status:bounced'
q 'to:@bar.com AND (status:bounced OR status:expired)'
q 'status:deferred NOT host:smtp'
q 'NOT host:smtp NOT host:mx1'
q 'status:deferred XOR host:mx1'
echo "== free text: words and phrases (all words, no positions)"
q '"timed out"'
q 'status:deferred "out timed"'
q 'text:refused'
q 'Refused'
echo "== dates: relative to MXTRACE_NOW (2011-12-17T12:00Z), open ends, a single day"
q 'date:-2h..now'
q 'date:2011-12-17T10:00..' 'mta:postfix'
q 'date:..2011-12-14T08:00 host:smtp'
q 'date:2011-12-14 status:deferred'
echo "== Message-ID with and without <>; queue ID by alias"
q 'msgid:<4EEA0352.6020508@foo.com>'
q 'message_id:4EEA0352.6020508@foo.com'
q 'qid:pBE8FUjJ016161'
echo "== nothing found: exit 1"
"$MXTRACE" search 'from:nobody@nowhere.example'; echo "exit $?"
echo "== --explain"
"$MXTRACE" search --explain -h smtp 'from:bob@* to:*@bar.com client:192.0.2.0/24 date:2011-12-15..2011-12-16 "user unknown"' >/dev/null
echo "== --explain: text: is listed; a term's bytes (a C1 control) are escaped; \"\" in a quoted value is a '\"' (attack1)"
"$MXTRACE" search --explain 'text:"timed out" status:deferred' >/dev/null
"$MXTRACE" search --explain $'host:"\xc2\x9b[31m"' 'to:"a""b@bar.com"'; echo "exit $?"
echo "== NEAR quoted is the word near, which must occur like any other (attack1)"
q '"timed NEAR out"'
q 'timed out'
echo "== SASL in the text and JSON output"
"$MXTRACE" search --utc 'sasl:carol@bar.com' -r 1 | head -3
"$MXTRACE" search 'sasl:carol@bar.com' -r 1 --format json | grep -o '"client":{[^}]*}'
