"""Shared fixtures: one patched moto server for the session (reset around every test), the
binary under test, and helpers to run it."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import boto3
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support import motoplus  # noqa: E402

BINARY = os.environ.get("COGNITO_BACKUP_BIN", str(ROOT / ".build/debug/cognito-backup"))
REGION = "us-east-1"
ROOT_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}


@pytest.fixture(scope="session")
def moto():
    server = motoplus.start()
    yield server
    server.stop()


class AWS:
    """The moto server as a test sees it: boto3 clients with set-up rights, and the environment
    the binary runs with."""

    def __init__(self, server: motoplus.MotoPlus, tmp: pathlib.Path):
        self.server = server
        self.url = server.url
        self.tmp = tmp
        self.credentials = dict(ROOT_CREDENTIALS)

    def client(self, service: str, credentials: dict | None = None):
        credentials = credentials or self.credentials
        return boto3.client(service, endpoint_url=self.url, region_name=REGION,
                            aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"])

    def env(self, credentials: dict | None = None, **extra: str) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(credentials or self.credentials)
        env.update(AWS_ENDPOINT_URL=self.url, AWS_REGION=REGION, AWS_EC2_METADATA_DISABLED="true", HOME=str(self.tmp))
        env.update(extra)
        return env

    def run(self, *args: str, credentials: dict | None = None, env: dict | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
        return subprocess.run([BINARY, *args], env=env or self.env(credentials), capture_output=True, text=True, timeout=timeout)

    def make_storage(self, bucket: str = "backups", table: str = "cognito-backup-metadata-test") -> tuple[str, str]:
        self.client("s3").create_bucket(Bucket=bucket)
        self.client("dynamodb").create_table(
            TableName=table,
            KeySchema=[{"AttributeName": "user_pool_id", "KeyType": "HASH"}, {"AttributeName": "backup_date", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "user_pool_id", "AttributeType": "S"}, {"AttributeName": "backup_date", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        return bucket, table

    def reset_storage(self, bucket: str = "backups", table: str = "cognito-backup-metadata-test") -> None:
        """Empties the bucket, its open uploads and the table, keeping them."""
        s3 = self.client("s3")
        for key in self.keys(bucket):
            s3.delete_object(Bucket=bucket, Key=key)
        for upload in self.open_uploads(bucket):
            s3.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
        dynamodb = self.client("dynamodb")
        for item in self.metadata(table):
            dynamodb.delete_item(TableName=table, Key={k: item[k] for k in ("user_pool_id", "backup_date")})

    def keys(self, bucket: str = "backups") -> list[str]:
        """Every key in the bucket: backup objects and their manifests."""
        return [o["Key"] for o in self.client("s3").list_objects_v2(Bucket=bucket).get("Contents", [])]

    def objects(self, bucket: str = "backups") -> list[str]:
        """The backup objects, without their manifests."""
        return [key for key in self.keys(bucket) if not key.endswith(".manifest.json")]

    def manifest(self, key: str, bucket: str = "backups") -> dict:
        return json.loads(self.client("s3").get_object(Bucket=bucket, Key=key + ".manifest.json")["Body"].read())

    def open_uploads(self, bucket: str = "backups") -> list[dict]:
        return self.client("s3").list_multipart_uploads(Bucket=bucket).get("Uploads", [])

    def assert_nothing_stored(self, bucket: str = "backups", table: str = "cognito-backup-metadata-test") -> None:
        """No object, manifest, open upload or row: what a failed backup must leave."""
        assert self.keys(bucket) == [], self.keys(bucket)
        assert self.open_uploads(bucket) == [], self.open_uploads(bucket)
        assert self.metadata(table) == []

    def metadata(self, table: str = "cognito-backup-metadata-test") -> list[dict]:
        return self.client("dynamodb").scan(TableName=table)["Items"]


@pytest.fixture
def server(moto):
    """The session's moto server, for tests that drive it themselves; left reset and relaxed."""
    yield moto
    moto.relax_auth()
    moto.faults.clear()
    moto.region_check.disable()
    moto.reset()


@pytest.fixture
def aws(moto, tmp_path):
    moto.relax_auth()
    moto.reset()
    moto.faults.clear()
    yield AWS(moto, tmp_path)
    moto.relax_auth()
    moto.faults.clear()
    moto.region_check.disable()
    moto.reset()
