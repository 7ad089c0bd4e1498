"""The binary as a Lambda custom runtime: driven through a local Runtime API emulator against
moto, for every event shape, for faults, and under the template's own IAM policy."""

from __future__ import annotations

import itertools
import json
import math
import os
import signal
import subprocess
import time

import pytest

from conftest import BINARY
from support.iam import admin_and_restricted_users
from support.pools import rich_pool
from support.runtime_api import RuntimeAPI
from support.template_policy import backup_policy, parameter_default, without_action
from test_backup import big_pool

TABLE = "cognito-backup-metadata-test"
SCHEDULED = json.dumps({"version": "0", "id": "53dc4d37", "detail-type": "Scheduled Event", "source": "aws.events",
                        "account": "123456789012", "time": "2026-11-21T18:00:00Z", "region": "us-east-1",
                        "resources": ["arn:aws:events:us-east-1:123456789012:rule/schedule"], "detail": {}}).encode()


def admin_create_user(pool: str) -> bytes:
    return json.dumps({"version": "0", "detail-type": "AWS API Call via CloudTrail", "source": "aws.cognito-idp",
                       "detail": {"eventSource": "cognito-idp.amazonaws.com", "eventName": "AdminCreateUser",
                                  "requestParameters": {"userPoolId": pool, "username": "HIDDEN_DUE_TO_SECURITY_REASONS"}}}).encode()


class Function:
    """The bootstrap running against an emulated Runtime API."""

    numbers = itertools.count(1)
    """Each runtime's log file: a test may run two at once."""

    def __init__(self, aws, tmp_path, pools: list[str], credentials: dict | None = None, **env: str):
        self.api = RuntimeAPI(timeout_ms=120_000, max_wait_s=300).start()
        environment = aws.env(credentials, AWS_LAMBDA_RUNTIME_API=self.api.address, USER_POOL_IDS=",".join(pools),
                              BACKUP_BUCKET="backups", BACKUP_TABLE=TABLE)
        environment.update(env)
        environment = {k: v for k, v in environment.items() if v is not None}
        self.stdout_path = tmp_path / f"function-{next(Function.numbers)}.log"
        self.started = time.monotonic()
        with open(self.stdout_path, "wb") as out:
            self.process = subprocess.Popen([BINARY], env=environment, stdout=out, stderr=subprocess.STDOUT)

    def invoke(self, payload: bytes, timeout_s: float = 120, deadline_ms: int | None = None) -> tuple[str, dict]:
        result = self.api.wait_result(self.api.invoke(payload, deadline_ms=deadline_ms), timeout_s)
        return result["kind"], json.loads(result["body"])

    def log_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.stdout_path.read_text().splitlines() if line.strip()]

    def stop(self) -> None:
        # The Runtime API first: its answer to the pending /next (503) ends an idle runtime by itself.
        self.api.stop()
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(5)


@pytest.fixture
def function(aws, tmp_path):
    started: list[Function] = []

    def start(pools: list[str], credentials: dict | None = None, **env: str) -> Function:
        started.append(Function(aws, tmp_path, pools, credentials, **env))
        return started[-1]

    yield start
    for f in started:
        f.stop()


def body_of(response: dict) -> dict:
    assert response["statusCode"] == 200
    return json.loads(response["body"])


def test_scheduled_event_backs_up_every_configured_pool(aws, function):
    cognito = aws.client("cognito-idp")
    pools = [rich_pool(cognito, users=3, groups=2, big_group_members=2, name=n) for n in ("one", "two")]
    aws.make_storage()
    kind, response = function(pools).invoke(SCHEDULED)
    assert kind == "response", response
    body = body_of(response)
    assert body["message"] == "Successfully backed up 2 user pools"
    assert sorted(b["user_pool_id"] for b in body["backups"]) == sorted(pools)
    assert all(b["user_count"] == 3 and b["s3_key"] in aws.objects() for b in body["backups"])
    assert len(aws.metadata()) == 2


@pytest.mark.parametrize("payload", [b"", b"{}", b"null"])
def test_an_empty_manual_invoke_backs_up_every_configured_pool(aws, function, payload):
    pool = rich_pool(aws.client("cognito-idp"), users=2, groups=1, big_group_members=1)
    aws.make_storage()
    kind, response = function([pool]).invoke(payload)
    assert kind == "response" and body_of(response)["backups"][0]["user_pool_id"] == pool


