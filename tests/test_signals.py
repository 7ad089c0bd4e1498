"""SIGINT and SIGTERM during `cognito-backup backup`: the job in flight is cancelled, its upload
aborted, the pool named, and the process exits 128 + the signal; a second signal exits at once."""

from __future__ import annotations

import signal
import subprocess
import time

import pytest

from conftest import BINARY
from test_lambda import TABLE, pool_slow_after_one_part, wait_for


def start_backup(aws, pool: str) -> subprocess.Popen:
    return subprocess.Popen([BINARY, "backup", "--pool-id", pool, "--bucket", "backups", "--table", TABLE],
                            env=aws.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("number, status", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_stops_the_backup_aborts_its_upload_and_names_the_pool(aws, number, status):
    pool = pool_slow_after_one_part(aws)
    process = start_backup(aws, pool)
    try:
        wait_for(lambda: aws.server.faults.seen["CreateMultipartUpload"] >= 1, 60)
        process.send_signal(number)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == status, stderr
    assert f"{signal.Signals(number).name} stopped the backup of {pool}; its upload was aborted" in stderr
    assert aws.server.faults.seen["AbortMultipartUpload"] == 1
    assert aws.objects() == [] and aws.metadata() == []
    assert aws.client("s3").list_multipart_uploads(Bucket="backups").get("Uploads", []) == []


def test_a_second_signal_exits_at_once_without_waiting_for_the_cleanup(aws):
    pool = pool_slow_after_one_part(aws)
    aws.server.faults.add("AbortMultipartUpload", "delay", seconds=20.0)
    process = start_backup(aws, pool)
    try:
        wait_for(lambda: aws.server.faults.seen["CreateMultipartUpload"] >= 1, 60)
        process.send_signal(signal.SIGTERM)
        time.sleep(0.5)  # lets the first signal be taken as the first; the cleanup takes 12 s or more
        process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 143, stderr
    assert time.monotonic() - signalled < 5
    assert "second SIGTERM; exiting without cleaning up" in stderr
