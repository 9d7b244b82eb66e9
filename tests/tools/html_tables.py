#!/usr/bin/env python3
"""Checks every <table> of the HTML files given: each row of its body has as
many cells as its header row has (colspan counted), so that no column sits
under the wrong heading. Prints one line per mismatch and exits 1 if any;
prints "N tables, M rows" and exits 0 otherwise. A table without a header
row is only counted.

    tests/tools/html_tables.py PAGE.html...
"""
import sys
from html.parser import HTMLParser


class Tables(HTMLParser):
    def __init__(self, name):
        super().__init__()
        self.name = name
        self.stack = []  # open tables: dict(id, head, rows, section, row)
        self.tables = 0
        self.rows = 0
        self.bad = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'table':
            self.tables += 1
            self.stack.append({'id': a.get('id') or a.get('class') or '#%d' % self.tables,
                               'head': None, 'section': 'body', 'row': None, 'n': 0})
            return
        if not self.stack:
            return
        t = self.stack[-1]
        if tag in ('thead', 'tbody', 'tfoot'):
            t['section'] = tag[1:]
        elif tag == 'tr':
            t['row'] = 0
        elif tag in ('td', 'th') and t['row'] is not None:
            try:
                t['row'] += max(1, int(a.get('colspan') or 1))
            except ValueError:
                t['row'] += 1

    def handle_endtag(self, tag):
        if not self.stack:
            return
        t = self.stack[-1]
        if tag == 'tr' and t['row'] is not None:
            if t['section'] == 'head':
                t['head'] = t['row']
            elif t['head'] is not None:
                t['n'] += 1
                self.rows += 1
                if t['row'] != t['head']:
                    self.bad.append('%s: table %s, %s row %d: %d cells under %d headings'
                                    % (self.name, t['id'], t['section'], t['n'],
                                       t['row'], t['head']))
            t['row'] = None
        elif tag in ('thead', 'tbody', 'tfoot'):
            t['section'] = 'body'
        elif tag == 'table':
            self.stack.pop()


def main(files):
    tables = rows = 0
    bad = []
    for f in files:
        p = Tables(f)
        with open(f, encoding='utf-8', errors='replace') as fh:
            p.feed(fh.read())
        p.close()
        tables += p.tables
        rows += p.rows
        bad += p.bad
    for b in bad:
        print(b)
    if not bad:
        print('%d tables, %d rows' % (tables, rows))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
