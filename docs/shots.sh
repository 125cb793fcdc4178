#!/usr/bin/env bash
# Looks at the built book in a real browser: every page of both editions, in headless Chromium, opened from the
# files on disk (no server, no network). For each page it saves a screenshot of the whole page and checks that
#   - the page rendered: it has its heading, and its text is in the edition's language;
#   - its language switch is visible at the top, and its link, resolved by the browser itself, is a page of the
#     other edition that exists;
#   - its tables and text diagrams fit the page: none needs a horizontal scroll bar (long program outputs and code
#     may scroll; they are listed, not counted as problems).
# Installs Debian's chromium and fonts-noto-cjk (a font with Chinese glyphs) when they are missing and it can.
#
# Usage: shots.sh OUT_DIR (`just docs-shots` builds the book first and passes target/docs-shots)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
book="$root/docs/book"
out=${1:?usage: shots.sh OUT_DIR}
[ -f "$book/index.html" ] && [ -f "$book/zh-CN/index.html" ] || { echo "docs-shots: build the book first (just docs)"; exit 1; }

missing=()
for package in chromium fonts-noto-cjk; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "docs-shots: installing ${missing[*]} from Debian"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    elif ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; then
        echo "docs-shots: needs Chromium and a CJK font. Debian/Ubuntu: sudo apt-get install ${missing[*]}"
        exit 1
    fi
fi
browser=$(command -v chromium || command -v chromium-browser)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The browser sees a copy of the book with one script added to each page, which measures the page once it has
# loaded and writes what it found into the page (read back with --dump-dom). The book itself stays as built.
cp -r "$book" "$work/book"
cat > "$work/measure.js" <<'EOF'
window.addEventListener("load", () => {
  const main = document.querySelector("main");
  const link = document.querySelector(".lang-switch-link");
  const wide = (el) => el.scrollWidth > el.clientWidth + 1;
  const report = {
    height: Math.ceil(document.documentElement.scrollHeight),
    lang: document.documentElement.lang,
    heading: main && main.querySelector("h1") ? main.querySelector("h1").textContent.trim() : "",
    han: main ? (main.textContent.match(/[\u4e00-\u9fff]/g) || []).length : 0,
    letters: main ? (main.textContent.match(/[A-Za-z]/g) || []).length : 0,
    switch: link ? link.href : "",
    // The switch must be seen: on the first screen, not hidden under or above the menu bar.
    switchSeen: link ? (() => {
      const r = link.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return r.width > 0 && r.top >= 0 && r.bottom <= window.innerHeight && (hit === link || link.contains(hit)) ? 1 : 0;
    })() : 0,
    wideTables: [...document.querySelectorAll("main .table-wrapper")].filter(wide).length,
    wideDiagrams: [...document.querySelectorAll("main pre > code.diagram")].filter(wide).length,
    wideOther: [...document.querySelectorAll("main pre > code:not(.diagram)")].filter(wide).length,
  };
  const out = document.createElement("script");
  out.type = "application/json";
  out.id = "shots-report";
  out.textContent = JSON.stringify(report);
  document.body.appendChild(out);
});
EOF
find "$work/book" -name '*.html' -exec sed -i "s#</body>#<script src=\"file://$work/measure.js\"></script></body>#" {} +

profile="$work/profile"
chrome() {
    timeout 60 "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
        --hide-scrollbars --allow-file-access-from-files "$@" 2>/dev/null
}

# The pages, in the book's order: the introduction (index.html) and every chapter of SUMMARY.md.
mapfile -t pages < <(sed -nE 's/.*\]\(([^)]*)\.md\).*/\1/p' "$root/docs/src/SUMMARY.md" | grep -vx introduction)
pages=(index "${pages[@]}")
width=1280
rm -rf "$out"
mkdir -p "$out/en" "$out/zh-CN"
bad=0
n=0
for edition in en zh-CN; do
    dir="$work/book"
    [ "$edition" = en ] || dir="$work/book/zh-CN"
    for page in "${pages[@]}"; do
        n=$((n + 1))
        name=$(printf '%02d-%s' "$(( (n - 1) % ${#pages[@]} ))" "$page")
        url="file://$dir/$page.html"
        report=$(chrome --window-size=$width,1000 --virtual-time-budget=5000 --dump-dom "$url" |
            sed -n 's#.*<script type="application/json" id="shots-report">\(.*\)</script>.*#\1#p')
        if [ -z "$report" ]; then
            echo "docs-shots: $edition/$page.html did not load"; bad=$((bad + 1)); continue
        fi
        field() { sed -E "s/.*\"$1\":(\"[^\"]*\"|[0-9]+).*/\1/; s/^\"//; s/\"$//" <<< "$report"; }
        height=$(field height)
        [ "$height" -le 16000 ] || height=16000
        chrome --window-size=$width,"$height" --virtual-time-budget=5000 --screenshot="$out/$edition/$name.png" "$url" >/dev/null
        problems=()
        [ -n "$(field heading)" ] || problems+=("no heading")
        [ "$(field lang)" = "$edition" ] || problems+=("lang is $(field lang)")
        if [ "$edition" = zh-CN ] && [ "$(field han)" -lt 20 ]; then problems+=("hardly any Chinese text"); fi
        target=$(field switch)
        target=${target#file://}
        case "$edition:$target" in
        en:"$work/book/zh-CN/$page.html" | zh-CN:"$work/book/$page.html") [ -f "$target" ] || problems+=("language switch to a missing page") ;;
        *) problems+=("language switch goes to ${target#"$work/book/"}") ;;
        esac
        [ "$(field switchSeen)" = 1 ] || problems+=("language switch not visible at the top of the page")
        [ "$(field wideTables)" = 0 ] || problems+=("$(field wideTables) tables wider than the page")
        [ "$(field wideDiagrams)" = 0 ] || problems+=("$(field wideDiagrams) diagrams wider than the page")
        note=""
        [ "$(field wideOther)" = 0 ] || note=" ($(field wideOther) code blocks or outputs scroll sideways)"
        if ((${#problems[@]})); then
            bad=$((bad + 1))
            printf 'docs-shots: %-5s %-16s %s\n' "$edition" "$page" "$(IFS=';'; echo "${problems[*]}")"
        else
            printf 'docs-shots: %-5s %-16s ok, %5d px high%s\n' "$edition" "$page" "$height" "$note"
        fi
    done
done
echo "docs-shots: $n pages, $bad with problems; screenshots in ${out#"$root"/}/en and ${out#"$root"/}/zh-CN"
[ "$bad" = 0 ]
