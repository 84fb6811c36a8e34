# mxtrace trace on the bundled sample: bob@foo.com's message from the Sendmail host smtp to the
# Postfix host mx1 and its mailbox, and the multi-host chain client -> mx2 (Postfix) -> amavis ->
# Exim host out -> mx2 (Postfix) -> amavis -> mx2 (Postfix) -> hub (Sendmail), with a deferral, a
# bounce and its DSN back to out (Exim), in text, JSON and DOT.
L="$EXAMPLES/logs"
"$MXTRACE" index --db "$DB" --tz UTC --quiet "$L"/smtp/maillog "$L"/mx1/mail.log.1 "$L"/mx1/mail.log "$L"/mx2/mail.log "$L"/hub/maillog \
  --host-for '*/logs/out/mainlog=out' "$L"/out/mainlog
echo "== bob@foo.com's message by queue ID on smtp"
"$MXTRACE" trace --db "$DB" --utc smtp:pBG9CXlZ022280
echo "== the same by Message-ID, and from its mx1 queue ID: one identical tree"
"$MXTRACE" trace --db "$DB" --utc '<4EEB083B.9180226@foo.com>' > a.txt
"$MXTRACE" trace --db "$DB" --utc 382413987C > b.txt
"$MXTRACE" trace --db "$DB" --utc smtp:pBG9CXlZ022280 > c.txt
cmp a.txt b.txt && cmp a.txt c.txt && echo "same tree"
echo "== by search flags: bob's messages of 2011-12-15 on smtp, each traced once"
"$MXTRACE" trace --db "$DB" --utc -f bob@foo.com -h smtp -d 2011-12-15 -D 2011-12-15 | grep -E '^message|^└─|^      └─ mx1'
echo "== -r cuts the list of matching transactions: stderr says so"
"$MXTRACE" trace --db "$DB" --utc -f bob@foo.com -r 1 | head -1
echo "== the chain: text"
"$MXTRACE" trace --db "$DB" --utc 20111216141502.7F3A2C0012@out.example.org
echo "== the chain from its Exim message ID, and from the Exim ID of the returned DSN: the same tree"
"$MXTRACE" trace --db "$DB" --utc 20111216141502.7F3A2C0012@out.example.org > a.txt
"$MXTRACE" trace --db "$DB" --utc out:1RbYYu-00012r-DI > b.txt
"$MXTRACE" trace --db "$DB" --utc 1RbYdr-00014f-T9 > c.txt
cmp a.txt b.txt && cmp a.txt c.txt && echo "same tree"
echo "== the chain: JSON"
"$MXTRACE" trace --db "$DB" --format json hub:pBGEK6aB028812
echo "== the chain: DOT"
"$MXTRACE" trace --db "$DB" --utc --format dot mx2:7B2C3D4E5F | tee chain.dot
if command -v dot >/dev/null; then
  dot -Tsvg chain.dot > chain.svg && grep -c '<svg' chain.svg && grep -c 'class="node"' chain.svg
else
  echo "dot (graphviz) is missing: install it (scripts/deps)"; exit 1
fi
echo "== --raw: each transaction's original lines under it (text, JSON)"
"$MXTRACE" trace --db "$DB" --utc --raw smtp:pBG9CXlZ022280
"$MXTRACE" trace --db "$DB" --format json --raw smtp:pBG9CXlZ022280 |
  python3 -c 'import json,sys; o=json.loads(sys.stdin.read()); n=o["root"]; print([l["line"] for l in n["transaction"]["raw"]], [l["line"] for l in n["hops"][0]["next"][0]["transaction"]["raw"]])'
echo "== CSV: one row per attempt of every transaction in the chain"
"$MXTRACE" trace --db "$DB" --format csv --fields host,queue_id,recipient,status,dsn mx2:7B2C3D4E5F | tr -d '\r'
echo "== an outside relay, and the same with an alias to an indexed host without the transaction"
"$MXTRACE" trace --db "$DB" --utc pBDGIAqF014166 | grep -E 'left|MISSING'
"$MXTRACE" trace --db "$DB" --utc --alias mx.example.net=mx2 pBDGIAqF014166 | grep -E 'left|MISSING'
"$MXTRACE" trace --db "$DB" --utc --alias 198.51.100.77=mx3 pBDGIAqF014166 | grep -E 'left|MISSING'
echo "== the alias from the config file"
printf '[trace]\nalias = ["mx.example.net.=mx2"]\n' > conf
"$MXTRACE" --config conf trace --db "$DB" --utc pBDGIAqF014166 | grep -E 'left|MISSING'
echo "== errors"
"$MXTRACE" trace --db "$DB" NOSUCHQID1; echo "exit $?"
"$MXTRACE" trace --db "$DB"; echo "exit $?"
"$MXTRACE" trace --db "$DB" --alias mx.example.net pBDGIAqF014166; echo "exit $?"
"$MXTRACE" trace --db "$DB" 'from:bob@foo.com status:sent'; echo "exit $?"
"$MXTRACE" trace --db "$DB" --format dot --raw smtp:pBG9CXlZ022280; echo "exit $?"
"$MXTRACE" trace --db "$DB" --format csv --raw smtp:pBG9CXlZ022280; echo "exit $?"
"$MXTRACE" trace --db "$DB" --fields queue_id smtp:pBG9CXlZ022280; echo "exit $?"
"$MXTRACE" trace --db "$DB" --format csv --fields queue_id,nosuch smtp:pBG9CXlZ022280; echo "exit $?"
echo "== --color always: status words coloured, hosts and queue IDs bold (cat -v); never in a pipe by default"
"$MXTRACE" trace --db "$DB" --utc --color always smtp:pBG9CXlZ022280 | cat -v
"$MXTRACE" trace --db "$DB" --utc smtp:pBG9CXlZ022280 | grep -c $'\033'
NO_COLOR=1 "$MXTRACE" trace --db "$DB" --utc --color auto smtp:pBG9CXlZ022280 | grep -c $'\033'; true
