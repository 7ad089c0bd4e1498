"""Retention tiers: a pool's first backup of a UTC month is tagged monthly, its first of a day
daily, the others hourly, on the object and on its manifest, so lifecycle rules by tag keep each
tier its own time; the manifest and the row carry the tier too."""

from __future__ import annotations

import json

from support.pools import rich_pool
from test_backup import backup, big_pool

TAG = "cognito-backup:tier"


def tier_tags(aws, key: str) -> tuple[str | None, str | None]:
    s3 = aws.client("s3")
    def tag(k: str) -> str | None:
        return {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket="backups", Key=k)["TagSet"]}.get(TAG)
    return tag(key), tag(key + ".manifest.json")


def test_a_pools_first_backup_is_monthly_and_the_next_the_same_day_hourly(aws):
    pool = rich_pool(aws.client("cognito-idp"), users=3, groups=2, big_group_members=2)
    aws.make_storage()

    first = json.loads(backup(aws, pool, "--json").stdout)["backups"][0]
    second = json.loads(backup(aws, pool, "--json").stdout)["backups"][0]

    assert (first["tier"], second["tier"]) == ("monthly", "hourly")
    assert tier_tags(aws, first["s3_key"]) == ("monthly", "monthly")
    assert tier_tags(aws, second["s3_key"]) == ("hourly", "hourly")
    assert aws.manifest(first["s3_key"])["tier"] == "monthly" and aws.manifest(second["s3_key"])["tier"] == "hourly"
    rows = {item["s3_key"]["S"]: item["tier"]["S"] for item in aws.metadata()}
    assert rows == {first["s3_key"]: "monthly", second["s3_key"]: "hourly"}
    listed = aws.run("list", "--table", "cognito-backup-metadata-test", "--pool-id", pool)
    assert listed.returncode == 0 and "monthly" in listed.stdout and "hourly" in listed.stdout, listed.stdout


def test_the_first_backup_of_a_new_day_is_daily(aws):
    pool = rich_pool(aws.client("cognito-idp"), users=3, groups=2, big_group_members=2)
    aws.make_storage()
    # An earlier backup this month but not today, as the catalog records it.
    aws.client("dynamodb").put_item(TableName="cognito-backup-metadata-test", Item={
        "user_pool_id": {"S": pool}, "backup_date": {"S": time_today_minus_days(1)},
        "s3_bucket": {"S": "backups"}, "s3_key": {"S": "cognito-backup/earlier.json"}})

    record = json.loads(backup(aws, pool, "--json").stdout)["backups"][0]

    expected = "daily" if time_today_minus_days(1)[:7] == time_today_minus_days(0)[:7] else "monthly"
    assert record["tier"] == expected and tier_tags(aws, record["s3_key"]) == (expected, expected)


def time_today_minus_days(days: int) -> str:
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() - days * 86_400))


def test_a_multipart_backup_is_tagged_too(aws):
    pool = big_pool(aws.client("cognito-idp"))
    aws.make_storage()
    record = json.loads(backup(aws, pool, "--json").stdout)["backups"][0]
    assert record["size_bytes"] > 5 * 1024 * 1024
    assert tier_tags(aws, record["s3_key"]) == ("monthly", "monthly")


LOCK = {"BACKUP_OBJECT_LOCK_MODE": "GOVERNANCE", "BACKUP_TIER_RETENTION_DAYS": "hourly=2,daily=35,monthly=366"}


def test_with_object_lock_each_object_and_its_manifest_are_locked_for_their_tiers_days(aws):
    import datetime
    pool = rich_pool(aws.client("cognito-idp"), users=3, groups=2, big_group_members=2)
    aws.make_storage()
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="locked", ObjectLockEnabledForBucket=True)

    def locked_backup() -> dict:
        result = aws.run("backup", "--pool-id", pool, "--bucket", "locked", "--table", "cognito-backup-metadata-test", "--json",
                         env=aws.env(**LOCK))
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)["backups"][0]

    for record, days in ((locked_backup(), 366), (locked_backup(), 2)):
        started = datetime.datetime.fromisoformat(record["backup_date"].replace("Z", "+00:00"))
        for key in (record["s3_key"], record["s3_key"] + ".manifest.json"):
            # moto answers no GetObjectRetention; HeadObject says the same.
            head = s3.head_object(Bucket="locked", Key=key)
            assert head["ObjectLockMode"] == "GOVERNANCE"
            assert 0 <= (head["ObjectLockRetainUntilDate"] - started).total_seconds() - days * 86_400 < 5, (key, head)


def test_an_unknown_lock_mode_or_missing_tier_days_is_a_configuration_error(aws):
    for env, message in (({"BACKUP_OBJECT_LOCK_MODE": "FOREVER"}, "BACKUP_OBJECT_LOCK_MODE must be GOVERNANCE, COMPLIANCE or empty"),
                         ({"BACKUP_OBJECT_LOCK_MODE": "COMPLIANCE", "BACKUP_TIER_RETENTION_DAYS": "hourly=2"},
                          "BACKUP_TIER_RETENTION_DAYS must give days for hourly, daily and monthly")):
        result = aws.run("backup", "--pool-id", "us-east-1_Abc", "--bucket", "b", "--table", "t", env=aws.env(**env))
        assert result.returncode == 2 and message in result.stderr, result.stderr
