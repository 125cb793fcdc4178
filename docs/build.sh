#!/usr/bin/env bash
# Builds both editions of the book from the one set of sources: English into docs/book/, Chinese (zh-CN) into
# docs/book/zh-CN/. The Chinese edition is the same Markdown with every message replaced by its translation from
# po/zh-CN.po (mdbook-gettext); code and generated outputs are not messages, so both editions show the same ones.
#
# Usage: build.sh (after generate.sh, which makes the outputs the pages include; `just docs` runs both, then
# check.sh)
set -euo pipefail
docs=$(cd "$(dirname "$0")" && pwd)
cd "$docs"

# mdbook-gettext translates the pages, not book.toml. The book's title is also the introduction's heading, so
# po/zh-CN.po translates it like any message, and the Chinese edition gets its title from there.
title=$(sed -nE 's/^title = "(.*)"$/\1/p' book.toml)
title_zh=$(msgcat --no-wrap po/zh-CN.po | awk -v id="msgid \"$title\"" '
    $0 == id { found = 1; next }
    found && /^msgstr / { sub(/^msgstr "/, ""); sub(/"$/, ""); print; found = 0 }')
if [ -z "$title_zh" ]; then
    echo "build.sh: po/zh-CN.po has no translation of the title \"$title\" (the introduction's heading)" >&2
    exit 1
fi

# Runs one mdbook build; shows its warnings, and everything it said if it failed.
build() {
    local log status=0
    log=$(mktemp)
    "$@" > "$log" 2>&1 || status=$?
    if [ "$status" != 0 ]; then
        cat "$log" >&2
        echo "build.sh: '$*' failed (exit code $status)" >&2
    else
        grep -v '^ INFO' "$log" || true
    fi
    rm -f "$log"
    return "$status"
}

# English first: mdBook empties its output folder before writing, which would remove a zh-CN built earlier.
build mdbook build -d book .
MDBOOK_BOOK__LANGUAGE=zh-CN MDBOOK_BOOK__TITLE="$title_zh" build mdbook build -d book/zh-CN .

# theme/header.hbs can only name the page's source (tftp.md); the other edition's page is tftp.html.
find book -name '*.html' -exec sed -i -E 's#(class="lang-switch-link"[^>]*href="[^"]*)\.md"#\1.html"#' {} +

echo "docs: built docs/book (English) and docs/book/zh-CN (中文)"
