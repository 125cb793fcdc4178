# Socket Labs — `just` alone lists the recipes.

set shell := ["bash", "-euo", "pipefail", "-c"]

# List the recipes
default:
    @just --list --unsorted

# Format check, clippy with warnings as errors, and every test in the workspace
test:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings
    cargo test --workspace

# Tests against real peers (tftpd-hpa, atftpd, tftp-hpa, curl, busybox, Python); a missing peer fails
interop:
    cargo test --workspace -- --ignored --test-threads 1

# Install the interop peers from Debian (needs root); atftpd conflicts with tftpd-hpa, so it is unpacked into .peers/
peers:
    #!/usr/bin/env bash
    set -euo pipefail
    need=(tftpd-hpa tftp-hpa atftp busybox netcat-openbsd curl libwrap0 libpcre2-8-0)
    missing=()
    for p in "${need[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    if ((${#missing[@]})); then
        echo "peers: installing ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    if [ ! -x .peers/atftpd/usr/sbin/atftpd ]; then
        echo "peers: unpacking atftpd into .peers/atftpd"
        tmp=$(mktemp -d) && chmod 755 "$tmp"
        (cd "$tmp" && apt-get download -qq atftpd 2>/dev/null)
        mkdir -p .peers/atftpd
        dpkg-deb -x "$tmp"/atftpd_*.deb .peers/atftpd
        rm -rf "$tmp"
    fi
    echo "peers: ready"

# A guided tour: runs every landed program on loopback and shows what it does
demo:
    @echo "== netlab: the pieces every program shares"
    cargo run -q -p netlab --example tour

# Side-by-side benchmarks against peers, printed as ratios from one run (peers: `just peers`)
bench:
    cargo build --release -q -p labbench -p tftp-client
    target/release/labbench tftp-client

# Build the API docs of every crate (the book arrives in docs/)
docs:
    cargo doc --workspace --no-deps
