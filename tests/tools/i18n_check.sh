#!/usr/bin/env bash
# Every string marked for translation (_() and N_()) in the product's sources
# has a Simplified Chinese translation in po/zh_CN/*.po, and each translation
# keeps its msgid's printf directives (msgfmt --check-format).
#   tests/tools/i18n_check.sh          check; exit 1 and list what is missing
#   tests/tools/i18n_check.sh --pot    print the template (.pot) and exit
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root"
mapfile -t srcs < <(ls client/*.c client/*/*.c common/*.c server/*.c 2>/dev/null | sort)
xgettext --from-code=UTF-8 --language=C --keyword=_ --keyword=N_ --keyword=NC_:1c,2 \
         --add-comments=TRANSLATORS: --no-wrap --sort-by-file \
         --package-name=safecampus -o "$tmp/safecampus.pot" "${srcs[@]}"
if [[ "${1:-}" == "--pot" ]]; then
  cat "$tmp/safecampus.pot"
  exit 0
fi
# a message shown to a person but not marked: xgettext never sees it
mapfile -t csrcs < <(ls client/*.c client/*/*.c common/*.c 2>/dev/null | sort)
python3 tests/tools/i18n_literals.py "${csrcs[@]}"
msgcat --use-first -o "$tmp/zh_CN.po" po/zh_CN/*.po
msgfmt --check -o /dev/null "$tmp/zh_CN.po"
# msgcmp: every msgid of the template must have a translation (untranslated
# and fuzzy entries count as missing)
if ! msgcmp "$tmp/zh_CN.po" "$tmp/safecampus.pot" 2>"$tmp/cmp"; then
  n=$(grep -c 'this message is used but not defined' "$tmp/cmp" || true)
  echo "i18n: $n marked strings have no zh_CN translation (as .po entries to translate):" >&2
  msgmerge -q --no-fuzzy-matching --no-wrap -o "$tmp/merged.po" "$tmp/zh_CN.po" "$tmp/safecampus.pot"
  msgattrib --untranslated --no-obsolete --no-wrap "$tmp/merged.po" | sed 1,/^$/d | head -400 >&2
  exit 1
fi
echo "i18n: every marked string has a zh_CN translation ($(grep -c '^msgid ' "$tmp/safecampus.pot") msgids)"