def test_a_manual_invoke_may_name_the_pools(aws, function):
    cognito = aws.client("cognito-idp")
    one, two = (rich_pool(cognito, users=1, groups=1, big_group_members=1, name=n) for n in ("one", "two"))
    aws.make_storage()
    kind, response = function([one, two]).invoke(json.dumps({"user_pool_ids": [two]}).encode())
    assert kind == "response" and [b["user_pool_id"] for b in body_of(response)["backups"]] == [two]


def test_admin_create_user_backs_up_only_its_pool_and_coalesces_a_burst(aws, function):
    cognito = aws.client("cognito-idp")
    one, two = (rich_pool(cognito, users=2, groups=1, big_group_members=1, name=n) for n in ("one", "two"))
    aws.make_storage()
    runtime = function([one, two], BACKUP_MIN_INTERVAL_SECONDS="300")
    kind, response = runtime.invoke(admin_create_user(two))
    assert kind == "response" and [b["user_pool_id"] for b in body_of(response)["backups"]] == [two]
    kind, response = runtime.invoke(admin_create_user(two))
    body = body_of(response)
    assert kind == "response" and body["backups"] == [] and body["message"] == "Skipped 1 user pools"
    assert body["skipped"][0]["user_pool_id"] == two and "less than 300s ago" in body["skipped"][0]["reason"]
    assert len(aws.objects()) == 1


def test_admin_create_user_in_an_unconfigured_pool_is_ignored_with_the_reason(aws, function):
    pool = rich_pool(aws.client("cognito-idp"), users=1, groups=1, big_group_members=1)
    aws.make_storage()
    kind, response = function([pool]).invoke(admin_create_user("us-east-1_SomeoneElse"))
    body = body_of(response)
    assert kind == "response" and body["backups"] == []
    assert body["skipped"] == [{"user_pool_id": "us-east-1_SomeoneElse", "reason": "not configured"}]
    assert aws.objects() == []


def test_a_malformed_event_is_an_invocation_error_and_the_next_event_is_served(aws, function):
    pool = rich_pool(aws.client("cognito-idp"), users=1, groups=1, big_group_members=1)
    aws.make_storage()
    runtime = function([pool])
    kind, error = runtime.invoke(b'{"detail-type": ')
    assert kind == "error" and error["errorType"] == "InvalidEvent" and "not JSON" in error["errorMessage"]
    kind, error = runtime.invoke(b'{"hello": "world"}')
    assert kind == "error" and "unrecognised event" in error["errorMessage"]
    kind, response = runtime.invoke(SCHEDULED)
    assert kind == "response" and runtime.process.poll() is None


