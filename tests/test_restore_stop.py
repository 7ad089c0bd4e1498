"""Stop means stop: a fatal error ends the restore at once, and SIGTERM saves the journal."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

from test_restore import BINARY, CREDS, all_users, back_up, pool_count, run
from support.iam import admin_and_restricted_users, boto3_client

USERS = 300
CREATION_RATE = 5
"""AdminCreateUser per second for the stop test: one create goes out every 200 ms, far longer
than moto takes to answer one, so at most one is on the wire when the fatal error comes."""


@pytest.fixture
def idp(server):
    return boto3_client(server.url, "cognito-idp", CREDS)


@pytest.fixture
def big_backup(server, idp, tmp_path):
    pool = idp.create_user_pool(PoolName="big")["UserPool"]["Id"]
    idp.create_group(UserPoolId=pool, GroupName="everyone")
    for i in range(USERS):
        idp.admin_create_user(UserPoolId=pool, Username=f"u{i:04}", MessageAction="SUPPRESS")
        idp.admin_add_user_to_group(UserPoolId=pool, Username=f"u{i:04}", GroupName="everyone")
    return back_up(server, pool, tmp_path)


def test_access_denied_on_a_group_add_stops_user_creation_at_once(server, big_backup):
    _, restricted = admin_and_restricted_users(server.url, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "cognito-idp:AdminAddUserToGroup", "Resource": "*"}]})
    server.enforce_auth()
    server.faults.recording = True
    env = {**os.environ, **restricted, "AWS_ENDPOINT_URL": server.url, "AWS_REGION": "us-east-1",
           "COGNITO_TPS_USERCREATION": str(CREATION_RATE)}

    result = subprocess.run([BINARY, "restore", "--source", str(big_backup), "--create-pool", "--json"], env=env,
                            capture_output=True, text=True, timeout=300)

    assert result.returncode == 3, result.stderr
    assert "AdminAddUserToGroup" in result.stderr or "add u" in result.stderr
    operations = [op for op, _ in server.faults.recorded]
    first_denied = operations.index("AdminAddUserToGroup")
    created_after = operations[first_denied:].count("AdminCreateUser")
    # Only the create already on the wire may arrive after the denial: the workers queued at the
    # rate limiter are cancelled with it, and none of them goes out. Measured: 0-1 in 7 runs at 5/s
    # and 10/s; at the default 46.5/s, 1-10 on a loaded machine, all sent before the answer came,
    # which is why the rate is pinned. The old bound was every queued worker: the concurrency, 32.
    assert created_after <= 1, created_after
    assert operations.count("AdminCreateUser") < USERS // 2


def test_sigterm_saves_the_journal_and_a_rerun_finishes(server, idp, big_backup, tmp_path):
    mapping_file = tmp_path / "mapping.json"
    command = [BINARY, "restore", "--source", str(big_backup), "--create-pool", "--mapping-file", str(mapping_file), "--json"]
    env = {**os.environ, **CREDS, "AWS_ENDPOINT_URL": server.url, "AWS_REGION": "us-east-1", "COGNITO_TPS_USERCREATION": "15"}
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline, created, target = time.monotonic() + 60, 0, None
        while time.monotonic() < deadline and created < 20:
            time.sleep(0.1)
            if mapping_file.exists() and (target := json.loads(mapping_file.read_text())["target_pool_id"]):
                created = len(all_users(idp, target))
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
        process.wait()

    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert "SIGTERM" in stderr and "run the same command again to resume" in stderr
    journal = json.loads(mapping_file.read_text())
    in_pool = {u["Username"] for u in all_users(idp, target)}
    assert not journal["complete"] and 20 <= len(journal["users"]) < USERS
    assert set(journal["users"]) <= in_pool

    resumed = json.loads(run(server, *command[1:]).stdout)

    assert resumed["resumed"] and resumed["complete"] and resumed["target_pool_id"] == target
    assert len(all_users(idp, target)) == USERS and pool_count(idp) == 2
    assert len(json.loads(mapping_file.read_text())["users"]) == USERS
