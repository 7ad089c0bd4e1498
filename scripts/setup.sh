#!/usr/bin/env bash
# Installs what building, testing and the demo need, and nothing that is already there, so it
# is safe to run every time (scripts/test.sh and scripts/demo.sh do).
set -euo pipefail

need_apt=()
for package in libcurl4-openssl-dev libssl-dev zlib1g-dev zip unzip busybox-static time jq; do
    dpkg -s "$package" >/dev/null 2>&1 || need_apt+=("$package")
done
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "setup: installing ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# moto's server is our local AWS; boto3 drives it from the tests; cfn-lint checks the templates;
# jsonschema checks real backups against docs/backup-format.schema.json.
python3 - <<'PY' || python3 -m pip install -q "moto[server]>=5.1" boto3 pytest cfn-lint pyyaml jsonschema
import importlib.metadata as m
for name in ("moto", "flask", "flask-cors", "boto3", "pytest", "cfn-lint", "pyyaml", "jsonschema"):
    m.version(name)
PY

# checkov pins an old boto3 that lacks Cognito operations moto needs, so it lives in a venv of its own.
tools="${COGNITO_BACKUP_TOOLS:-$HOME/.cache/cognito-backup-tools}"
if [ ! -x "$tools/checkov/bin/checkov" ]; then
    echo "setup: installing checkov into $tools/checkov"
    python3 -m venv "$tools/checkov"
    "$tools/checkov/bin/pip" install -q "checkov==3.3.30"
fi
