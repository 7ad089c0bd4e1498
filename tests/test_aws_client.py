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
