#!/usr/bin/env bash
# Installs cognito-backup: the binary, its man page and its bash, zsh and fish completions.
#
#     scripts/install.sh [--prefix DIR] [--binary PATH]
#
#   --prefix DIR    install under DIR (default /usr/local):
#                     DIR/bin/cognito-backup
#                     DIR/share/man/man1/cognito-backup.1
#                     DIR/share/bash-completion/completions/cognito-backup
#                     DIR/share/zsh/site-functions/_cognito-backup
#                     DIR/share/fish/vendor_completions.d/cognito-backup.fish
#   --binary PATH   install this binary instead of building one (swift build -c release)
#
# The completions come from the installed binary's --generate-completion-script, so they match
# it. Every file is replaced whole, so running it again installs the same files.
set -euo pipefail

usage() {  # the comment block above
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
}

prefix=/usr/local
binary=""
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) [ $# -ge 2 ] || { usage >&2; exit 64; }; prefix=$2; shift 2 ;;
        --binary) [ $# -ge 2 ] || { usage >&2; exit 64; }; binary=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "install: unknown argument $1" >&2; usage >&2; exit 64 ;;
    esac
done

# Paths given relative to where the script was started, before it moves to the package root.
absolute() {
    case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac
}
prefix=$(absolute "$prefix")
[ -z "$binary" ] || binary=$(absolute "$binary")
cd "$(dirname "$0")/.."

if [ -z "$binary" ]; then
    swift build -c release --product cognito-backup
    binary=$PWD/.build/release/cognito-backup
fi
[ -x "$binary" ] || { echo "install: $binary is not an executable" >&2; exit 2; }
page=docs/man/cognito-backup.1
[ -f "$page" ] || { echo "install: no $page (scripts/generate-man.sh writes it)" >&2; exit 2; }

install -d "$prefix/bin" "$prefix/share/man/man1" "$prefix/share/bash-completion/completions" \
    "$prefix/share/zsh/site-functions" "$prefix/share/fish/vendor_completions.d"
install -m 755 "$binary" "$prefix/bin/cognito-backup"
install -m 644 "$page" "$prefix/share/man/man1/cognito-backup.1"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for shell in bash zsh fish; do
    "$prefix/bin/cognito-backup" --generate-completion-script "$shell" > "$scratch/$shell"
done
install -m 644 "$scratch/bash" "$prefix/share/bash-completion/completions/cognito-backup"
install -m 644 "$scratch/zsh" "$prefix/share/zsh/site-functions/_cognito-backup"
install -m 644 "$scratch/fish" "$prefix/share/fish/vendor_completions.d/cognito-backup.fish"

echo "installed cognito-backup, its man page and bash, zsh and fish completions under $prefix"
