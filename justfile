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

# Tests against real peers (tftpd-hpa, curl, busybox, Python); a missing peer fails
interop:
    @echo "interop: no peer tests have landed yet; nothing to run (this recipe fails once they exist and a peer is missing)"

# A guided tour: runs every landed program on loopback and shows what it does
demo:
    @echo "== netlab: the pieces every program shares"
    cargo run -q -p netlab --example tour

# Side-by-side benchmarks against peers, printed as ratios from one run
bench:
    @echo "bench: no benchmarks have landed yet"

# Build the API docs of every crate (the book arrives in docs/)
docs:
    cargo doc --workspace --no-deps
