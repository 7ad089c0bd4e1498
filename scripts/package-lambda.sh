#!/usr/bin/env bash
# Builds the release binary and writes dist/cognito-backup-lambda.zip for provided.al2023.
#
# This host's glibc (2.36) is newer than Amazon Linux 2023's (2.34), so the zip carries the
# binary's shared libraries and the dynamic loader they were built for, and `bootstrap` starts
# the binary through that loader (the approach of aws-lambda-cpp's packager). The Swift runtime
# is linked statically. Prints the zip's size.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build -c release --product cognito-backup --static-swift-stdlib
binary=.build/release/cognito-backup

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/lib" dist
cp "$binary" "$stage/bin/cognito-backup"
strip "$stage/bin/cognito-backup"

loader=""
while read -r name arrow path _; do
    if [ "$arrow" = "=>" ] && [ -f "$path" ]; then
        cp -L "$path" "$stage/lib/$name"
    elif [[ "$name" == /*ld-linux* ]]; then
        loader=$(basename "$name")
        cp -L "$name" "$stage/lib/$loader"
    fi
done < <(ldd "$binary")
[ -n "$loader" ] || { echo "package-lambda: no dynamic loader found in ldd output" >&2; exit 1; }

cat > "$stage/bootstrap" <<BOOTSTRAP
#!/bin/sh
# Lambda's custom runtime entry: run the binary with the libraries it was built against.
root="\${LAMBDA_TASK_ROOT:-\$(dirname "\$0")}"
exec "\$root/lib/$loader" --library-path "\$root/lib" "\$root/bin/cognito-backup" "\$@"
BOOTSTRAP
chmod 755 "$stage/bootstrap" "$stage/bin/cognito-backup"

rm -f dist/cognito-backup-lambda.zip
(cd "$stage" && zip -q -r -X "$OLDPWD/dist/cognito-backup-lambda.zip" bootstrap bin lib)
echo "dist/cognito-backup-lambda.zip: $(stat -c %s dist/cognito-backup-lambda.zip) bytes ($(ls "$stage/lib" | wc -l) libraries, binary $(stat -c %s "$stage/bin/cognito-backup") bytes)"