def test_a_missing_pool_fails_the_invocation_after_backing_up_the_others(aws, function):
    pool = rich_pool(aws.client("cognito-idp"), users=2, groups=1, big_group_members=1)
    aws.make_storage()
    runtime = function(["us-east-1_Missing0001", pool])
    kind, error = runtime.invoke(SCHEDULED)
    assert kind == "error" and error["errorType"] == "BackupFailed"
    assert "us-east-1_Missing0001: ResourceNotFoundException" in error["errorMessage"]
    assert "1 succeeded" in error["errorMessage"] and error["stackTrace"] == []
    assert len(aws.objects()) == 1 and pool in aws.objects()[0]
    metrics = [line for line in runtime.log_lines() if "BackupFailed" in line]
    assert {(m["UserPoolId"], m["BackupFailed"]) for m in metrics} == {("us-east-1_Missing0001", 1), (pool, 0)}
    assert metrics[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "CognitoBackup"


def test_logs_are_json_lines_without_secrets(aws, function):
    pool = rich_pool(aws.client("cognito-idp"), users=2, groups=1, big_group_members=1)
    aws.make_storage()
    runtime = function([pool])
    runtime.invoke(SCHEDULED)
    runtime.stop()
    text = runtime.stdout_path.read_text()
    assert aws.credentials["AWS_SECRET_ACCESS_KEY"] not in text
    lines = runtime.log_lines()
    assert any(line.get("message") == "backup stored" and line["backup"]["user_pool_id"] == pool for line in lines)
    assert all("timestamp" in line and "level" in line for line in lines if "_aws" not in line)


@pytest.mark.parametrize("how", ["reset", "drop"])
def test_an_event_redelivered_after_its_answer_was_lost_answers_with_the_backup_it_took(aws, function, how):
    pool = rich_pool(aws.client("cognito-idp"), users=3, groups=1, big_group_members=1)
    aws.make_storage()
    runtime = function([pool])
    runtime.api.lose_next_answer(how)
    request_id = runtime.api.invoke(SCHEDULED)
    result = runtime.api.wait_result(request_id, 120)
    assert runtime.api.deliveries[request_id] == 2, "the emulator should have delivered the event again"
    assert result["kind"] == "response", result
    [key] = aws.objects()
    [row] = aws.metadata()
    assert row["s3_key"]["S"] == key and row["request_id"]["S"] == request_id
    assert [b["s3_key"] for b in body_of(json.loads(result["body"]))["backups"]] == [key]
    if how == "drop":
        [lost] = runtime.api.lost_answers
        assert [b["s3_key"] for b in body_of(json.loads(lost["body"]))["backups"]] == [key]
    assert any(line.get("message") == "already backed up by this request" and line.get("requestId") == request_id
               for line in runtime.log_lines())


def wait_for(condition, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def pool_slow_after_one_part(aws) -> str:
    """A pool whose backup uploads a multipart part at once, then waits 30 s for the rest of its
    users. The reader lists users in 16 streams by `sub` prefix after one probe call: the probe and
    nine streams (about 340 users of 20 KB, past the 5 MiB part) answer at once, the others late."""
    pool = big_pool(aws.client("cognito-idp"), users=600)
    aws.make_storage()
    aws.server.faults.add("ListUsers", "delay", skip=10, seconds=30.0, times=30)
    return pool


def test_a_backup_still_running_near_the_deadline_is_stopped_and_named_before_the_deadline(aws, function):
    pool = pool_slow_after_one_part(aws)
    runtime = function([pool])
    # The backup is cut 10 s before the deadline: 20 s to reach its first part on a loaded machine.
    deadline_ms = int(time.time() * 1000) + 30_000
    result = runtime.api.wait_result(runtime.api.invoke(SCHEDULED, deadline_ms=deadline_ms), 90)
    assert result["kind"] == "error", result
    assert result["received_ms"] < deadline_ms
    message = json.loads(result["body"])["errorMessage"]
    assert f"{pool}: stopped at the invocation's deadline" in message
    assert aws.server.faults.seen["CreateMultipartUpload"] == 1, "the upload should have begun before the deadline"
    assert aws.objects() == [] and aws.metadata() == []
    assert aws.client("s3").list_multipart_uploads(Bucket="backups").get("Uploads", []) == []
    assert [(m["UserPoolId"], m["BackupFailed"]) for m in runtime.log_lines() if "BackupFailed" in m] == [(pool, 1)]


def test_sigterm_stops_the_backup_in_flight_aborts_its_upload_and_still_answers(aws, function):
    pool = pool_slow_after_one_part(aws)
    runtime = function([pool])
    request_id = runtime.api.invoke(SCHEDULED)
    wait_for(lambda: aws.server.faults.seen["CreateMultipartUpload"] >= 1, 60)
    runtime.process.send_signal(signal.SIGTERM)
    result = runtime.api.wait_result(request_id, 60)
    assert result["kind"] == "error", result
    assert f"{pool}: stopped because the runtime is shutting down" in json.loads(result["body"])["errorMessage"]
    assert runtime.process.wait(30) == 143
    assert aws.objects() == [] and aws.metadata() == []
    assert aws.client("s3").list_multipart_uploads(Bucket="backups").get("Uploads", []) == []


def test_a_pool_that_cannot_finish_before_the_deadline_is_not_started(aws, function):
    pool = rich_pool(aws.client("cognito-idp"), users=1, groups=1, big_group_members=1)
    aws.make_storage()
    kind, error = function([pool]).invoke(SCHEDULED, deadline_ms=int(time.time() * 1000) + 5_000)
    assert kind == "error" and "not started" in error["errorMessage"] and pool in error["errorMessage"]
    assert aws.objects() == []


@pytest.mark.parametrize("missing", ["BACKUP_BUCKET", "BACKUP_TABLE", "USER_POOL_IDS"])
def test_configuration_that_cannot_work_is_an_init_error(aws, function, missing):
    runtime = function(["us-east-1_Abc"], **{missing: None})
    assert runtime.process.wait(10) != 0
    [init_error] = runtime.api.init_errors
    document = json.loads(init_error["body"])
    assert document["errorType"] == "InvalidConfiguration" and missing in document["errorMessage"]
    assert init_error["headers"]["lambda-runtime-function-error-type"] == "InvalidConfiguration"


def test_a_runtime_api_failure_ends_the_process(aws, function):
    runtime = function(["us-east-1_Abc"])
    runtime.api.fail_next()
    assert runtime.process.wait(10) == 1


def test_init_reaches_the_first_next_quickly(aws, function):
    runtime = function(["us-east-1_Abc"])
    deadline = time.monotonic() + 5
    while runtime.api.first_next_at is None and time.monotonic() < deadline:
        time.sleep(0.001)
    assert runtime.api.first_next_at is not None
    init_ms = (runtime.api.first_next_at - runtime.started) * 1000
    print(f"init (process start to first /next): {init_ms:.1f} ms")
    assert init_ms < 1000


def least_privilege_pool(aws) -> str:
    """A pool whose MFA is optional and may be SMS: what once made the backup call AdminGetUser."""
    cognito = aws.client("cognito-idp")
    pool = rich_pool(cognito, users=3, groups=2, big_group_members=2)
    sms = {"SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::123456789012:role/cognito-sms", "ExternalId": "least-privilege"}}
    cognito.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OPTIONAL", SmsMfaConfiguration=sms)
    client = cognito.list_user_pool_clients(UserPoolId=pool, MaxResults=60)["UserPoolClients"][0]["ClientId"]
    cognito.create_terms(UserPoolId=pool, ClientId=client, TermsName="terms-of-use", TermsSource="LINK", Enforcement="NONE",
                         Links={"cognito:default": "https://example.com/terms"})
    return pool


def test_the_template_policy_is_enough_and_every_action_in_it_is_needed(aws, function):
    pool = least_privilege_pool(aws)
    aws.make_storage()
    policy = backup_policy("backups", table_name=TABLE)
    admin, restricted = admin_and_restricted_users(aws.url, policy)
    iam = aws.client("iam", admin)
    aws.server.enforce_auth()
    runtime = function([pool], restricted, BACKUP_USER_MFA=parameter_default("BackupUserMfa"))
    aws.server.faults.recording = True

    kind, response = runtime.invoke(SCHEDULED)
    assert kind == "response", response
    assert "AdminGetUser" not in [op for op, _ in aws.server.faults.recorded], "the default backup billed its users"
    aws.server.faults.recording = False

    # Needed only when something fails or an answer is lost; proven by the tests below.
    # GetLifecycleConfiguration: only to say when an upload that cannot be aborted is removed.
    only_on_failure = {"s3:AbortMultipartUpload", "s3:DeleteObject", "s3:ListBucketMultipartUploads", "dynamodb:GetItem",
                       "s3:GetLifecycleConfiguration"}
    # moto authorises a PutObject carrying x-amz-tagging as s3:PutObject alone; AWS also asks for
    # s3:PutObjectTagging. The tier tags' arrival is proven in test_tiers.py.
    not_provable_in_moto = {"s3:PutObjectTagging"}
    # Needed by every run, but without it the pool's lease stays and every later run here would
    # skip the pool: proven by test_without_delete_item_the_lease_stays_and_the_next_run_skips_the_pool.
    leaves_a_lease = {"dynamodb:DeleteItem"}
    actions = sorted({a for s in policy["Statement"] for a in s["Action"]} - only_on_failure - leaves_a_lease - not_provable_in_moto)
    for action in actions:
        iam.put_user_policy(UserName="backup", PolicyName="backup-inline", PolicyDocument=json.dumps(without_action(policy, action)))
        kind, error = runtime.invoke(SCHEDULED)
        assert kind == "error", f"the backup succeeded without {action}"
        assert "AccessDenied" in error["errorMessage"], (action, error)
    iam.put_user_policy(UserName="backup", PolicyName="backup-inline", PolicyDocument=json.dumps(policy))
    kind, response = runtime.invoke(SCHEDULED)
    assert kind == "response"


def test_the_template_policy_is_enough_for_a_backup_that_goes_on_in_the_next_invocation(aws, function):
    pool = least_privilege_pool(aws)
    aws.make_storage()
    policy = backup_policy("backups", table_name=TABLE)
    admin, restricted = admin_and_restricted_users(aws.url, policy)
    aws.server.enforce_auth()
    runtime = function([pool], restricted)

    def keys() -> list[str]:
        return sorted(o["Key"] for o in aws.client("s3", admin).list_objects_v2(Bucket="backups").get("Contents", []))

    # 20 s before the deadline a resumable backup stops reading: at once, here, so it pauses with
    # its configuration written and resumes with a deadline that leaves it time.
    kind, paused = runtime.invoke(json.dumps({"resumable": True}).encode(), deadline_ms=int(time.time() * 1000) + 20_000)
    assert kind == "response" and "continue" in paused, paused
    key = paused["continue"]["backup"]["s3_key"]
    assert keys() == [key + ".checkpoint.json"]
    kind, response = runtime.invoke(json.dumps({"continue": paused["continue"]}).encode(), deadline_ms=int(time.time() * 1000) + 90_000)
    assert kind == "response", response
    [backup] = body_of(response)["backups"]
    assert backup["s3_key"] == key and backup["user_count"] == 3
    assert keys() == [key, key + ".manifest.json"]
    assert len(aws.client("dynamodb", admin).scan(TableName=TABLE)["Items"]) == 1, "the row, and no lease"


@pytest.mark.parametrize("with_abort", [True, False])
def test_abort_multipart_upload_is_what_keeps_a_failed_backup_from_lingering(aws, function, with_abort):
    pool = big_pool(aws.client("cognito-idp"))
    aws.make_storage()
    policy = backup_policy("backups", table_name=TABLE)
    if not with_abort:
        policy = without_action(policy, "s3:AbortMultipartUpload")
    admin, restricted = admin_and_restricted_users(aws.url, policy)
    aws.server.faults.add("ListUsersInGroup", "500", times=50)
    aws.server.enforce_auth()
    kind, error = function([pool], restricted).invoke(SCHEDULED)
    assert kind == "error" and "ListUsersInGroup" in error["errorMessage"]
    uploads = aws.client("s3", admin).list_multipart_uploads(Bucket="backups").get("Uploads", [])
    assert (uploads == []) is with_abort
    aws.server.relax_auth()
    assert aws.objects() == [] and aws.metadata() == []


@pytest.mark.parametrize("action,operation,fault,large", [
    ("s3:DeleteObject", "PutItem", "500", False),
    ("s3:ListBucketMultipartUploads", "CreateMultipartUpload", "drop", True),
    ("dynamodb:GetItem", "PutItem", "drop", False),
])
def test_each_recovery_action_is_what_keeps_a_failure_from_leaving_a_trace(aws, function, action, operation, fault, large):
    cognito = aws.client("cognito-idp")
    pool = big_pool(cognito) if large else rich_pool(cognito, users=3, groups=1, big_group_members=1)
    aws.make_storage()
    policy = backup_policy("backups", table_name=TABLE)
    admin, restricted = admin_and_restricted_users(aws.url, policy)
    skip = 1 if operation == "PutItem" else 0  # the pool's lease is the first PutItem; the row's comes after
    aws.server.faults.add(operation, fault, times=50 if fault == "500" else 1, skip=skip)
    aws.server.enforce_auth()
    kind, answer = function([pool], restricted).invoke(SCHEDULED)
    aws.server.relax_auth()
    if fault == "500":
        assert kind == "error" and "the object was removed" in answer["errorMessage"], answer
        aws.assert_nothing_stored()
    else:
        assert kind == "response", answer
        assert len(aws.objects()) == 1 and len(aws.metadata()) == 1 and aws.open_uploads() == []

    aws.reset_storage()
    iam = aws.client("iam", admin)
    iam.put_user_policy(UserName="backup", PolicyName="backup-inline", PolicyDocument=json.dumps(without_action(policy, action)))
    aws.server.faults.clear()
    aws.server.faults.add(operation, fault, times=50 if fault == "500" else 1, skip=skip)
    aws.server.enforce_auth()
    kind, answer = function([pool], restricted).invoke(SCHEDULED)
    aws.server.relax_auth()
    if action == "s3:DeleteObject":
        assert kind == "error" and "stays at" in answer["errorMessage"] and len(aws.objects()) == 1
    elif action == "s3:ListBucketMultipartUploads":
        assert kind == "response" and len(aws.open_uploads()) == 1, "without it the first upload stays open"
    else:
        # The retried PutItem meets its own row and cannot tell it is its own: the backup fails, whole.
        assert kind == "error" and "dynamodb:GetItem" in answer["errorMessage"] and "the object was removed" in answer["errorMessage"]


def test_a_metadata_table_that_cannot_be_read_fails_the_pool_and_names_the_table_step(aws, function):
    pool = rich_pool(aws.client("cognito-idp"), users=1, groups=1, big_group_members=1)
    aws.client("s3").create_bucket(Bucket="backups")
    kind, error = function([pool]).invoke(SCHEDULED)
    assert kind == "error" and error["errorType"] == "BackupFailed"
    assert f"{pool}: ResourceNotFoundException reading the metadata table" in error["errorMessage"]
    assert aws.objects() == []


# ------------------------------------------------------------------ quota plan and leases


def userlist_calls(users: int, groups: int, memberships: int) -> int:
    """docs/design.md's formula: one ListUsers call for a page, else a probe, 16 streams' last pages
    and the full pages; one ListUsersInGroup call per group, and the members' pages."""
    list_users = 1 if users <= 60 else 1 + 16 + math.ceil(users / 60)
    return list_users + groups + math.ceil(memberships / 60)


def plan_of(runtime: Function) -> dict:
    [plan] = [line for line in runtime.log_lines() if line.get("message", "").startswith("quota plan")]
    return plan


def emf_records(runtime: Function, metric: str) -> list[dict]:
    records = [line for line in runtime.log_lines() if "_aws" in line and metric in line]
    for record in records:
        [directive] = record["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "CognitoBackup"
        assert metric in [m["Name"] for m in directive["Metrics"]]
        assert all(name in record for dimensions in directive["Dimensions"] for name in dimensions)
    return records


def a_past_backup(aws, pool: str, duration_ms: int, memberships: int = 0) -> None:
    """A row as an earlier backup of the pool leaves it: the plan reads its duration and memberships."""
    aws.client("dynamodb").put_item(TableName=TABLE, Item={
        "user_pool_id": {"S": pool}, "backup_date": {"S": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))},
        "s3_bucket": {"S": "backups"}, "s3_key": {"S": f"cognito-backup/earlier/{pool}.json"},
        "duration_ms": {"N": str(duration_ms)}, "membership_count": {"N": str(memberships)}, "user_count": {"N": "3"},
    })


