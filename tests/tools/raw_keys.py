#!/usr/bin/env python3
"""Fails if a page shows people a raw key where words belong (issue 12): a
cell of a list (table#list, table#history) or a value of a record's page
(dl#record) that is an enum value's key ("principal", "all_staff_training",
as client code names them: the value without its enum's prefix, lower
case), a snake_case word, a public key's 64 hex digits, or a record's UUID
(a drill's plan, a hazard's inspection: the record it names belongs
there); a ';'-separated list is judged item by item. Columns for the
record's link, the campus and the school hold ids on purpose and are left
out. Prints one line per finding and exits 1 if any.

    tests/tools/raw_keys.py safecampus.proto PAGE.html...

With --dashboard [--web], the pages are Chinese dashboards (render_html.c,
`dashboard --html` or serve's /dashboard/frame): the heads, captions and
tooltips of the school table, the page's <h1> and the cells of every
table must not hold an ASCII word (a head like "HzOvd", a sort key like
"score", a unit like "10.8d"); text inside <code> (a command), the
school's and campus's ids and names typed as data (td of a name column,
h1's school name) are left out. --web also fails on any <code>safecampus
...</code>: a browser user has no command line.
"""
import re
import sys
from html.parser import HTMLParser

# headings (and dt labels) of columns that show ids by design
ID_HEADS = {'记录', '校区', '学校', 'Record', 'Campus', 'School'}


def enum_keys(proto):
    """The short names of every enum value (kind_enum_name's)."""
    keys = set()
    for name, body in re.findall(r'enum\s+(\w+)\s*\{([^}]*)\}', open(proto).read()):
        prefix = re.sub(r'(?<!^)(?=[A-Z])', '_', name).upper() + '_'
        for v, n in re.findall(r'(\w+)\s*=\s*(\d+)', body):
            if n != '0' and v.startswith(prefix):
                keys.add(v[len(prefix):].lower())
    return keys


class Cells(HTMLParser):
    """(page, where, heading, text) of every cell of the tables and lists."""

    def __init__(self):
        super().__init__()
        self.cells = []
        self.where = None  # 'table id' or 'dl id' being read
        self.heads = []
        self.col = 0
        self.text = None
        self.tag = None
        self.dt = ''

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'table' and a.get('id') in ('list', 'history'):
            self.where, self.heads = a['id'], []
        elif tag == 'dl' and a.get('id') == 'record':
            self.where = 'record'
        elif not self.where:
            return
        elif tag == 'tr':
            self.col = 0
        elif tag in ('td', 'th', 'dd', 'dt'):
            self.text, self.tag = [], tag

    def handle_data(self, data):
        if self.text is not None:
            self.text.append(data)

    def handle_endtag(self, tag):
        if not self.where:
            return
        if tag in ('table', 'dl'):
            self.where = None
            return
        if tag != self.tag or self.text is None:
            return
        t = ''.join(self.text).strip()
        self.text = None
        if tag == 'th':
            self.heads.append(t)
        elif tag == 'td':
            head = self.heads[self.col] if self.col < len(self.heads) else ''
            self.col += 1
            self.cells.append((self.where, head, t))
        elif tag == 'dt':
            self.dt = t
        elif tag == 'dd':
            self.cells.append((self.where, self.dt, t))


