#!/usr/bin/env bash
# Checks the book after `mdbook build`: every include names a file and anchor that exist, nothing was left
# unincluded in the HTML, and every relative link in the sources points at a file that exists.
set -u
docs=$(cd "$(dirname "$0")" && pwd)
bad=0
say_bad() { echo "docs: $*"; bad=$((bad + 1)); }

# Includes: {{#include path}} or {{#include path:anchor}}, relative to the page.
while IFS= read -r hit; do
    page=${hit%%:*}
    spec=$(sed -E 's/.*\{\{#include ([^}]*)\}\}.*/\1/' <<< "${hit#*:}")
    file=${spec%%:*}
    anchor=""
    [ "$spec" != "$file" ] && anchor=${spec#*:}
    target="$(dirname "$page")/$file"
    case "$file" in generated/*) ;; *) [ -f "$target" ] || { say_bad "$page includes missing $file"; continue; } ;; esac
    if [ -n "$anchor" ] && ! grep -q "ANCHOR: $anchor\$" "$target"; then
        say_bad "$page includes $file:$anchor, but that file has no anchor '$anchor'"
    fi
done < <(grep -rn -o '{{#include [^}]*}}' "$docs/src" --include=*.md | sed -E 's/^([^:]*):[0-9]+:/\1:/')

# Nothing left unexpanded in the built book.
if grep -rl '{{#include' "$docs/book" >/dev/null 2>&1; then
    say_bad "an include was not expanded in: $(grep -rl '{{#include' "$docs/book" | head -3 | tr '\n' ' ')"
fi

# Relative links in the sources.
while IFS= read -r hit; do
    page=${hit%%:*}
    link=$(sed -E 's/.*\]\(([^)#]*).*/\1/' <<< "${hit#*:}")
    [ -z "$link" ] && continue
    case "$link" in http*|mailto:*) continue ;; esac
    [ -e "$(dirname "$page")/$link" ] || say_bad "$page links to missing $link"
done < <(grep -rn -o '\]([^)]*)' "$docs/src" --include=*.md | sed -E 's/^([^:]*):[0-9]+:/\1:/')

pages=$(grep -c '\.md)' "$docs/src/SUMMARY.md")
if [ "$bad" = 0 ]; then echo "docs: $pages pages, includes and links checked"; else exit 1; fi
