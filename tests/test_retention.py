"""Retention against moto: each backup's row expires when its tier's lifecycle rule removes the
object (`expires_at`, the table's TTL attribute), and `status` and `list` count only rows not yet
expired; a legal hold is set on the object's and the manifest's versions and recorded on the row,
which then keeps no expiry, so a held backup whose keys the lifecycle rule has hidden behind
delete markers is still shown, with the version to restore it by, until `--release`."""

from __future__ import annotations

import calendar
import json
import re
import time

from test_backup import backup
from test_status import new_pool, object_lock_storage

TABLE = "cognito-backup-metadata-test"
DAYS = {"hourly": 2, "daily": 35, "monthly": 366}
RETENTION = {"BACKUP_TIER_RETENTION_DAYS": "hourly=2,daily=35,monthly=366"}


def seconds(iso: str) -> int:
    return calendar.timegm(time.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S"))


def lifecycle_expiry(backup_date: str, days: int) -> int:
    """S3's Days expiration: the creation plus the days, rounded up to the next midnight UTC."""
    return (seconds(backup_date) + days * 86_400) // 86_400 * 86_400 + 86_400


def iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(epoch))


def retained_backup(aws, pool: str, bucket: str = "backups") -> dict:
    result = aws.run("backup", "--pool-id", pool, "--bucket", bucket, "--table", TABLE, "--json", env=aws.env(**RETENTION))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["backups"][0]


def row(aws, key: str) -> dict:
    [item] = [item for item in aws.metadata() if item["s3_key"]["S"] == key]
    return item


def seed_row(aws, pool: str, date: str, **members) -> None:
    """A row as an earlier version of the tool, or another run, left it."""
    item = {"user_pool_id": {"S": pool}, "backup_date": {"S": date}, "s3_bucket": {"S": "backups"},
            "s3_key": {"S": f"cognito-backup/{date[:4]}/{date[5:7]}/{date[8:10]}/{pool}-{date[11:13]}{date[14:16]}{date[17:19]}.json"}}
    item.update(members)
    aws.client("dynamodb").put_item(TableName=TABLE, Item=item)


def test_each_rows_expiry_is_its_backup_time_plus_its_tiers_days_rounded_up_to_midnight(aws):
    aws.make_storage()
    pool = new_pool(aws, "tiers")
    # An earlier backup this month but not today (the 1st has none: then the next is monthly).
    yesterday = iso(time.time() - 86_400)
    seed_row(aws, pool, yesterday, tier={"S": "daily"})
    first, second = retained_backup(aws, pool), retained_backup(aws, pool)
    monthly = retained_backup(aws, new_pool(aws, "fresh"))

    expected_first = "daily" if yesterday[:7] == first["backup_date"][:7] else "monthly"
    for record, tier in ((first, expected_first), (second, "hourly"), (monthly, "monthly")):
        assert record["tier"] == tier
        expiry = lifecycle_expiry(record["backup_date"], DAYS[tier])
        assert int(row(aws, record["s3_key"])["expires_at"]["N"]) == expiry, (tier, record)
        # The manifest is the row as written: it carries the same expiry.
        assert aws.manifest(record["s3_key"])["expires_at"] == expiry == record["expires_at"]

    # A CLI backup without the tiers' days writes no expiry: nothing says when its object goes.
    plain = json.loads(backup(aws, pool, "--json").stdout)["backups"][0]
    assert "expires_at" not in row(aws, plain["s3_key"]) and "expires_at" not in aws.manifest(plain["s3_key"])


