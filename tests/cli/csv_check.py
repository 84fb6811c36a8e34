#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Checks `mxtrace search --format csv` against `--format json` of the same search, with
# Python's csv module (not mxtrace's code): the CSV parses as RFC 4180 with CRLF record ends,
# has one row per attempt (one for a transaction without attempts), every value equals the
# JSON value (escaped as escape_text does, null -> empty, the null sender -> <>), and writing
# the parsed rows back with csv.writer gives the same bytes.
# Usage: csv_check.py FILE.csv FILE.jsonl
import csv, io, json, sys

raw = open(sys.argv[1], 'rb').read()
objs = [json.loads(l) for l in open(sys.argv[2], encoding='utf-8')]
text = raw.decode('utf-8')
assert text.endswith('\r\n'), 'the last record does not end in CRLF'
assert '\n' not in text.replace('\r\n', ''), 'a bare LF outside CRLF'
rows = list(csv.reader(io.StringIO(text, newline=''), strict=True))
header, rows = rows[0], rows[1:]

def esc(s):
    # escape_text for the characters these tests use: C0 controls and DEL -> \xNN
    return ''.join('\\x%02x' % ord(c) if ord(c) < 0x20 or ord(c) == 0x7f else c for c in s)

def expect(obj, att, name):
    key = {'summary_status': 'status'}.get(name, name)
    if name in ('client_name', 'client_ip'):
        v = obj['client'][name[7:]]
    elif name == 'sasl_username':
        v = obj['client'][name]
    elif name in ('time', 'recipient', 'orig_recipient', 'relay', 'status', 'dsn', 'delay', 'text', 'queued_as'):
        v = None if att is None else att[key]
    else:
        v = obj[key]
    if v is None: return ''
    if isinstance(v, bool): return 'true' if v else 'false'
    if isinstance(v, (int, float)): return str(v)
    if name == 'sender' and v == '': return '<>'
    return esc(v)

want = []
for o in objs:
    for a in (o['attempts'] or [None]):
        want.append([expect(o, a, n) for n in header])
assert len(rows) == len(want), f'{len(rows)} CSV rows, {len(want)} expected from the JSON'
for i, (got, w) in enumerate(zip(rows, want)):
    assert got == w, f'row {i + 1}:\n got  {got}\n want {w}'
out = io.StringIO(newline='')
csv.writer(out, lineterminator='\r\n').writerows([header] + rows)
assert out.getvalue() == text, 'csv.writer writes the parsed rows differently'
quoted = sum(1 for l in text.split('\r\n') if '"' in l)
print(f'csv ok: {len(header)} columns, {len(rows)} rows of {len(objs)} transactions, {quoted} rows with quoted fields')
