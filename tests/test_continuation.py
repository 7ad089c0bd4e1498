"""Backups longer than one invocation: the function, driven through the Runtime API emulator as
the state machine drives it ({"resumable": true}, then {"continue": …} until the answer has no
continue), against the benchmark's fake AWS (Cognito, S3 and DynamoDB on one loopback port)."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from conftest import BINARY
from support import state_machine
from support.backup_schema import BACKUP, CHECKPOINT, MANIFEST, problems
from support.runtime_api import RuntimeAPI
from support.template_policy import BACKUP_TEMPLATE, load_template

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import fake_aws  # noqa: E402

POOL = fake_aws.BENCH_POOL_ID
BUCKET = TABLE = "bench"
USERS = int(os.environ.get("CONTINUATION_USERS", "200000"))
# The refinements' tests need several invocations, not the required test's size.
SMALL = min(USERS, 20_000)
# Enough that the users' read is paused part-way, with tokens to refuse.
MEDIUM = min(USERS, 60_000)
# The function stops reading 20 s before its deadline (then writes, uploads and saves its
# checkpoint): a deadline this far off leaves each invocation a few seconds of reading.
READING_S = float(os.environ.get("CONTINUATION_READING_S", "1.5"))
PAUSE_BEFORE_DEADLINE_S = 20


@pytest.fixture
def fake(request):
    # UserList lifted far past Cognito's 30/s, so the test measures invocations, not the quota.
    # The parameter: users, or (users, groups, members per group).
    users, groups, members = (param if isinstance(param := getattr(request, "param", USERS), tuple) else (param, 20, 500))
    server = fake_aws.start(users=users, groups=groups, members_per_group=members, latency_ms=0, quotas={"UserList": 100_000})
    yield server
    server.stop()


def environment(fake, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=fake.url, AWS_REGION="us-east-1", AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
               AWS_EC2_METADATA_DISABLED="true", USER_POOL_IDS=POOL, BACKUP_BUCKET=BUCKET, BACKUP_TABLE=TABLE,
               COGNITO_TPS_USERLIST="100000", **extra)
    return env


class Function:
    def __init__(self, fake, tmp_path, **env: str):
        self.api = RuntimeAPI(timeout_ms=120_000, max_wait_s=600).start()
        self.log_path = tmp_path / "function.log"
        with open(self.log_path, "wb") as out:
            self.process = subprocess.Popen([BINARY], env=environment(fake, AWS_LAMBDA_RUNTIME_API=self.api.address, **env),
                                            stdout=out, stderr=subprocess.STDOUT)

    def invoke(self, event: dict) -> tuple[str, dict]:
        deadline_ms = int((time.time() + PAUSE_BEFORE_DEADLINE_S + READING_S) * 1000)
        result = self.api.wait_result(self.api.invoke(json.dumps(event).encode(), deadline_ms=deadline_ms), 120)
        return result["kind"], json.loads(result["body"])

    def stop(self) -> None:
        self.api.stop()
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(10)


@pytest.fixture
def function(fake, tmp_path):
    started: list[Function] = []

    def start(**env: str) -> Function:
        started.append(Function(fake, tmp_path, **env))
        return started[-1]

    yield start
    for f in started:
        f.stop()


def clients(fake):
    options = dict(endpoint_url=fake.url, region_name="us-east-1", aws_access_key_id="bench", aws_secret_access_key="bench",
                   config=Config(s3={"addressing_style": "path"}))
    return boto3.client("s3", **options), boto3.client("dynamodb", **options)


def keys(fake) -> list[str]:
    s3, _ = clients(fake)
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def stored(fake, key: str) -> bytes:
    with urllib.request.urlopen(f"{fake.url}/{BUCKET}/{key}") as response:
        return response.read()


def rows(fake) -> list[dict]:
    _, dynamodb = clients(fake)
    return dynamodb.query(TableName=TABLE, KeyConditionExpression="user_pool_id = :p",
                          ExpressionAttributeValues={":p": {"S": POOL}})["Items"]


def contents(document: dict) -> tuple:
    """What a backup holds of the pool's people: every user (whole), every group, every membership."""
    users = sorted(json.dumps(u, sort_keys=True) for u in document["users"] + document["users_found_in_groups"])
    groups = sorted(json.dumps(g, sort_keys=True) for g in document["groups"])
    memberships = {group: sorted(names) for group, names in document["group_memberships"].items()}
    return users, groups, memberships


def back_up_across_invocations(runtime: Function, fake, between=lambda payload: None) -> tuple[dict, int]:
    """Runs the template's state machine as the schedule starts it, against the function;
    `between` sees each continuation before it is sent. Returns the final answer and the
    invocations it took."""
    def invoke(payload):
        if "continue" in payload:
            between(payload)
        return runtime.invoke(payload)

    status, answer, invocations = state_machine.run(schedule_input(), invoke)
    assert status == "succeeded", answer
    return answer, invocations