def test_status_and_list_leave_out_rows_whose_objects_their_tiers_rule_has_removed(aws):
    object_lock_storage(aws)
    pool = new_pool(aws, "expiring")
    kept, gone = retained_backup(aws, pool, bucket="locked"), retained_backup(aws, pool, bucket="locked")
    # DynamoDB's TTL deletes an expired row up to 48 h late: until then it is still in the table.
    aws.client("dynamodb").update_item(TableName=TABLE, Key={k: row(aws, gone["s3_key"])[k] for k in ("user_pool_id", "backup_date")},
                                       UpdateExpression="SET expires_at = :past", ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 60)}})
    # Rows from before expiries: an hourly one ten days old, and one from before tiers as old.
    old = iso(time.time() - 10 * 86_400)
    seed_row(aws, pool, old, tier={"S": "hourly"})
    seed_row(aws, pool, iso(time.time() - 10 * 86_400 + 1), s3_bucket={"S": "locked"})

    def judged(env: dict) -> dict:
        result = aws.run("status", "--table", TABLE, "--pool-id", pool, "--json", env=aws.env(**env))
        assert result.returncode == 0, result.stderr
        [pool_status] = json.loads(result.stdout)["pools"]
        return pool_status

    aws.server.faults.recording = True
    with_days = judged(RETENTION)
    # With the tiers' days known, the old hourly row is judged gone by its tier; the untiered one
    # lasts as long as the longest tier (the untagged rule), so it still counts.
    assert with_days["tiers"] == {"monthly": 1, "untiered": 1}
    assert with_days["newest_backup"]["s3_key"] == kept["s3_key"]
    # The expired row's manifest, still in S3 until the rule runs, is catalogued all the same.
    assert with_days["uncatalogued_manifests"] == []
    # One legal-hold read per backup still held in S3, none for the expired rows.
    reads = [op for op, _ in aws.server.faults.recorded if op == "GetObjectLegalHold"]
    assert len(reads) == 2, reads
    aws.server.faults.recording = False
    # Without them, a row without an expiry is counted as before.
    assert judged({})["tiers"] == {"monthly": 1, "hourly": 1, "untiered": 1}

    listed = json.loads(aws.run("list", "--table", TABLE, "--pool-id", pool, "--json", env=aws.env(**RETENTION)).stdout)
    assert gone["s3_key"] not in [b["s3_key"] for b in listed] and kept["s3_key"] in [b["s3_key"] for b in listed]
    assert len(listed) == 2
    text = aws.run("list", "--table", TABLE, env=aws.env(**RETENTION)).stdout
    assert gone["s3_key"] not in text and kept["s3_key"] in text


def legal_hold(aws, key: str, version: str) -> str:
    return aws.client("s3").get_object_legal_hold(Bucket="locked", Key=key, VersionId=version)["LegalHold"]["Status"]


def test_a_held_backup_outlives_the_delete_markers_of_its_tier_and_is_restored_by_version(aws):
    object_lock_storage(aws)
    pool = new_pool(aws, "incident")
    record = retained_backup(aws, pool, bucket="locked")
    key, manifest_key = record["s3_key"], record["s3_key"] + ".manifest.json"
    s3 = aws.client("s3")
    object_version = s3.head_object(Bucket="locked", Key=key)["VersionId"]
    manifest_version = s3.head_object(Bucket="locked", Key=manifest_key)["VersionId"]
    assert record["s3_version_id"] == object_version
    expiry = row(aws, key)["expires_at"]["N"]

    held = aws.run("hold", "--bucket", "locked", "--key", key, "--table", TABLE)
    assert held.returncode == 0, held.stderr
    assert legal_hold(aws, key, object_version) == "ON" and legal_hold(aws, manifest_key, manifest_version) == "ON"
    item = row(aws, key)
    assert "expires_at" not in item, item  # the row outlives the tier
    hold = item["held"]["M"]
    assert (hold["object_version_id"]["S"], hold["manifest_version_id"]["S"], hold["expires_at"]["N"]) == (object_version, manifest_version, expiry)

    # What the tier's lifecycle rule does at expiry in a versioned bucket: a delete marker on each key.
    s3.delete_object(Bucket="locked", Key=key)
    s3.delete_object(Bucket="locked", Key=manifest_key)
    assert aws.keys("locked") == []

    result = aws.run("status", "--table", TABLE, "--pool-id", pool, "--json")
    assert result.returncode == 0, result.stderr
    [judged] = json.loads(result.stdout)["pools"]
    [shown] = judged["legal_holds"]
    assert (shown["s3_key"], shown["s3_version_id"], shown["manifest_version_id"]) == (key, object_version, manifest_version)
    assert judged["tiers"] == {"monthly": 1}
    assert not [p for p in judged["problems"] if "legal hold" in p], judged["problems"]
    text = aws.run("status", "--table", TABLE, "--pool-id", pool).stdout
    assert f"restore --source s3://locked/{key} --version-id {object_version}" in text, text
    header, shown_row = (re.split(r"\s{2,}", line) for line in aws.run("list", "--table", TABLE, "--holds").stdout.splitlines())
    assert header[6] == "HOLD" and shown_row[6] == "ON" and shown_row[-1] == f"s3://locked/{key}"
    [listed] = json.loads(aws.run("list", "--table", TABLE, "--holds", "--json").stdout)
    assert listed["legal_hold"] is True and listed["s3_version_id"] == object_version

    # By version the backup reads whole, checked against the manifest version that describes it.
    verify = aws.run("verify", "--source", f"s3://locked/{key}", "--version-id", object_version, "--pool-id", pool, "--json")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "cannot be checked" not in verify.stderr and "no manifest" not in verify.stderr, verify.stderr
    restored = aws.run("restore", "--source", f"s3://locked/{key}", "--version-id", object_version, "--create-pool",
                       "--mapping-file", str(aws.tmp / "m.json"))
    assert restored.returncode == 0, restored.stderr
    assert "cannot be checked" not in restored.stderr and "no manifest" not in restored.stderr, restored.stderr
    by_key = aws.run("verify", "--source", f"s3://locked/{key}", "--pool-id", pool)
    assert by_key.returncode != 0  # the key alone now finds only the delete marker

    released = aws.run("hold", "--bucket", "locked", "--key", key, "--table", TABLE, "--release")
    assert released.returncode == 0, released.stderr
    assert legal_hold(aws, key, object_version) == "OFF" and legal_hold(aws, manifest_key, manifest_version) == "OFF"
    item = row(aws, key)
    assert "held" not in item and item["expires_at"]["N"] == expiry
    [judged] = json.loads(aws.run("status", "--table", TABLE, "--pool-id", pool, "--json").stdout)["pools"]
    assert judged["legal_holds"] == []


