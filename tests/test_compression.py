"""BACKUP_COMPRESSION=gzip: the object is `.json.gz`, its row and manifest describe the bytes
stored, and restore, verify and list read it like any other backup."""

from __future__ import annotations

import gzip
import hashlib
import json

from support.pools import rich_pool
from test_backup import backup

TABLE = "cognito-backup-metadata-test"


def test_a_gzip_backup_is_described_by_its_stored_bytes_and_restores_and_verifies(aws):
    cognito = aws.client("cognito-idp")
    pool = rich_pool(cognito, users=40, groups=3, big_group_members=10)
    aws.make_storage()
    plain = backup(aws, pool)
    assert plain.returncode == 0, plain.stderr
    compressed = backup(aws, pool, "--compression", "gzip")
    assert compressed.returncode == 0, compressed.stderr

    [key] = [k for k in aws.objects() if k.endswith(".json.gz")]
    [plain_key] = [k for k in aws.objects() if k.endswith(".json")]
    stored = aws.client("s3").get_object(Bucket="backups", Key=key)
    data = stored["Body"].read()
    assert stored["ContentType"] == "application/gzip"
    manifest = aws.manifest(key)
    row = next({k: next(iter(v.values())) for k, v in item.items()} for item in aws.metadata() if item["s3_key"]["S"] == key)
    assert manifest["sha256"] == row["sha256"] == hashlib.sha256(data).hexdigest()
    assert manifest["size_bytes"] == int(row["size_bytes"]) == len(data)
    snapshot = json.loads(gzip.decompress(data))
    plain_snapshot = json.loads(aws.client("s3").get_object(Bucket="backups", Key=plain_key)["Body"].read())
    assert len(snapshot["users"]) == 40 and snapshot["group_memberships"] == plain_snapshot["group_memberships"]
    assert len(data) * 3 < len(json.dumps(snapshot))

    listed = aws.run("list", "--bucket", "backups", "--pool-id", pool, "--json")
    assert listed.returncode == 0, listed.stderr
    assert {record["s3_key"] for record in json.loads(listed.stdout)} == {key, plain_key}

    restored = aws.run("restore", "--source", f"s3://backups/{key}", "--create-pool", "--domain-prefix", "restored-gz",
                       "--mapping-file", str(aws.tmp / "m.json"), "--json")
    assert restored.returncode == 0, restored.stderr
    new_pool = json.loads(restored.stdout)["target_pool_id"]
    verified = aws.run("verify", "--source", f"s3://backups/{key}", "--pool-id", new_pool)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "warning" not in verified.stderr

    local = aws.tmp / "copy.json.gz"
    local.write_bytes(data)
    assert aws.run("verify", "--source", str(local), "--pool-id", new_pool).returncode == 0


def test_a_truncated_gzip_backup_is_refused_before_anything_is_written(aws):
    cognito = aws.client("cognito-idp")
    pool = rich_pool(cognito, users=40, groups=3, big_group_members=10)
    aws.make_storage()
    assert backup(aws, pool, "--compression", "gzip").returncode == 0
    [key] = aws.objects()
    local = aws.tmp / "cut.json.gz"
    local.write_bytes(aws.client("s3").get_object(Bucket="backups", Key=key)["Body"].read()[:-200])
    pools_before = len(cognito.list_user_pools(MaxResults=60)["UserPools"])
    result = aws.run("restore", "--source", str(local), "--create-pool", "--mapping-file", str(aws.tmp / "m.json"))
    assert result.returncode != 0 and "compressed backup" in result.stderr
    assert len(cognito.list_user_pools(MaxResults=60)["UserPools"]) == pools_before


def test_an_unknown_compression_is_a_configuration_error(aws):
    aws.make_storage()
    result = aws.run("backup", "--pool-id", "us-east-1_Abc", "--bucket", "backups", "--table", TABLE, "--compression", "zstd")
    assert result.returncode == 2 and "BACKUP_COMPRESSION must be none or gzip" in result.stderr
