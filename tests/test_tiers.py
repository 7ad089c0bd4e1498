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