def test_a_hold_in_the_bucket_alone_holds_the_current_versions(aws):
    object_lock_storage(aws)
    pool = new_pool(aws, "bucket-only")
    record = retained_backup(aws, pool, bucket="locked")
    key = record["s3_key"]
    s3 = aws.client("s3")
    versions = [s3.head_object(Bucket="locked", Key=k)["VersionId"] for k in (key, key + ".manifest.json")]
    before = row(aws, key)

    held = aws.run("hold", "--bucket", "locked", "--key", key)  # no --table, no BACKUP_TABLE
    assert held.returncode == 0, held.stderr
    assert [legal_hold(aws, k, v) for k, v in zip((key, key + ".manifest.json"), versions)] == ["ON", "ON"]
    assert row(aws, key) == before  # no table named: the row is not touched

    # A table without the backup's row: the bucket is still held, and the operator told.
    aws.client("dynamodb").delete_item(TableName=TABLE, Key={k: before[k] for k in ("user_pool_id", "backup_date")})
    released = aws.run("hold", "--bucket", "locked", "--key", key, "--table", TABLE, "--release")
    assert released.returncode == 0, released.stderr
    assert "no row of" in released.stderr
    assert [legal_hold(aws, k, v) for k, v in zip((key, key + ".manifest.json"), versions)] == ["OFF", "OFF"]


def test_a_hold_of_a_backup_already_behind_a_delete_marker_holds_the_version_behind_it(aws):
    object_lock_storage(aws)
    pool = new_pool(aws, "late")
    record = retained_backup(aws, pool, bucket="locked")
    key = record["s3_key"]
    s3 = aws.client("s3")
    versions = [s3.head_object(Bucket="locked", Key=k)["VersionId"] for k in (key, key + ".manifest.json")]
    for k in (key, key + ".manifest.json"):
        s3.delete_object(Bucket="locked", Key=k)

    held = aws.run("hold", "--bucket", "locked", "--key", key)
    assert held.returncode == 0, held.stderr
    assert [legal_hold(aws, k, v) for k, v in zip((key, key + ".manifest.json"), versions)] == ["ON", "ON"]


def test_a_hold_whose_row_cannot_be_written_says_the_bucket_is_held_and_a_second_run_records_it(aws):
    object_lock_storage(aws)
    pool = new_pool(aws, "flaky-table")
    record = retained_backup(aws, pool, bucket="locked")
    key = record["s3_key"]
    aws.server.faults.add("UpdateItem", "500", times=10_000)

    failed = aws.run("hold", "--bucket", "locked", "--key", key, "--table", TABLE)
    assert failed.returncode == 3, failed.stderr
    assert "legal holds in S3 are ON" in failed.stderr and "run the same hold command again" in failed.stderr, failed.stderr
    assert legal_hold(aws, key, record["s3_version_id"]) == "ON"
    assert "held" not in row(aws, key) and "expires_at" in row(aws, key)

    aws.server.faults.clear()
    again = aws.run("hold", "--bucket", "locked", "--key", key, "--table", TABLE)
    assert again.returncode == 0, again.stderr
    assert row(aws, key)["held"]["M"]["object_version_id"]["S"] == record["s3_version_id"]
    assert "expires_at" not in row(aws, key)


def test_status_names_a_row_whose_recorded_hold_was_lifted_outside_hold(aws):
    object_lock_storage(aws)
    pool = new_pool(aws, "lifted")
    record = retained_backup(aws, pool, bucket="locked")
    assert aws.run("hold", "--bucket", "locked", "--key", record["s3_key"], "--table", TABLE).returncode == 0
    aws.client("s3").put_object_legal_hold(Bucket="locked", Key=record["s3_key"], VersionId=record["s3_version_id"],
                                           LegalHold={"Status": "OFF"})

    [judged] = json.loads(aws.run("status", "--table", TABLE, "--pool-id", pool, "--json").stdout)["pools"]
    assert judged["legal_holds"] == []
    [problem] = [p for p in judged["problems"] if "legal hold" in p]
    assert record["s3_key"] in problem and record["s3_version_id"] in problem and "hold --release" in problem
