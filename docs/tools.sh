#!/usr/bin/env bash
# Installs what `just docs` needs, when it is missing (`just docs-tools` runs this; `just docs` runs it first):
#   - mdBook 0.5 and mdbook-i18n-helpers 0.4.0, with cargo (a few minutes, once). 0.4.0 is the release that works
#     with mdBook 0.5's preprocessor interface; other pairs fail to build the Chinese edition.
#   - GNU gettext (msgmerge, msgattrib, msgfmt, msgcat: the translation check) and python3 (the book shows what
#     Python's struct does with the tutorial's own calls), from Debian as root; otherwise it says what to install.
set -euo pipefail
MDBOOK_VERSION=0.5.4
I18N_VERSION=0.4.0
# Where `cargo install` puts programs, so a tool installed a moment ago is found.
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

installed_by_cargo() { # installed_by_cargo CRATE: the version cargo installed, or nothing
    cargo install --list 2>/dev/null | sed -nE "s/^$1 v([^:]*):.*/\1/p"
}

case "$(mdbook --version 2>/dev/null)" in
"mdbook v0.5."*) ;;
*)
    echo "docs-tools: installing mdBook $MDBOOK_VERSION (cargo install, once)"
    cargo install mdbook --version "$MDBOOK_VERSION" --locked --quiet
    ;;
esac

i18n=$(installed_by_cargo mdbook-i18n-helpers)
if [ "$i18n" != "$I18N_VERSION" ] && { [ -n "$i18n" ] || ! command -v mdbook-gettext >/dev/null || ! command -v mdbook-xgettext >/dev/null; }; then
    echo "docs-tools: installing mdbook-i18n-helpers $I18N_VERSION (cargo install, once)"
    cargo install mdbook-i18n-helpers --version "$I18N_VERSION" --locked --quiet
fi

missing=()
for tool in msgmerge msgattrib msgfmt msgcat; do
    command -v "$tool" >/dev/null || { missing+=(gettext); break; }
done
command -v python3 >/dev/null || missing+=(python3)
if ((${#missing[@]})); then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "docs-tools: installing ${missing[*]} from Debian"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "docs-tools: the book needs ${missing[*]}, which is not installed. Install it and run again:"
        echo "  Debian/Ubuntu: sudo apt-get install ${missing[*]}"
        echo "  Fedora: sudo dnf install ${missing[*]}    macOS: brew install ${missing[*]}"
        exit 1
    fi
fi
