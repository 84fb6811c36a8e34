#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Generates the seed corpus of the fuzz targets into tests/fuzz/seeds/<target>/.

Sources: the shape table of the MTA parsers (every line shape has a sample, src/mta/events.cpp),
the log lines of tests/cli/fixtures (and of CORPUS_DIR when given), the example query of every
field (src/store/fields.cpp), and hand-written time and config forms below. Lines are classified
by the code itself (seedtool classify) and for every class (shape, noqueue, unparsed) the few
shortest distinct lines are kept, so the seeds reach every line shape and stay small.

Usage: tests/fuzz/make_seeds.py [--out DIR] BUILD_FUZZ_DIR [CORPUS_DIR]
  (BUILD_FUZZ_DIR is a build with -Dfuzz=true). The output replaces tests/fuzz/seeds/ (or DIR)
  entirely; review `git diff --stat` after. The checked-in seeds are made WITHOUT a CORPUS_DIR:
  lines of ../shared/corpus are other projects' logs and stay out of the repository; for long
  runs, make seeds from it into a folder of your own: --out ~/fuzz/corpus-seeds build-fuzz ../shared/corpus
"""
import gzip
import hashlib
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PER_CLASS = 3          # shortest lines kept per class and MTA target
VARIANTS = 12          # plus the shortest of each of up to this many first words of the message
REDUCER_WINDOWS = 40   # line sequences kept for the reducer
CLOCK_WINDOWS = 20     # and for the clock (time target, mode 3)
MAX_LINE = 600         # longer lines are not used as seeds (the fuzzer makes long ones itself)
OUT = os.path.join(HERE, 'seeds')  # --out DIR replaces it


def seedtool(build, *args, stdin=None):
    exe = os.path.join(build, 'tests', 'fuzz', 'seedtool')
    return subprocess.run([exe, *args], input=stdin, capture_output=True, check=True).stdout


def read_lines(path):
    opener = gzip.open if path.endswith('.gz') else open
    try:
        with opener(path, 'rb') as f:
            data = f.read()
    except OSError:
        return []
    out = []
    yaml_like = re.compile(rb"""^\s*(?:-\s*)?(?:[A-Za-z_]+:\s*)?['"]?(.*?)['"]?\s*$""")
    for raw in data.split(b'\n'):
        raw = raw.rstrip(b'\r')
        if not raw or len(raw) > MAX_LINE:
            continue
        out.append(raw)
        m = yaml_like.match(raw)  # log lines quoted in YAML/INI test files
        if m and m.group(1) != raw:
            out.append(m.group(1))
    return out


def log_files(dirs):
    for d in dirs:
        if not os.path.isdir(d):
            continue
        for base, _, files in os.walk(d):
            for name in sorted(files):
                if name.endswith(('.md', 'LICENSE', 'copyright')) or name in ('LICENSE',):
                    continue
                yield os.path.join(base, name)