def schedule_input() -> dict:
    """What the template's schedule rule starts each execution with."""
    [target] = load_template(BACKUP_TEMPLATE)["Resources"]["ScheduleRule"]["Properties"]["Targets"]
    return json.loads(target["Input"])


def one_shot(fake) -> dict:
    run = subprocess.run([BINARY, "backup", "--pool-id", POOL, "--bucket", BUCKET, "--table", TABLE, "--json"],
                         env=environment(fake), capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    [record] = json.loads(run.stdout)["backups"]
    return json.loads(stored(fake, record["s3_key"]))


def assert_whole(fake, answer: dict) -> dict:
    """The backup the answer names: its object, manifest and row agree, and its checkpoint is gone."""
    [backup] = json.loads(answer["body"])["backups"]
    body = stored(fake, backup["s3_key"])
    manifest = json.loads(stored(fake, backup["s3_key"] + ".manifest.json"))
    [row] = [r for r in rows(fake) if r["s3_key"]["S"] == backup["s3_key"]]
    assert manifest["sha256"] == row["sha256"]["S"] == hashlib.sha256(body).hexdigest()
    assert manifest["size_bytes"] == int(row["size_bytes"]["N"]) == len(body)
    assert not [k for k in keys(fake) if k.endswith(".checkpoint.json")]
    assert clients(fake)[0].list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []
    document = json.loads(body)
    assert backup["user_count"] == int(row["user_count"]["N"]) == len(document["users"]) + len(document["users_found_in_groups"])
    return document


def test_a_backup_longer_than_an_invocation_goes_on_across_invocations_and_holds_what_a_one_shot_backup_holds(fake, function):
    started = time.monotonic()
    answer, invocations = back_up_across_invocations(function(), fake)
    across_s = time.monotonic() - started
    resumed = assert_whole(fake, answer)
    assert invocations >= 5, f"{invocations} invocations: the deadline is too far to prove continuation"
    assert len(resumed["users"]) == USERS
    assert contents(resumed) == contents(one_shot(fake))
    print(f"{USERS} users across {invocations} invocations in {across_s:.1f} s")


@pytest.mark.parametrize("fake", [MEDIUM], indirect=True)
def test_a_refused_pagination_token_restarts_its_stream_without_duplicating_users(fake, function):
    # Every token the first invocation saved is refused by the next, as Cognito refuses an expired one.
    expired = []

    def expire_once(payload):
        """At the first checkpoint with streams part-way, whose saved tokens must then be refused."""
        if not expired:
            streams = checkpoint_header(fake, payload)["progress"]["users"]
            expired.extend(s for s in streams.values() if isinstance(s, dict) and s["handed_out"] > 0)
            if expired:
                fake.cognito.expire_tokens()

    answer, invocations = back_up_across_invocations(function(), fake, between=expire_once)
    assert expired and invocations >= 2, "no stream was paused part-way: nothing had to start over"
    resumed = assert_whole(fake, answer)
    usernames = [u["Username"] for u in resumed["users"]]
    assert len(usernames) == len(set(usernames)) == MEDIUM
    assert contents(resumed) == contents(one_shot(fake))


def checkpoint_header(fake, payload: dict) -> dict:
    checkpoint = stored(fake, payload["continue"]["backup"]["s3_key"] + ".checkpoint.json")
    return json.loads(checkpoint.split(b"\n", 1)[0])


# A group of 12,000 members, 200 pages: its read spans invocations.
@pytest.mark.parametrize("fake", [(SMALL, 1, 12_000)], indirect=True)
def test_a_group_too_big_for_one_invocation_goes_on_from_its_page_and_a_refused_token_restarts_it_without_duplicates(fake, function):
    open_groups = []

    def expire_at_the_first_open_group(payload):
        if not open_groups and (open_group := checkpoint_header(fake, payload)["progress"]["open_group"]):
            open_groups.append(open_group)
            fake.cognito.expire_tokens()

    answer, invocations = back_up_across_invocations(function(), fake, between=expire_at_the_first_open_group)
    assert open_groups and open_groups[0]["written"] > 0, "no group was paused part-way"
    resumed = assert_whole(fake, answer)
    for group, names in resumed["group_memberships"].items():
        assert len(names) == len(set(names)) == 12_000, group
    assert contents(resumed) == contents(one_shot(fake))


@pytest.mark.parametrize("fake", [SMALL], indirect=True)
def test_a_compressed_backup_across_invocations_is_one_gzip_member_per_invocation_and_reads_whole(fake, function):
    checkpoints = []
    answer, invocations = back_up_across_invocations(function(BACKUP_COMPRESSION="gzip"), fake,
                                                     between=lambda payload: checkpoints.append(checkpoint_header(fake, payload)))
    [backup] = json.loads(answer["body"])["backups"]
    assert backup["s3_key"].endswith(".json.gz") and invocations >= 2
    body = stored(fake, backup["s3_key"])
    [row] = rows(fake)
    assert row["sha256"]["S"] == hashlib.sha256(body).hexdigest()
    # docs/backup-format.schema.json holds for what several invocations wrote: every checkpoint,
    # the multi-member gzip object and its manifest.
    assert checkpoints and all(problems(CHECKPOINT, c) == [] for c in checkpoints), [problems(CHECKPOINT, c) for c in checkpoints]
    assert problems(BACKUP, json.loads(gzip.decompress(body))) == []
    assert problems(MANIFEST, json.loads(stored(fake, backup["s3_key"] + ".manifest.json"))) == []
    verify = subprocess.run([BINARY, "verify", "--source", f"s3://{BUCKET}/{backup['s3_key']}", "--pool-id", POOL, "--json"],
                            env=environment(fake), capture_output=True, text=True, timeout=600)
    assert verify.returncode == 0, verify.stdout + verify.stderr


@pytest.mark.parametrize("fake", [SMALL], indirect=True)
def test_a_plain_backup_across_invocations_its_checkpoints_and_its_manifest_match_the_schema(fake, function):
    # docs/backup-format.schema.json holds for an uncompressed object written by several
    # invocations, for each checkpoint it paused at, and for its manifest.
    checkpoints = []
    answer, invocations = back_up_across_invocations(function(), fake,
                                                     between=lambda payload: checkpoints.append(checkpoint_header(fake, payload)))
    [backup] = json.loads(answer["body"])["backups"]
    assert backup["s3_key"].endswith(".json") and invocations >= 2 and checkpoints, (backup["s3_key"], invocations)
    document = assert_whole(fake, answer)
    assert len(document["users"]) == SMALL
    assert problems(BACKUP, document) == []
    assert all(problems(CHECKPOINT, c) == [] for c in checkpoints), [problems(CHECKPOINT, c) for c in checkpoints]
    assert problems(MANIFEST, json.loads(stored(fake, backup["s3_key"] + ".manifest.json"))) == []


def broken(document: dict, change) -> dict:
    copied = json.loads(json.dumps(document))
    change(copied)
    return copied


@pytest.mark.parametrize("fake", [SMALL], indirect=True)
def test_a_checkpoint_broken_in_one_place_is_rejected_there(fake, function):
    kind, answer = function().invoke(schedule_input())
    assert kind == "response" and "continue" in answer, answer
    header = checkpoint_header(fake, answer)
    assert problems(CHECKPOINT, header) == [], problems(CHECKPOINT, header)
    stream = next(iter(header["progress"]["users"]))
    cases = [
        (lambda c: c.__setitem__("format", 2), "format"),
        (lambda c: c["upload"].__setitem__("tail_bytes", -1), "upload/tail_bytes"),
        (lambda c: c["writer"].__setitem__("sha256_state", "not hex"), "writer/sha256_state"),
        (lambda c: c["progress"]["users"].__setitem__(stream, "halfway"), f"progress/users/{stream}"),
        (lambda c: c.__setitem__("tier", "weekly"), "tier"),
        (lambda c: c.pop("progress"), "(root)"),
        (lambda c: c.__setitem__("resumed_by", "someone"), "(root)"),
    ]
    for change, where in cases:
        found = problems(CHECKPOINT, broken(header, change))
        assert found and all(p.startswith(f"{where}:") for p in found), (where, found)


@pytest.mark.parametrize("fake", [SMALL], indirect=True)
def test_a_continuation_whose_upload_vanished_fails_by_name_and_leaves_nothing_behind(fake, function):
    runtime = function()
    kind, answer = runtime.invoke(schedule_input())
    for _ in range(20):  # bounded: until the backup has a part in S3
        if kind != "response" or "continue" not in answer or answer["continue"]["backup"]["upload_id"]:
            break
        kind, answer = runtime.invoke({"continue": answer["continue"]})
    backup = answer["continue"]["backup"]
    assert backup["upload_id"], answer
    s3, dynamodb = clients(fake)
    s3.abort_multipart_upload(Bucket=BUCKET, Key=backup["s3_key"], UploadId=backup["upload_id"])
    kind, error = runtime.invoke({"continue": answer["continue"]})
    assert kind == "error" and error["errorType"] == "BackupFailed", error
    assert f"{POOL}: UploadVanished" in error["errorMessage"] and backup["upload_id"] in error["errorMessage"]
    assert keys(fake) == [] and rows(fake) == []
    leases = dynamodb.scan(TableName=TABLE)["Items"]
    assert leases == [], "the lease should be released with the failed backup"