@pytest.mark.parametrize("setting,billed", [("off", 0), ("on", 61)])
def test_the_quota_plan_states_the_users_a_backup_bills_and_what_they_cost_a_month(aws, function, setting, billed):
    pool = rich_pool(aws.client("cognito-idp"), users=61, groups=1, big_group_members=1, name="billed")
    aws.make_storage()
    aws.server.faults.recording = True
    runtime = function([pool], BACKUP_USER_MFA=setting)

    kind, response = runtime.invoke(SCHEDULED)

    assert kind == "response", response
    [planned] = plan_of(runtime)["pools"]
    assert planned["tier"] == "ESSENTIALS" and planned["billed_users"] == billed
    assert planned["monthly_cost_usd"] == pytest.approx(billed * 0.015, abs=0.005)  # to the cent
    assert [op for op, _ in aws.server.faults.recorded].count("AdminGetUser") == billed


@pytest.mark.parametrize("env,rate", [({"BACKUP_USERLIST_SHARE": "0.2"}, 6.0),
                                      ({"BACKUP_USERLIST_SHARE": "0.2", "COGNITO_TPS_USERLIST": "12"}, 12.0)])
def test_a_scheduled_run_logs_its_quota_plan_and_emits_its_metrics(aws, function, env, rate):
    cognito = aws.client("cognito-idp")
    small = rich_pool(cognito, users=3, groups=2, big_group_members=2, name="small")
    large = rich_pool(cognito, users=61, groups=1, big_group_members=1, name="large")
    aws.make_storage()
    a_past_backup(aws, large, duration_ms=2_000, memberships=130)
    runtime = function([small, large], BACKUP_SCHEDULE="rate(5 minutes)", **env)

    kind, response = runtime.invoke(SCHEDULED)

    assert kind == "response", response
    plan = plan_of(runtime)
    assert plan["level"] == "INFO" and plan["fits"] is True and "problems" not in plan
    assert plan["userlist_rate"] == rate and plan["schedule"] == "rate(5 minutes)" and plan["period_seconds"] == 300
    pools = {p["user_pool_id"]: p for p in plan["pools"]}
    assert (pools[small]["estimated_users"], pools[small]["groups"], pools[small]["memberships"]) == (3, 2, 0)
    assert (pools[large]["estimated_users"], pools[large]["groups"], pools[large]["memberships"]) == (61, 1, 130)
    calls = {small: userlist_calls(3, 2, 0), large: userlist_calls(61, 1, 130)}
    assert {p: pools[p]["userlist_calls"] for p in pools} == calls and plan["userlist_calls"] == sum(calls.values())
    # The longer of the last backup's duration with a quarter to spare and the calls at the rate.
    seconds = {small: math.ceil(calls[small] / rate), large: max(math.ceil(2.5), math.ceil(calls[large] / rate))}
    assert {p: pools[p]["estimated_seconds"] for p in pools} == seconds

    [share] = [r for r in emf_records(runtime, "UserListQuotaShare") if "UserPoolId" not in r]  # per pool: measured
    assert share["UserListQuotaShare"] == pytest.approx(sum(calls.values()) / (30 * 300))
    assert share["QuotaPlanDoesNotFit"] == 0
    estimates = emf_records(runtime, "EstimatedBackupSeconds")
    assert {m["UserPoolId"]: m["EstimatedBackupSeconds"] for m in estimates} == seconds