def write(target, data, name=None):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    name = name or hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def main():
    global OUT
    args = sys.argv[1:]
    if len(args) >= 2 and args[0] == '--out':
        OUT = os.path.abspath(args[1])
        args = args[2:]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    build = args[0]
    # no corpus by default: the committed seeds come from the project's own data only (the shared
    # corpus is other people's logs, referenced by the tests, never copied into the repository)
    corpus = args[1] if len(args) > 1 else ''

    fixtures = os.path.join(ROOT, 'tests', 'cli', 'fixtures')
    shutil.rmtree(os.path.join(OUT), ignore_errors=True)

    # 1. the shape table: one seed per sample for the parser of its MTA, the syslog and reducer targets
    for row in seedtool(build, 'shapes').split(b'\n'):
        if not row:
            continue
        name, program, message = row.split(b'\t', 2)
        line = b'Dec 15 14:27:18 mx1 ' + program + b'[4242]: ' + message
        if program.startswith(b'postfix'):
            write('fuzz_postfix', program.split(b'/', 1)[1] + b'\n' + message, 'shape-' + name.decode())
        elif program.startswith(b'exim'):
            write('fuzz_exim', message, 'shape-' + name.decode())
            write('fuzz_exim', b'2011-12-15 14:27:18 ' + message, 'shape-mainlog-' + name.decode())
        else:
            write('fuzz_sendmail', program + b'\n' + message, 'shape-' + name.decode())
        write('fuzz_syslog', line, 'shape-' + name.decode())
        write('fuzz_reducer', line, 'shape-' + name.decode())

    # 2. real lines, classified by the code: the shortest few distinct lines of every class
    files = list(log_files([corpus, fixtures]))
    lines = []
    for path in files:
        lines.extend(read_lines(path))
    classified = seedtool(build, 'classify', stdin=b'\n'.join(lines) + b'\n')
    best = {}
    for row in classified.split(b'\n'):
        if not row:
            continue
        cls, mta, program, offset, line = row.split(b'\t', 4)
        best.setdefault((cls, mta), set()).add((len(line), line, program, int(offset)))
    for (cls, mta), found in sorted(best.items()):
        found = sorted(found)
        chosen = found[:PER_CLASS]
        # and the shortest line of each distinct first word of the message (a class such as
        # postfix.session holds many kinds of lines: connect, lost connection, warning: ...)
        seen_words = set()
        for item in found:
            word = re.sub(rb'[0-9A-F]{6,}|\d+', b'#', item[1][item[3]:].split(b' ', 1)[0])
            if word not in seen_words and len(seen_words) < VARIANTS:
                seen_words.add(word)
                if item not in chosen:
                    chosen.append(item)
        for _, line, program, offset in chosen:
            message = line[offset:]
            write('fuzz_syslog', line)
            if mta == b'postfix' and program.startswith(b'postfix') and b'/' in program:
                write('fuzz_postfix', program.split(b'/', 1)[1] + b'\n' + message)
            elif mta == b'sendmail':
                write('fuzz_sendmail', program + b'\n' + message)
            elif mta == b'exim':
                write('fuzz_exim', line if program == b'exim-mainlog' else message)
            if cls.startswith((b'not_mine',)):
                continue
            write('fuzz_time', bytes([3]) + line)
    # non-syslog and odd envelopes
    for s in [b'2023-03-14T00:08:35.948047+01:00 mx1 postfix/smtpd[1]: connect from x[192.0.2.1]',
              b'Feb 29 23:59:60 h sm-mta[1]: x', b'Jan  1 00:00:00 h exim[1]: [1/2] 1hHB5F-0002Ui-Lq <= a@b',
              b'Jan  1 00:00:01 h exim[1]: [2\\2] H=x', b'2019-10-22 03:39:17.123 +0200 [123] 1iMmIl-0001Yg-1z Completed',
              b'not a log line', b'Dec 15 14:27:18 host']:
        write('fuzz_syslog', s)

    # 3. line sequences for the reducer and the clock: the first lines of the logs with the most
    #    distinct mail line classes (a window of consecutive lines keeps messages together)
    windows = []
    for path in files:
        seq = [l for l in read_lines(path) if re.match(rb'^([A-Z][a-z]{2} [ 0-9]\d |\d{4}-\d\d-\d\d)', l)]
        if len(seq) < 3:
            continue
        chunk = []
        for l in seq:
            if sum(len(x) + 1 for x in chunk) + len(l) > 3000:
                break
            chunk.append(l)
        windows.append((len(set(l.split(b'[')[0][-12:] for l in chunk)), path, b'\n'.join(chunk)))
    windows.sort(key=lambda w: (-w[0], w[1]))
    for _, _, chunk in windows[:REDUCER_WINDOWS]:
        write('fuzz_reducer', chunk)
    for _, _, chunk in windows[:CLOCK_WINDOWS]:
        head = b'\n'.join(chunk.split(b'\n')[:8])
        write('fuzz_time', bytes([3]) + head)
        write('fuzz_time', bytes([0x83]) + head)

    # 4. time forms: -d/-D values (0, 1), date: ranges (2), queue IDs with a time (4)
    user = [b'2023-03-14', b'2023-03-14 10:00', b'2023-03-14 10:00:59', b'2023-03-14T10:00:00Z',
            b'2023-03-14T10:00+01:00', b'2023-03-14 10:00:00-05:30', b'2h', b'90s', b'15m', b'3d', b'1w',
            b'now', b'today', b'yesterday', b'2023-02-29', b'20000000w', b'9223372036854775807s']
    for u in user:
        for mode in (0, 1, 0x80, 0x81):
            write('fuzz_time', bytes([mode]) + u)
    for r in [b'2011-12-15..2011-12-17', b'2011-12-15', b'-2d..', b'..now', b'yesterday..today',
              b'2011-12-15 10:00..2011-12-15T11:00Z', b'..', b'2011-12-15..2011-12-14']:
        write('fuzz_time', bytes([2]) + r)
        write('fuzz_time', bytes([0x82]) + r)
    for q in [b'pBFERI8l019936', b'pBE8FUjJ016161', b'3Tcd7g1b2Lz4Wb6', b'4SZ2pk2X3qzKDcp', b'3F1A2B4C5D']:
        write('fuzz_time', bytes([4]) + q)

    # 5. queries: every field's example, the forms of mxtrace-query(7)
    queries = [q for q in seedtool(build, 'queries').split(b'\n') if q]
    queries += [b'from:bob@* to:*@bar.com client:192.0.2.0/24 date:2011-12-15..2011-12-16 "user unknown"',
                b'text:"timed out" status:deferred', b'from:<> AND NOT status:sent', b'(to:@bar.com OR to:x@y) XOR mta:postfix',
                b'client:2001:db8::/32', b'client:IPv6:2001:db8::1', b'to:"a""b@bar.com"', b'host:smtp*',
                b'msgid:<a@b> OR qid:1hHB5F-0002Ui-Lq', b'date:-2d..', b'relay:[192.0.2.1]:25', b'NOT (a b)']
    for q in queries:
        write('fuzz_query', q)

    # 6. config files: one byte for the subcommand, then the file
    confs = [b'[index]\ndb = "/var/lib/mxtrace"\nretention = 30\ntz = "Europe/Berlin"\n\n[search]\nutc = true\nmax-results = 50\n',
             b'# comment\ndb = "/tmp/x"\n[index]\nhost-for = "/var/log/exim4/*=mx1"\nhost = "out"\n',
             b'[trace]\nalias = ["a=b", "c=d"]\n', b'[search]\nformat = "csv"\ncolumns = "time,from,to"\n',
             b'[prune]\nretention = 0\n', b'[index]\nretention = "x"\n', b'[unknown]\nkey = 1\n']
    for i, c in enumerate(confs):
        for sub in range(6):
            if i < 2 or sub == i % 6:
                write('fuzz_config', bytes([sub]) + c)
    total = sum(os.path.getsize(os.path.join(b, f)) for b, _, fs in os.walk(os.path.join(OUT)) for f in fs)
    count = sum(len(fs) for _, _, fs in os.walk(os.path.join(OUT)))
    print(f'{count} seeds, {total} bytes in {os.path.join(HERE, "seeds")}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
