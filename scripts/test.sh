#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what is missing, builds, then runs the
# Swift unit tests and the integration tests (real binary against moto server on 127.0.0.1).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
# Only checkov itself: the venv's python3 must not shadow the one with pytest and moto.
export CHECKOV="${COGNITO_BACKUP_TOOLS:-$HOME/.cache/cognito-backup-tools}/checkov/bin/checkov"

swift build --build-tests
# One test at a time: several suites measure time (rate limits, deadlines, cancellation), and
# on two cores tests running side by side would measure each other.
swift test --skip-build --no-parallel

scripts/package-lambda.sh
COGNITO_BACKUP_BIN="$PWD/.build/debug/cognito-backup" LAMBDA_ZIP="$PWD/dist/cognito-backup-lambda.zip" \
    python3 -m pytest -q -p no:cacheprovider tests