def test_a_run_longer_than_the_schedule_warns_and_still_backs_up(aws, function):
    pool = rich_pool(aws.client("cognito-idp"), users=3, groups=1, big_group_members=1)
    aws.make_storage()
    a_past_backup(aws, pool, duration_ms=100_000)
    runtime = function([pool], BACKUP_SCHEDULE="rate(1 minute)")

    kind, response = runtime.invoke(SCHEDULED, deadline_ms=int(time.time() * 1000) + 600_000)

    assert kind == "response" and [b["user_pool_id"] for b in body_of(response)["backups"]] == [pool]
    plan = plan_of(runtime)
    assert plan["level"] == "WARN" and plan["message"] == "quota plan does not fit" and plan["fits"] is False
    assert plan["problems"] == ["a run needs about 125s, more than the 60s between runs of rate(1 minute): "
                                "the next run finds pools still being backed up and skips them"]
    [share] = emf_records(runtime, "QuotaPlanDoesNotFit")
    assert share["QuotaPlanDoesNotFit"] == 1


def test_a_pool_longer_than_an_invocation_warns_and_is_not_started(aws, function):
    pool = rich_pool(aws.client("cognito-idp"), users=3, groups=1, big_group_members=1)
    aws.make_storage()
    a_past_backup(aws, pool, duration_ms=60_000)
    runtime = function([pool])

    kind, error = runtime.invoke(SCHEDULED, deadline_ms=int(time.time() * 1000) + 60_000)

    assert kind == "error" and f"{pool}: not started" in error["errorMessage"]
    plan = plan_of(runtime)
    assert plan["level"] == "WARN" and plan["invocation_seconds"] <= 35
    [problem] = plan["problems"]
    assert problem.startswith(f"{pool} needs about 75s, more than the ") and problem.endswith("it is never started")
    assert emf_records(runtime, "QuotaPlanDoesNotFit")[0]["QuotaPlanDoesNotFit"] == 1
    assert aws.objects() == []


