#!/usr/bin/env bash
# The whole job on a local AWS, from a fresh machine: installs what is missing, builds, starts
# moto on 127.0.0.1, creates a sample pool, runs the Lambda bootstrap through a local Runtime API
# with a scheduled event, shows the object and its metadata, restores it into a new pool,
# verifies the restore, and stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
swift build --product cognito-backup
binary="$PWD/.build/debug/cognito-backup"

work=$(mktemp -d)
moto_pid=""
cleanup() {
    [ -n "$moto_pid" ] && kill "$moto_pid" 2>/dev/null && wait "$moto_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

python3 tests/support/motoplus.py --port 0 > "$work/moto.out" 2> "$work/moto.log" &
moto_pid=$!
for _ in $(seq 100); do grep -q MOTO_URL "$work/moto.out" && break; sleep 0.1; done
url=$(sed -n 's/^MOTO_URL=//p' "$work/moto.out")
[ -n "$url" ] || { echo "demo: moto did not start" >&2; cat "$work/moto.log" >&2; exit 1; }
echo "== moto server on $url"

export AWS_ENDPOINT_URL="$url" AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_EC2_METADATA_DISABLED=true
bucket=demo-backups table=cognito-backup-metadata-demo
pool=$(python3 scripts/demo_pool.py "$url" "$bucket" "$table")
echo "== sample pool $pool: 120 users, 8 groups, 3 app clients, SAML and OIDC providers, 2 resource servers, a domain"

echo "== Lambda bootstrap, scheduled event, through a local Runtime API"
echo '{"version":"0","id":"demo","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"2026-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail":{}}' > "$work/scheduled.json"
USER_POOL_IDS="$pool" BACKUP_BUCKET="$bucket" BACKUP_TABLE="$table" \
    python3 tests/support/runtime_api.py --timeout-s 300 --event "$work/scheduled.json" -- "$binary" \
    2> "$work/function.log" | tee "$work/result.json"

echo "== metadata table"
"$binary" list --table "$table"
key=$("$binary" list --table "$table" --pool-id "$pool" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["s3_key"])')
echo "== object s3://$bucket/$key"

echo "== restore into a new pool"
"$binary" restore --source "s3://$bucket/$key" --create-pool --pool-name demo-restored --domain-prefix demo-restored --mapping-file "$work/mapping.json" --json | tee "$work/restore.json"
restored=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["target_pool_id"])' "$work/restore.json")

echo "== verify $restored against the backup"
"$binary" verify --source "s3://$bucket/$key" --pool-id "$restored"
echo "== demo complete: backed up, restored and verified $pool"
