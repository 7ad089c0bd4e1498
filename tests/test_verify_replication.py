"""verify's "cross-region replication" check against moto, which stores a bucket's replication
configuration but copies nothing and sets no x-amz-replication-status: the tests make the replica
themselves (object and manifest copied to a bucket in another region), then prove the check
passes, and fails when the replica is missing or differs."""

from __future__ import annotations

import json

import pytest

from support.pools import rich_pool
from test_backup import backup

DR_BUCKET = "backups-dr"
RULE = {"ID": "replicate-to-dr", "Priority": 1, "Status": "Enabled", "Filter": {"Prefix": ""},
        "DeleteMarkerReplication": {"Status": "Disabled"}, "Destination": {"Bucket": f"arn:aws:s3:::{DR_BUCKET}"}}


@pytest.fixture
def replicated(aws):
    """A backup in `backups` (us-east-1), whose replication rule names `backups-dr` (us-west-2)."""
    pool = rich_pool(aws.client("cognito-idp"), users=3, groups=2, big_group_members=2)
    aws.make_storage()
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=DR_BUCKET, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    for bucket in ("backups", DR_BUCKET):
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_replication(Bucket="backups", ReplicationConfiguration={
        "Role": "arn:aws:iam::123456789012:role/replication", "Rules": [RULE]})
    assert backup(aws, pool).returncode == 0
    [key] = aws.objects()
    return pool, key


def copy_to_dr(aws, key: str, *, body: bytes | None = None, manifest: dict | None = None) -> None:
    s3 = aws.client("s3")
    s3.put_object(Bucket=DR_BUCKET, Key=key, Body=body if body is not None else s3.get_object(Bucket="backups", Key=key)["Body"].read())
    s3.put_object(Bucket=DR_BUCKET, Key=key + ".manifest.json", Body=json.dumps(manifest or aws.manifest(key)).encode())


def verify(aws, pool: str, key: str):
    result = aws.run("verify", "--source", f"s3://backups/{key}", "--pool-id", pool, "--json")
    checks = {c["check"]: c for c in json.loads(result.stdout)["checks"]} if result.stdout else {}
    return result, checks.get("cross-region replication")


def test_a_replica_with_the_same_size_and_sha256_passes_the_replication_check(aws, replicated):
    pool, key = replicated
    copy_to_dr(aws, key)
    result, check = verify(aws, pool, key)
    assert result.returncode == 0, result.stdout + result.stderr
    assert check["passed"] is True and DR_BUCKET in check["detail"], check


def test_a_missing_replica_fails_verify(aws, replicated):
    pool, key = replicated
    result, check = verify(aws, pool, key)
    assert result.returncode == 1
    assert check["passed"] is False and check["differences"] == [f"{DR_BUCKET}/{key}: no replica (or no manifest beside it)"]


def test_a_replica_of_another_size_fails_verify(aws, replicated):
    pool, key = replicated
    copy_to_dr(aws, key, body=b"{}")
    result, check = verify(aws, pool, key)
    assert result.returncode == 1
    assert any("2 bytes, the backup" in d for d in check["differences"]), check


def test_a_replica_whose_manifest_names_another_sha256_fails_verify(aws, replicated):
    pool, key = replicated
    copy_to_dr(aws, key, manifest=aws.manifest(key) | {"sha256": "0" * 64})
    result, check = verify(aws, pool, key)
    assert result.returncode == 1
    assert check["differences"] == [f"{DR_BUCKET}/{key}: its manifest says SHA-256 {'0' * 64}, the backup's {aws.manifest(key)['sha256']}"]


def test_a_disabled_rule_is_no_replication_of_this_backup(aws, replicated):
    # moto answers every rule with an empty prefix filter: prefixes are unit-tested (ReplicationRuleTests).
    pool, key = replicated
    aws.client("s3").put_bucket_replication(Bucket="backups", ReplicationConfiguration={
        "Role": "arn:aws:iam::123456789012:role/replication", "Rules": [RULE | {"Status": "Disabled"}]})
    result, check = verify(aws, pool, key)
    assert result.returncode == 0, result.stdout + result.stderr
    assert check is None


def test_a_bucket_without_replication_has_no_replication_check(aws):
    pool = rich_pool(aws.client("cognito-idp"), users=3, groups=2, big_group_members=2)
    aws.make_storage()
    assert backup(aws, pool).returncode == 0
    [key] = aws.objects()
    result, check = verify(aws, pool, key)
    assert result.returncode == 0, result.stdout + result.stderr
    assert check is None