def skipped_for(response: dict) -> list[dict]:
    body = body_of(response)
    assert body["backups"] == [] and body["message"] == f"Skipped {len(body['skipped'])} user pools"
    return body["skipped"]


def test_a_run_skips_a_pool_another_run_is_backing_up_and_the_next_run_takes_it(aws, function):
    pool = rich_pool(aws.client("cognito-idp"), users=3, groups=1, big_group_members=1)
    aws.make_storage()
    aws.server.faults.add("ListUsers", "delay", seconds=15.0, times=1)
    first, second = function([pool]), function([pool])
    first_id = first.api.invoke(SCHEDULED)
    # The first run holds the pool's lease by the time it lists users, and its ListUsers is slow.
    wait_for(lambda: aws.server.faults.fired["ListUsers"] >= 1, 60)

    overlapping = second.api.wait_result(second.api.invoke(SCHEDULED), 60)
    finished = first.api.wait_result(first_id, 60)

    assert overlapping["received_ms"] < finished["received_ms"], "the second run should have answered while the first ran"
    [skip] = skipped_for(json.loads(overlapping["body"]))
    assert skip["user_pool_id"] == pool and skip["reason"].startswith(f"a backup by request {first_id} has held")
    assert finished["kind"] == "response" and [b["user_pool_id"] for b in body_of(json.loads(finished["body"]))["backups"]] == [pool]
    assert any(line.get("message") == "backup skipped" and line["reason"] == skip["reason"] for line in second.log_lines())

    kind, response = second.invoke(SCHEDULED)
    assert kind == "response" and [b["user_pool_id"] for b in body_of(response)["backups"]] == [pool]
    assert len(aws.objects()) == 2 and len(aws.metadata()) == 2, "both backups catalogued, and no lease left behind"


