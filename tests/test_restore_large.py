"""A backup file is read in bounded chunks: a huge file that is no backup is refused at once,
with flat memory, before anything is written."""

from __future__ import annotations

import os
import re
import subprocess
import time

import pytest

from test_restore import BINARY, CREDS, pool_count
from support.iam import boto3_client

GIB = 1 << 30


def peak_rss_mb(report: str) -> float:
    return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", report).group(1)) / 1024


@pytest.mark.parametrize("head", [b"", b'{"format_version": 2, "users": ['], ids=["zeros", "zeros-inside-users"])
def test_gigabyte_that_is_no_backup_is_refused_quickly_with_flat_memory(server, tmp_path, head):
    idp = boto3_client(server.url, "cognito-idp", CREDS)
    garbage = tmp_path / "zeros.json"
    with garbage.open("wb") as file:
        file.write(head)
        file.truncate(GIB)  # sparse: a gigabyte of zeros without writing one
    report = tmp_path / "time.txt"
    env = {**os.environ, **CREDS, "AWS_ENDPOINT_URL": server.url, "AWS_REGION": "us-east-1"}

    started = time.monotonic()
    result = subprocess.run(["/usr/bin/time", "-v", "-o", str(report), BINARY, "restore", "--source", str(garbage), "--create-pool"],
                            env=env, capture_output=True, text=True, timeout=120)
    elapsed = time.monotonic() - started

    assert result.returncode == 1, result.stderr
    assert f"unreadable backup (byte {len(head)})" in result.stderr
    assert pool_count(idp) == 0
    assert not (tmp_path / "zeros.restore-mapping.json").exists()
    assert elapsed < 10, elapsed
    assert peak_rss_mb(report.read_text()) < 100
