#!/usr/bin/env bash
# Writes docs/man/cognito-backup.1 from the command line's own definitions, with
# swift-argument-parser's generate-manual plugin: one page with every subcommand and option.
#
#     scripts/generate-man.sh            regenerate docs/man/cognito-backup.1
#     scripts/generate-man.sh --check    exit 1, with the difference, if that page is not current
#     scripts/generate-man.sh --check DIR   the same for DIR/cognito-backup.1
#
# The plugin builds the package in debug (quick after `swift build`) and runs offline. It writes
# under .build/plugins, not into the package, so it needs no --allow-writing-to-package-directory.
# A page keeps the date it carries while its text is unchanged, so a rerun on unchanged code
# changes nothing and the check compares every byte.
set -euo pipefail
cd "$(dirname "$0")/.."

check=false
if [ "${1:-}" = "--check" ]; then
    check=true
    shift
fi
page="${1:-docs/man}/cognito-backup.1"

# Runs the plugin with the date the page is to carry (yyyy-mm-dd); prints the page's path.
generate() {
    local output
    output=$(swift package plugin generate-manual --configuration debug --date "$1" 2>&1) || {
        printf '%s\n' "$output" >&2
        echo "generate-man: the generate-manual plugin failed" >&2
        return 1
    }
    local directory
    directory=$(printf '%s\n' "$output" | sed -n "s|^Generated manual in 'file://\(.*\)'$|\1|p" | tail -1)
    [ -n "$directory" ] || { printf '%s\n' "$output" >&2; echo "generate-man: the plugin named no output directory" >&2; return 1; }
    echo "${directory%/}/cognito-backup.1"
}

# The date a page carries in its .Dd line ("December 7, 2026"), as yyyy-mm-dd.
page_date() {
    date -d "$(sed -n 's/^\.Dd //p' "$1")" +%F
}

if [ -f "$page" ]; then
    fresh=$(generate "$(page_date "$page")")
    if cmp -s "$fresh" "$page"; then
        echo "generate-man: $page is current"
        exit 0
    fi
    if $check; then
        diff -u "$page" "$fresh" >&2 || true
        echo "generate-man: $page is not current with the code; run scripts/generate-man.sh" >&2
        exit 1
    fi
elif $check; then
    echo "generate-man: no $page" >&2
    exit 1
fi
fresh=$(generate "$(date -u +%F)")
mkdir -p "$(dirname "$page")"
cp "$fresh" "$page"
echo "generate-man: wrote $page"