def test_a_lease_left_by_a_run_lambda_stopped_holds_until_its_deadline_then_is_taken_over(aws, function):
    pool = rich_pool(aws.client("cognito-idp"), users=3, groups=1, big_group_members=1)
    aws.make_storage()
    aws.server.faults.add("ListUsers", "delay", seconds=60.0, times=1)
    stopped, later = function([pool]), function([pool])
    deadline_ms = int(time.time() * 1000) + 30_000
    stopped_id = stopped.api.invoke(SCHEDULED, deadline_ms=deadline_ms)
    wait_for(lambda: aws.server.faults.fired["ListUsers"] >= 1, 25)
    stopped.process.kill()  # as Lambda ends a run at its deadline: nothing is released
    stopped.process.wait(5)

    kind, response = later.invoke(SCHEDULED)
    [skip] = skipped_for(response)
    assert skip["reason"].startswith(f"a backup by request {stopped_id} has held")

    wait_for(lambda: time.time() * 1000 > deadline_ms + 1_500, 40)
    kind, response = later.invoke(SCHEDULED)
    assert kind == "response" and [b["user_pool_id"] for b in body_of(response)["backups"]] == [pool]
    [takeover] = [line for line in later.log_lines() if line.get("message") == "took over an expired lease"]
    assert takeover["level"] == "WARN" and takeover["expired_holder"] == stopped_id and takeover["user_pool_id"] == pool
    assert len(aws.metadata()) == 1