class Dash(HTMLParser):
    """(where, text) of the dashboard's words that must be Chinese."""

    def __init__(self):
        super().__init__()
        self.found = []
        self.stack = []     # open elements: (tag, attrs)
        self.table = None   # id of the table being read
        self.code = 0
        self.cli = []       # texts of <code> elements
        self.heads = []     # the table's column heads
        self.col = -1

    def inside(self, tag, **want):
        return any(t == tag and all(a.get(k) == v for k, v in want.items())
                   for t, a in self.stack)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ('meta', 'link', 'br', 'img', 'input'):
            return
        self.stack.append((tag, a))
        if tag == 'table':
            self.table = a.get('id', 'table')
            self.heads = []
        if tag == 'tr':
            self.col = -1
        if tag in ('td', 'th'):
            self.col += 1
        if tag == 'th' and self.inside('thead'):
            self.heads.append('')
        if tag == 'code':
            self.code += 1
            self.cli.append('')
        if tag == 'th' and self.table == 'school-table' and a.get('title'):
            self.found.append(('school-table th title', a['title']))

    def handle_endtag(self, tag):
        while self.stack:
            t, _ = self.stack.pop()
            if t == 'code':
                self.code -= 1
            if t == 'table':
                self.table = None
            if t == tag:
                break

    def handle_data(self, data):
        if self.code:
            self.cli[-1] += data
            return
        if not data.strip() or self.inside('style') or self.inside('script'):
            return
        if self.table and self.inside('thead') and self.inside('th') and self.heads:
            self.heads[-1] += data.strip()
        if self.inside('h1') and not self.inside('span', **{'class': 'scope'}):
            self.found.append(('h1', data))
        elif self.inside('h1'):
            self.found.append(('h1 scope', data))
        elif self.table == 'school-table' and (self.inside('th') or self.inside('caption')):
            self.found.append(('school-table head', data))
        elif self.table and self.inside('caption'):
            self.found.append(('%s caption' % self.table, data))
        elif self.table and self.inside('td') and not self.inside('td', **{'class': 'name'}) \
                and not self.inside('span', **{'class': 'detail'}) \
                and (self.heads[self.col] if self.col < len(self.heads) else '') not in ID_HEADS:
            self.found.append(('%s cell' % self.table, data))


def dashboards(argv):
    web = '--web' in argv
    pages = [a for a in argv if not a.startswith('--')]
    bad = 0
    for page in pages:
        d = Dash()
        d.feed(open(page, encoding='utf-8').read())
        for where, t in d.found:
            t = t.strip()
            # a school's name is data (the fixture's are English): the
            # scope of a school's page, a row's name, a flag's or health's school
            if where == 'h1 scope' and t not in ('District', 'Whole district') \
                    and not re.fullmatch(r'd\d+', t):
                continue
            if where.endswith(' cell') and not re.fullmatch(r'[0-9.,%&;\s-]*[A-Za-z]+', t):
                continue
            if re.search(r'[A-Za-z]{2,}', t) or re.fullmatch(r'[0-9.]+[a-z]+', t):
                print('%s: %s: "%s" is not Chinese' % (page, where, t[:80]))
                bad += 1
        for c in d.cli if web else []:
            if c.startswith('safecampus'):
                print('%s: tells a browser user to run "%s"' % (page, c))
                bad += 1
    if bad:
        sys.exit(1)
    print('%d dashboards, all Chinese' % len(pages))


def main():
    if '--dashboard' in sys.argv:
        return dashboards(sys.argv[2:])
    keys = enum_keys(sys.argv[1])
    bad = 0
    for page in sys.argv[2:]:
        c = Cells()
        c.feed(open(page, encoding='utf-8').read())
        for where, head, t in c.cells:
            if head in ID_HEADS:
                continue
            why = None
            # a list cell ("class_meeting;lecture") is judged item by item
            items = [i.strip() for i in t.split(';')]
            if any(i in keys for i in items):
                why = 'an enum key'
            elif any(re.fullmatch(r'[a-z]+(_[a-z0-9]+)+', i) for i in items):
                why = 'a snake_case key'
            elif re.search(r'\b[0-9a-f]{64}\b', t):
                why = 'a key\'s hex'
            elif re.search(r'\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b', t):
                why = 'a record\'s id (name the record it refers to)'
            if why:
                print('%s: %s, "%s": %s is %s' % (page, where, head, t[:80], why))
                bad += 1
    if bad:
        sys.exit(1)
    print('%d pages, no raw key' % (len(sys.argv) - 2))


if __name__ == '__main__':
    main()
