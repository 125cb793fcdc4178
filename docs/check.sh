#!/usr/bin/env bash
# Checks the book after docs/build.sh has built both editions (docs/book and docs/book/zh-CN):
#   - every include names a file and an anchor that exist, and nothing was left unincluded;
#   - every code block is marked <!-- i18n:skip -->, so code and outputs are shared by both editions, never
#     copied into the translation;
#   - every relative link reaches a file, and every link to a heading (page.md#id) reaches that heading in both
#     editions;
#   - every row of coverage.tsv (the tutorial, part by part) names a page and heading that exist in both editions,
#     or says why the book leaves that part out;
#   - every page has a language switch whose link reaches the same page in the other edition;
#   - po/zh-CN.po translates every message the sources have today: none missing, none fuzzy, none stale;
#   - the labs' READMEs in Chinese are in step with the English ones (exercises/po/readmes.sh check).
# Prints one line per problem and exits 1 if there was any.
set -u
docs=$(cd "$(dirname "$0")" && pwd)
book="$docs/book"
bad=0
say_bad() { echo "docs: $*"; bad=$((bad + 1)); }

[ -f "$book/index.html" ] && [ -f "$book/zh-CN/index.html" ] || { echo "docs: build both editions first (docs/build.sh)"; exit 1; }

# ---- Includes: {{#include path}} or {{#include path:anchor}}, relative to the page.
while IFS= read -r hit; do
    page=${hit%%:*}
    spec=$(sed -E 's/.*\{\{#include ([^}]*)\}\}.*/\1/' <<< "${hit#*:}")
    file=${spec%%:*}
    anchor=""
    [ "$spec" != "$file" ] && anchor=${spec#*:}
    target="$(dirname "$page")/$file"
    [ -f "$target" ] || { say_bad "$page includes missing $file"; continue; }
    if [ -n "$anchor" ] && ! grep -q "ANCHOR: $anchor\$" "$target"; then
        say_bad "$page includes $file:$anchor, but that file has no anchor '$anchor'"
    fi
done < <(grep -rn -o '{{#include [^}]*}}' "$docs/src" --include=*.md | sed -E 's/^([^:]*):[0-9]+:/\1:/')

if grep -rl '{{#include' "$book" --include=*.html >/dev/null 2>&1; then
    say_bad "an include was not expanded in: $(grep -rl '{{#include' "$book" --include=*.html | head -3 | tr '\n' ' ')"
fi

# ---- Code blocks are not messages: the line before each opening fence (blank lines aside) is the skip marker.
while IFS= read -r problem; do
    say_bad "$problem"
done < <(awk '
    FNR == 1 { inside = 0; last = "" }
    /^```/ {
        if (!inside && last != "<!-- i18n:skip -->")
            printf "%s:%d: a code block without <!-- i18n:skip --> before it (code and outputs are shared, not translated)\n", FILENAME, FNR
        inside = !inside; last = ""; next
    }
    /[^[:space:]]/ { last = $0 }
' "$docs"/src/*.md)

# ids_of PAGE: the ids of a built page (mdBook makes one from each heading; ours are given as {#id}).
ids_of() { grep -o ' id="[^"]*"' "$1" | sed -E 's/ id="(.*)"/\1/'; }

# has_heading PAGE.md ID: true when both editions' PAGE.html have an element with that id.
has_heading() {
    local html=${1%.md}.html edition
    for edition in "$book" "$book/zh-CN"; do
        [ -f "$edition/$html" ] || return 1
        ids_of "$edition/$html" | grep -qxF -- "$2" || return 1
    done
}

# ---- Relative links in the sources; links to a heading must reach it in both editions.
while IFS= read -r hit; do
    page=${hit%%:*}
    link=$(sed -E 's/.*\]\(([^) ]*).*/\1/' <<< "${hit#*:}")
    case "$link" in http*|mailto:*|"") continue ;; esac
    file=${link%%#*}
    anchor=""
    [ "$file" != "$link" ] && anchor=${link#*#}
    if [ -n "$file" ] && [ ! -e "$(dirname "$page")/$file" ]; then
        say_bad "$(basename "$page") links to missing $file"
        continue
    fi
    [ -n "$file" ] || file=$(basename "$page")
    if [ -n "$anchor" ] && ! has_heading "$file" "$anchor"; then
        say_bad "$(basename "$page") links to $file#$anchor, but that heading is not in both editions"
    fi
done < <(grep -rn -o '\]([^)]*)' "$docs/src" --include=*.md | sed -E 's/^([^:]*):[0-9]+:/\1:/')

# ---- The coverage table: tab-separated, a header line, then: id, tutorial part, what it says, book, why not.
rows=0
declare -A seen=()
# (Tabs become \x1f first: read would take two tabs in a row, around an empty field, as one.)
while IFS=$'\x1f' read -r id part says target why; do
    [ "$id" = id ] && continue
    [ -n "$id" ] || continue
    rows=$((rows + 1))
    [ -z "${seen[$id]:-}" ] || say_bad "coverage.tsv: row id '$id' appears twice"
    seen[$id]=1
    if [ -z "$part" ] || [ -z "$says" ]; then
        say_bad "coverage.tsv: row '$id' needs the tutorial part and what it says"
    fi
    if [ -z "$target" ]; then
        [ -n "$why" ] || say_bad "coverage.tsv: row '$id' names no book page, so it must say why not"
        continue
    fi
    for one in ${target//,/ }; do
        page=${one%%#*}
        heading=${one#*#}
        if [ "$page" = "$one" ] || [ -z "$heading" ]; then
            say_bad "coverage.tsv: row '$id': '$one' must be page.md#heading"
        elif ! grep -qF "($page)" "$docs/src/SUMMARY.md"; then
            say_bad "coverage.tsv: row '$id': $page is not a page of the book (SUMMARY.md)"
        elif ! has_heading "$page" "$heading"; then
            say_bad "coverage.tsv: row '$id': $page has no heading #$heading in both editions"
        fi
    done
done < <(tr '\t' '\037' < "$docs/coverage.tsv")

# ---- The language switch: on every page, one link, to the same page of the other edition, which exists.
switches=0
while IFS= read -r page; do
    rel=${page#"$book"/}
    case "$rel" in toc.html | zh-CN/toc.html) continue ;; esac # the sidebar's frame, not a page
    mapfile -t hrefs < <(grep -o 'class="lang-switch-link"[^>]*' "$page" | sed -nE 's/.* href="([^"]*)".*/\1/p')
    if [ "${#hrefs[@]}" != 1 ]; then
        say_bad "$rel has ${#hrefs[@]} language switch links, not one"
        continue
    fi
    target=$(realpath -m "$(dirname "$page")/${hrefs[0]}")
    case "$rel" in
    zh-CN/*) want="$book/${rel#zh-CN/}" ;;
    *) want="$book/zh-CN/$rel" ;;
    esac
    if [ "$target" != "$want" ]; then
        say_bad "$rel: the language switch goes to ${target#"$book"/}, not ${want#"$book"/}"
    elif [ ! -f "$target" ]; then
        say_bad "$rel: the language switch goes to ${target#"$book"/}, which does not exist"
    else
        switches=$((switches + 1))
    fi
done < <(find "$book" -name '*.html' | sort)

# ---- Emphasis that Markdown did not take: mdbook-gettext writes *x* back as _x_, and an underscore between Chinese
# characters is no emphasis, so the marks would show on the page. Chinese text uses **x**, which always works.
while IFS= read -r hit; do
    say_bad "zh-CN/${hit#"$book/zh-CN/"}: emphasis shown as marks; write it **like this** in po/zh-CN.po"
done < <(grep -P -o '(?<![A-Za-z0-9_*])[_*]\p{Han}[^_*<>\s]*[_*](?![A-Za-z0-9_*])' "$book"/zh-CN/*.html | sort -u)

# ---- The translation: po/zh-CN.po against the messages extracted from the sources now.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! MDBOOK_OUTPUT='{"xgettext": {}}' mdbook build -d "$work/pot" "$docs" > "$work/xgettext.log" 2>&1; then
    cat "$work/xgettext.log"
    say_bad "extracting the messages (mdbook-xgettext) failed"
elif ! msgfmt --check -o /dev/null "$docs/po/zh-CN.po" 2> "$work/msgfmt.log"; then
    cat "$work/msgfmt.log"
    say_bad "po/zh-CN.po is not a valid PO file"
else
    msgmerge --quiet --no-wrap "$docs/po/zh-CN.po" "$work/pot/messages.pot" -o "$work/merged.po"
    stats=$(LC_ALL=C msgfmt --statistics -o /dev/null "$work/merged.po" 2>&1)
    translated=$(grep -oE '^[0-9]+ translated' <<< "$stats" | grep -oE '^[0-9]+' || echo 0)
    fuzzy=$(grep -oE '[0-9]+ fuzzy' <<< "$stats" | grep -oE '^[0-9]+' || echo 0)
    untranslated=$(grep -oE '[0-9]+ untranslated' <<< "$stats" | grep -oE '^[0-9]+' || echo 0)
    stale=$(msgattrib --only-obsolete --no-wrap "$work/merged.po" | grep -c '^#~ msgid ' || true)
    if [ "$fuzzy" != 0 ] || [ "$untranslated" != 0 ]; then
        msgattrib --only-fuzzy --no-wrap "$work/merged.po" | grep '^msgid "[^"]' | head -20 | sed 's/^/  fuzzy: /'
        msgattrib --untranslated --no-wrap "$work/merged.po" | grep '^msgid "[^"]' | head -20 | sed 's/^/  untranslated: /'
        say_bad "po/zh-CN.po: $untranslated messages untranslated, $fuzzy fuzzy (run 'just docs-po', translate, remove the fuzzy marks)"
    fi
    if [ "$stale" != 0 ]; then
        say_bad "po/zh-CN.po: $stale translations of messages the sources no longer have (run 'just docs-po')"
    fi
fi

# ---- The labs' READMEs in Chinese (exercises/po): every message translated, none fuzzy or stale, and each committed
# README.zh-CN.md exactly what exercises/po/zh-CN.po makes of its README now. It prints its own lines.
bash "$docs/../exercises/po/readmes.sh" check ||
    say_bad "the labs' Chinese READMEs are out of step with the English ones (run 'just labs-po', translate, run it again)"

# ---- The READMEs (the repository's and the labs'): every relative link points at a file that exists, so the map
# from tutorial section to code cannot drift when files move.
root=$(dirname "$docs")
for readme in "$root/README.md" "$root"/exercises/README*.md "$root"/exercises/*/README*.md; do
    while IFS= read -r link; do
        file=${link%%#*}
        case "$file" in http*|mailto:*|"") continue ;; esac
        [ -e "$(dirname "$readme")/$file" ] || say_bad "${readme#"$root"/} links to missing $file"
    done < <(grep -o '\]([^) ]*)' "$readme" | sed -E 's/^\]\(([^)]*)\)$/\1/')
done

pages=$(grep -c '\.md)' "$docs/src/SUMMARY.md")
if [ "$bad" = 0 ]; then
    echo "docs: $pages pages in 2 editions; includes, links, headings and $switches language switches checked;" \
        "coverage.tsv: $rows rows; zh-CN: ${translated:-?} of ${translated:-?} messages translated, 0 fuzzy"
else
    echo "docs: $bad problems"
    exit 1
fi
