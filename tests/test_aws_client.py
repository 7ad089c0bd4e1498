"""The AWS layer of the binary against moto: throttling waited out up to --max-wait, and S3 keys
sent exactly as named."""

from __future__ import annotations

import json
import time

import pytest

from support.pools import rich_pool


def backup(aws, pool: str, *extra: str):
    return aws.run("backup", "--pool-id", pool, "--bucket", "backups", "--table", "cognito-backup-metadata-test", *extra)


def small_pool(aws) -> str:
    return rich_pool(aws.client("cognito-idp"), users=5, groups=1, big_group_members=2)


def test_a_throttling_storm_shorter_than_max_wait_ends_in_a_complete_backup(aws):
    pool = small_pool(aws)
    aws.make_storage()
    aws.server.faults.add("ListUsers", "throttle", for_seconds=30)

    started = time.monotonic()
    result = backup(aws, pool)
    elapsed = time.monotonic() - started

    assert result.returncode == 0, result.stderr
    assert elapsed >= 30, "the backup cannot have finished while ListUsers was still throttled"
    assert aws.server.faults.fired["ListUsers"] > 10, "throttling outlasted Cognito's 10-attempt budget for faults"
    [key] = aws.objects()
    snapshot = json.loads(aws.client("s3").get_object(Bucket="backups", Key=key)["Body"].read())
    assert len(snapshot["users"]) == 5
    assert len(aws.metadata()) == 1


def test_a_throttling_storm_longer_than_max_wait_fails_naming_the_deadline_and_leaves_nothing(aws):
    pool = small_pool(aws)
    aws.make_storage()
    aws.server.faults.add("ListUsers", "throttle", for_seconds=15)

    started = time.monotonic()
    result = backup(aws, pool, "--max-wait", "5")
    elapsed = time.monotonic() - started

    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "ThrottledUntilDeadline" in output and "TooManyRequestsException" in output, output
    assert "deadline for waiting out throttling" in output, output
    assert 5 <= elapsed < 12, elapsed
    assert aws.objects() == []
    assert aws.metadata() == []


KEYS = ["with space.json", "plus+sign.json", "caf\u00e9/\u2603.json", "a/../x.json", "./b/./y.json"]
DECOYS = {"a/../x.json": "x.json", "./b/./y.json": "b/y.json"}
"""Where a client that normalised the path, or decoded `+` as a space, would read instead."""


def test_s3_keys_are_read_exactly_as_named(aws):
    pool = small_pool(aws)
    aws.make_storage()
    assert backup(aws, pool).returncode == 0
    s3 = aws.client("s3")
    [original] = aws.objects()
    genuine = s3.get_object(Bucket="backups", Key=original)["Body"].read()
    for key in KEYS:
        s3.put_object(Bucket="backups", Key=key, Body=genuine)
    for decoy in list(DECOYS.values()) + ["plus sign.json"]:
        s3.put_object(Bucket="backups", Key=decoy, Body=b'{"not": "the backup"}')
    assert set(KEYS) <= set(aws.objects()), "moto must hold every key exactly as named"

    for key in KEYS:
        result = aws.run("verify", "--source", f"s3://backups/{key}", "--pool-id", pool)
        assert result.returncode == 0, (key, result.stdout, result.stderr)