def test_without_delete_item_the_lease_stays_and_the_next_run_skips_the_pool(aws, function):
    pool = rich_pool(aws.client("cognito-idp"), users=3, groups=1, big_group_members=1)
    aws.make_storage()
    policy = without_action(backup_policy("backups", table_name=TABLE), "dynamodb:DeleteItem")
    _, restricted = admin_and_restricted_users(aws.url, policy)
    aws.server.enforce_auth()
    runtime = function([pool], restricted)

    request_id = runtime.api.invoke(SCHEDULED)
    result = runtime.api.wait_result(request_id, 120)
    kind, response = runtime.invoke(SCHEDULED)
    aws.server.relax_auth()

    assert result["kind"] == "error", result
    message = json.loads(result["body"])["errorMessage"]
    assert f"{pool}: backed up to cognito-backup/" in message and "its lease could not be released (AccessDenied" in message
    [skip] = skipped_for(response)
    assert skip["reason"].startswith(f"a backup by request {request_id} has held")
    assert len(aws.objects()) == 1 and len(aws.metadata()) == 2, "the row, and the lease left behind"
    listed = aws.run("list", "--table", TABLE, "--json")
    assert listed.returncode == 0, listed.stderr
    assert [b["s3_key"] for b in json.loads(listed.stdout)] == aws.objects(), "a lease is not a backup"


def test_a_lease_whose_answer_was_lost_is_recognised_as_this_runs_own(aws, function):
    pool = rich_pool(aws.client("cognito-idp"), users=3, groups=1, big_group_members=1)
    aws.make_storage()
    aws.server.faults.add("PutItem", "drop", times=1)  # the lease is written, its answer lost; the retry meets it

    kind, response = function([pool]).invoke(SCHEDULED)

    assert aws.server.faults.fired["PutItem"] == 1
    assert kind == "response" and [b["user_pool_id"] for b in body_of(response)["backups"]] == [pool]
    assert len(aws.objects()) == 1 and len(aws.metadata()) == 1, "the backup catalogued, and its lease released"


def test_a_userlist_share_outside_zero_to_one_is_an_init_error(aws, function):
    runtime = function(["us-east-1_Abc"], BACKUP_USERLIST_SHARE="1.5")
    assert runtime.process.wait(10) != 0
    [init_error] = runtime.api.init_errors
    assert "BACKUP_USERLIST_SHARE must be a number above 0 and at most 1" in json.loads(init_error["body"])["errorMessage"]
