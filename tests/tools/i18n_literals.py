#!/usr/bin/env python3
"""Messages handed to the functions that show them to a person, written as a
bare literal instead of _(): xgettext never sees those, so i18n_check.sh's
catalogue check cannot miss their translation, and the user reads English.
The functions: cli_err (the CLI's error line) and the sync's failure reasons
(sync__fail, sync__conn_end, conn_end: `safecampus sync` prints them and the
browser's sync page shows them). A literal of format directives only ("%s")
carries no words and passes. Usage: i18n_literals.py FILE.c...; exit 1 and
the places when one is found."""
import re
import sys

pat=re.compile(r'\b(sync__fail|sync__conn_end|conn_end|cli_err)\s*\(([^;]*?)"((?:[^"\\]|\\.)*)"',re.S)
bad=0
for f in sys.argv[1:]:
    s=open(f,encoding='utf-8').read()
    for m in pat.finditer(s):
        fn,args,lit=m.group(1),m.group(2),m.group(3)
        if fn=='cli_err' and args.strip(): continue
        if fn!='cli_err' and not re.search(r'SYNC_FAIL_\w+\s*,\s*$',args): continue
        if 'SYNC_FAIL_NONE' in args: continue
        if not re.search(r'[A-Za-z]{2,}', re.sub(r'%[-0-9.*]*[a-z]+', '', lit)): continue
        line=s.count('\n',0,m.start())+1
        print(f"{f}:{line}: {fn}(... \"{lit}\") is not marked for translation"); bad+=1
sys.exit(1 if bad else 0)
