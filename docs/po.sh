#!/usr/bin/env bash
# After the English pages change: extracts the messages from the sources (mdbook-xgettext) and merges them into
# po/zh-CN.po (msgmerge). New messages arrive untranslated, changed ones marked fuzzy with the old translation as a
# draft, and ones the sources no longer have are dropped. Translate those, remove the fuzzy marks, and `just docs`
# passes again. The messages are read from the book as built, so the outputs it includes must exist (generate.sh).
set -euo pipefail
docs=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
MDBOOK_OUTPUT='{"xgettext": {}}' mdbook build -d "$work/pot" "$docs" > "$work/log" 2>&1 || { cat "$work/log"; exit 1; }
msgmerge --quiet --no-wrap --backup=off --update "$docs/po/zh-CN.po" "$work/pot/messages.pot"
msgattrib --no-obsolete --no-wrap -o "$docs/po/zh-CN.po" "$docs/po/zh-CN.po"
LC_ALL=C msgfmt --statistics -o /dev/null "$docs/po/zh-CN.po" 2>&1 | sed 's/^/docs-po: po\/zh-CN.po: /'
