"""Self-tests of the test peers: bench/fake_aws (fake AWS, run by bench/fake_cognito.py) and
tests/support/runtime_api.py (Lambda Runtime API emulator)."""
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "tests")]
import fake_aws  # noqa: E402
from support.runtime_api import RuntimeAPI  # noqa: E402

POOL = fake_aws.BENCH_POOL_ID


def rpc(url, op, service="AWSCognitoIdentityProviderService", **body):
    """One JSON-protocol call; returns (HTTP status, decoded body)."""
    request = urllib.request.Request(
        url + "/", data=json.dumps(body).encode(), method="POST",
        headers={"X-Amz-Target": f"{service}.{op}",
                 "Content-Type": "application/x-amz-json-1.1"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def s3(url, method, path, body=b"", headers=None):
    """One S3 call; returns (status, headers, body)."""
    connection = http.client.HTTPConnection(url.removeprefix("http://"), timeout=10)
    try:
        connection.request(method, path, body=body,
                           headers={"Content-Length": str(len(body)), **(headers or {})})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


@pytest.fixture
def fake():
    server = fake_aws.start(users=700, groups=3, members_per_group=50, latency_ms=0,
                                quotas={"UserList": 10_000})
    yield server
    server.stop()


# ---------------------------------------------------------------- fake Cognito

def test_every_served_operation_has_a_quota_category():
    ops = [name[3:] for name in dir(fake_aws.Cognito) if name.startswith("op_")]
    assert sorted(op for op in ops if op not in fake_aws.CATEGORY) == []


def test_list_users_by_sub_prefix_returns_every_user_exactly_once(fake):
    seen = []
    for prefix in "0123456789abcdef":
        token = None
        for _ in range(100):  # pages per prefix, far above the ~3 needed
            body = {"UserPoolId": POOL, "Filter": f'sub ^= "{prefix}"', "Limit": 60}
            if token:
                body["PaginationToken"] = token
            status, page = rpc(fake.url, "ListUsers", **body)
            assert status == 200, page
            assert len(page["Users"]) <= 60
            for user in page["Users"]:
                attributes = {a["Name"]: a["Value"] for a in user["Attributes"]}
                assert attributes["sub"].startswith(prefix)
                assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                                    r"[0-9a-f]{12}", attributes["sub"])
                seen.append(user["Username"])
            token = page.get("PaginationToken")
            if not token:
                break
    assert sorted(seen) == [f"user-{n:06d}" for n in range(1, 701)]


def test_expired_tokens_are_refused_as_cognito_refuses_them(fake):
    status, page = rpc(fake.url, "ListUsers", UserPoolId=POOL, Filter='sub ^= "a"', Limit=10)
    assert status == 200 and page["PaginationToken"]
    fake.cognito.expire_tokens()
    status, error = rpc(fake.url, "ListUsers", UserPoolId=POOL, Filter='sub ^= "a"', Limit=10,
                        PaginationToken=page["PaginationToken"])
    assert (status, error["__type"]) == (400, "InvalidParameterException")
    status, fresh = rpc(fake.url, "ListUsers", UserPoolId=POOL, Filter='sub ^= "a"', Limit=10)
    assert status == 200 and fresh["Users"] == page["Users"]
    status, members = rpc(fake.url, "ListUsersInGroup", UserPoolId=POOL, GroupName="group-01", Limit=10)
    assert status == 200 and members["NextToken"]
    fake.cognito.expire_tokens()
    status, error = rpc(fake.url, "ListUsersInGroup", UserPoolId=POOL, GroupName="group-01", Limit=10, NextToken=members["NextToken"])
    assert (status, error["__type"]) == (400, "InvalidParameterException")


def test_list_users_filters_and_validation(fake):
    status, page = rpc(fake.url, "ListUsers", UserPoolId=POOL, Filter='username = "user-000042"')
    assert status == 200 and [u["Username"] for u in page["Users"]] == ["user-000042"]
    status, page = rpc(fake.url, "ListUsers", UserPoolId=POOL, Filter='username ^= "user-00010"')
    assert [u["Username"] for u in page["Users"]] == [f"user-{n:06d}" for n in range(100, 110)]
    for bad in ({"Filter": 'email ^= "a"'}, {"Limit": 61}, {"PaginationToken": "junk"}):
        status, error = rpc(fake.url, "ListUsers", UserPoolId=POOL, **bad)
        assert (status, error["__type"]) == (400, "InvalidParameterException"), bad
    status, error = rpc(fake.url, "NoSuchThing", UserPoolId=POOL)
    assert (status, error["__type"]) == (400, "UnknownOperationException")
    status, error = rpc(fake.url, "DescribeUserPool", UserPoolId="us-east-1_nope")
    assert (status, error["__type"]) == (400, "ResourceNotFoundException")


def test_group_members_page_with_next_token(fake):
    names, token = [], None
    for _ in range(10):
        status, page = rpc(fake.url, "ListUsersInGroup", UserPoolId=POOL, GroupName="group-02",
                           Limit=20, **({"NextToken": token} if token else {}))
        assert status == 200
        names += [u["Username"] for u in page["Users"]]
        token = page.get("NextToken")
        if not token:
            break
    assert names == [f"user-{n:06d}" for n in range(51, 101)]


def test_list_users_is_throttled_above_30_rps():
    server = fake_aws.start(users=100, latency_ms=0)
    try:
        statuses, lock = [], threading.Lock()

        def client():
            for _ in range(10):
                status, body = rpc(server.url, "ListUsers", UserPoolId=POOL, Limit=1)
                if status != 200:
                    assert body == {"__type": "TooManyRequestsException",
                                    "message": "Too many requests"}
                with lock:
                    statuses.append(status)

        started = time.monotonic()
        threads = [threading.Thread(target=client) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        elapsed = time.monotonic() - started
        admitted = statuses.count(200)
        assert len(statuses) == 80 and statuses.count(400) == 80 - admitted
        assert admitted <= 30 + 30 * elapsed + 1  # a 1 s burst, then 30 per second
        assert server.stats()["throttled"]["UserList"] == 80 - admitted > 0
    finally:
        server.stop()


def test_restore_into_a_created_pool(fake):
    status, created = rpc(fake.url, "CreateUserPool", PoolName="restored",
                          Schema=[{"Name": "tenant", "AttributeDataType": "String"}])
    assert status == 200
    pool = created["UserPool"]["Id"]
    assert rpc(fake.url, "CreateGroup", UserPoolId=pool, GroupName="admins")[0] == 200
    status, error = rpc(fake.url, "CreateGroup", UserPoolId=pool, GroupName="admins")
    assert error["__type"] == "GroupExistsException"
    attributes = [{"Name": "email", "Value": "a@example.com"},
                  {"Name": "custom:tenant", "Value": "t1"}]
    status, made = rpc(fake.url, "AdminCreateUser", UserPoolId=pool, Username="alice",
                       UserAttributes=attributes, MessageAction="SUPPRESS")
    assert status == 200 and made["User"]["Attributes"][0]["Name"] == "sub"
    for username, extra, expected in (("alice", [], "UsernameExistsException"),
                                      ("bob", [{"Name": "custom:x", "Value": "1"}],
                                       "InvalidParameterException")):
        status, error = rpc(fake.url, "AdminCreateUser", UserPoolId=pool, Username=username,
                            UserAttributes=extra)
        assert (status, error["__type"]) == (400, expected)
    assert rpc(fake.url, "AdminDisableUser", UserPoolId=pool, Username="alice")[0] == 200
    assert rpc(fake.url, "AdminAddUserToGroup", UserPoolId=pool, Username="alice",
               GroupName="admins")[0] == 200
    status, user = rpc(fake.url, "AdminGetUser", UserPoolId=pool, Username="alice")
    assert (user["Enabled"], user["UserAttributes"][1:]) == (False, attributes)
    status, members = rpc(fake.url, "ListUsersInGroup", UserPoolId=pool, GroupName="admins")
    assert [u["Username"] for u in members["Users"]] == ["alice"]
    status, described = rpc(fake.url, "DescribeUserPool", UserPoolId=pool)
    assert described["UserPool"]["EstimatedNumberOfUsers"] == 1


def complete_xml(etags):
    return ("<CompleteMultipartUpload>" + "".join(
        f"<Part><PartNumber>{n}</PartNumber><ETag>{etag}</ETag></Part>"
        for n, etag in enumerate(etags, 1)) + "</CompleteMultipartUpload>").encode()


def test_s3_multipart_round_trip_with_aws_chunked_part(fake):
    key = "/bkt/backups/pool.jsonl"
    status, _, xml = s3(fake.url, "POST", key + "?uploads")
    assert status == 200
    upload = re.search(rb"<UploadId>(.+?)</UploadId>", xml)[1].decode()
    first, second = os.urandom(fake_aws.MIN_PART_SIZE), b"tail of the backup\n" * 10
    status, headers, _ = s3(fake.url, "PUT", f"{key}?partNumber=1&uploadId={upload}", first)
    etags = [headers["ETag"]]
    # The framing SDKs use for streaming uploads: signed chunks, then a checksum trailer.
    framed = (f"{len(second):x};chunk-signature=abc\r\n".encode() + second + b"\r\n"
              + b"0;chunk-signature=def\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n")
    status, headers, _ = s3(fake.url, "PUT", f"{key}?partNumber=2&uploadId={upload}", framed,
                            {"Content-Encoding": "aws-chunked",
                             "x-amz-decoded-content-length": str(len(second))})
    assert status == 200
    etags.append(headers["ETag"])
    status, headers, xml = s3(fake.url, "POST", f"{key}?uploadId={upload}", complete_xml(etags))
    assert status == 200 and headers["x-amz-version-id"]
    assert re.search(rb'<ETag>"[0-9a-f]{32}-2"</ETag>', xml)
    status, headers, body = s3(fake.url, "GET", key)
    assert status == 200 and body == first + second and headers["x-amz-version-id"]
    status, headers, _ = s3(fake.url, "HEAD", key)
    assert int(headers["Content-Length"]) == len(first) + len(second)
    assert fake.stats()["s3"] == {"objects": 1, "bytes": len(first) + len(second),
                                  "open_uploads": 0}


def test_s3_rejects_small_parts_and_aborted_uploads(fake):
    _, _, xml = s3(fake.url, "POST", "/bkt/k?uploads")
    upload = re.search(rb"<UploadId>(.+?)</UploadId>", xml)[1].decode()
    etags = [s3(fake.url, "PUT", f"/bkt/k?partNumber={n}&uploadId={upload}", b"tiny")[1]["ETag"]
             for n in (1, 2)]
    status, _, xml = s3(fake.url, "POST", f"/bkt/k?uploadId={upload}", complete_xml(etags))
    assert status == 400 and b"<Code>EntityTooSmall</Code>" in xml
    assert s3(fake.url, "DELETE", f"/bkt/k?uploadId={upload}")[0] == 204
    status, _, xml = s3(fake.url, "PUT", f"/bkt/k?partNumber=3&uploadId={upload}", b"late")
    assert status == 404 and b"<Code>NoSuchUpload</Code>" in xml
    assert s3(fake.url, "GET", "/bkt/missing")[0] == 404
    assert s3(fake.url, "HEAD", "/bkt")[0] == 200


def test_s3_conditional_writes_open_upload_listing_and_deletes(fake):
    assert s3(fake.url, "PUT", "/bkt/taken", b"first", {"If-None-Match": "*"})[0] == 200
    status, _, xml = s3(fake.url, "PUT", "/bkt/taken", b"second", {"If-None-Match": "*"})
    assert status == 412 and b"<Code>PreconditionFailed</Code>" in xml
    assert s3(fake.url, "GET", "/bkt/taken")[2] == b"first"
    _, _, xml = s3(fake.url, "POST", "/bkt/taken?uploads")
    upload = re.search(rb"<UploadId>(.+?)</UploadId>", xml)[1].decode()
    etag = s3(fake.url, "PUT", f"/bkt/taken?partNumber=1&uploadId={upload}", b"part")[1]["ETag"]
    status, _, xml = s3(fake.url, "GET", "/bkt?uploads&prefix=taken")
    assert status == 200 and upload.encode() in xml
    status, _, xml = s3(fake.url, "POST", f"/bkt/taken?uploadId={upload}", complete_xml([etag]), {"If-None-Match": "*"})
    assert status == 412
    assert s3(fake.url, "DELETE", "/bkt/taken")[0] == 204
    assert s3(fake.url, "GET", "/bkt/taken")[0] == 404


def test_s3_part_delay_slows_every_upload_part():
    slow = fake_aws.start(users=1, groups=0, members_per_group=0, latency_ms=0, part_delay_s=0.3)
    try:
        _, _, xml = s3(slow.url, "POST", "/bkt/k?uploads")
        upload = re.search(rb"<UploadId>(.+?)</UploadId>", xml)[1].decode()
        started = time.monotonic()
        assert s3(slow.url, "PUT", f"/bkt/k?partNumber=1&uploadId={upload}", b"part")[0] == 200
        assert time.monotonic() - started >= 0.3
        started = time.monotonic()
        assert s3(slow.url, "PUT", "/bkt/whole", b"object")[0] == 200
        assert time.monotonic() - started < 0.3
    finally:
        slow.stop()


def test_dynamodb_catalog_queries_newest_first_with_limit_and_scans(fake):
    def ddb(op, **body):
        return rpc(fake.url, op, "DynamoDB_20120810", TableName="catalog", **body)

    for pool, day in ((POOL, "2024-01-01"), (POOL, "2024-01-03"), ("other", "2024-01-09"),
                      (POOL, "2024-01-02")):
        assert ddb("PutItem", Item={"user_pool_id": {"S": pool}, "backup_date": {"S": day},
                                    "user_count": {"N": "7"}})[0] == 200
    query = {"KeyConditionExpression": "user_pool_id = :pool", "ScanIndexForward": False,
             "ExpressionAttributeValues": {":pool": {"S": POOL}}, "Limit": 2}
    status, first = ddb("Query", **query)
    assert [i["backup_date"]["S"] for i in first["Items"]] == ["2024-01-03", "2024-01-02"]
    status, rest = ddb("Query", **query, ExclusiveStartKey=first["LastEvaluatedKey"])
    assert [i["backup_date"]["S"] for i in rest["Items"]] == ["2024-01-01"]
    assert "LastEvaluatedKey" not in rest
    status, scanned = ddb("Scan")
    assert len(scanned["Items"]) == 4
    status, found = ddb("GetItem", Key={"user_pool_id": {"S": POOL},
                                        "backup_date": {"S": "2024-01-01"}})
    assert found["Item"]["user_count"] == {"N": "7"}
    status, error = ddb("PutItem", Item={"pk": {"S": POOL}})
    assert error["__type"].endswith("#ValidationException")


def test_cli_prints_url_and_stops_on_sigterm():
    process = subprocess.Popen([sys.executable, str(ROOT / "bench" / "fake_cognito.py"),
                                "--users", "50", "--latency-ms", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert re.fullmatch(r"FAKE_URL=http://127\.0\.0\.1:\d+\n", line)
        url = line.strip().split("=", 1)[1]
        with urllib.request.urlopen(url + "/stats", timeout=5) as response:
            assert "requests" in json.loads(response.read())
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert "requests" in json.loads(process.stderr.read())
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


# ---------------------------------------------------------------- runtime API emulator

@pytest.fixture
def api():
    emulator = RuntimeAPI(timeout_ms=5000, max_wait_s=5).start()
    yield emulator
    emulator.stop()


def call(address, method, path, body=None, headers=None):
    """(status, headers, body) of one Runtime API call, errors included."""
    request = urllib.request.Request(f"http://{address}/2018-06-01/runtime/{path}",
                                     data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_runtime_gets_events_and_posts_response_and_error(api):
    seen = []

    def tiny_runtime():  # two invocations: answer the first, fail the second
        for outcome in ("response", "error"):
            status, headers, event = call(api.address, "GET", "invocation/next")
            seen.append((status, headers, event))
            request_id = headers["Lambda-Runtime-Aws-Request-Id"]
            body = (b'{"ok": true}' if outcome == "response" else
                    json.dumps({"errorMessage": "boom", "errorType": "Backup.Failed",
                                "stackTrace": []}).encode())
            extra = {} if outcome == "response" else {
                "Lambda-Runtime-Function-Error-Type": "Backup.Failed"}
            assert call(api.address, "POST", f"invocation/{request_id}/{outcome}", body,
                        extra)[0] == 202

    first = api.invoke(b'{"n": 1}')
    runtime = threading.Thread(target=tiny_runtime)
    runtime.start()
    second = api.invoke(b'{"n": 2}', deadline_ms=123)
    answered = api.wait_result(first, 5)
    assert (answered["kind"], answered["body"]) == ("response", b'{"ok": true}')
    failed = api.wait_result(second, 5)
    runtime.join(5)
    assert failed["kind"] == "error" and json.loads(failed["body"])["errorMessage"] == "boom"
    assert failed["headers"]["lambda-runtime-function-error-type"] == "Backup.Failed"
    (status, headers, event), (_, second_headers, _) = seen
    assert (status, event) == (200, b'{"n": 1}')
    assert headers["Lambda-Runtime-Aws-Request-Id"] == first
    assert 0 < int(headers["Lambda-Runtime-Deadline-Ms"]) - time.time() * 1000 <= 5000
    assert second_headers["Lambda-Runtime-Deadline-Ms"] == "123"
    assert headers["Lambda-Runtime-Invoked-Function-Arn"].startswith("arn:aws:lambda:")
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0",
                        headers["Lambda-Runtime-Trace-Id"])
    assert api.first_next_at is not None


def test_runtime_ids_are_single_use_and_responses_capped(api):
    assert call(api.address, "POST", "invocation/nope/response", b"{}")[0] == 400
    request_id = api.invoke(b"{}")
    call(api.address, "GET", "invocation/next")
    assert call(api.address, "POST", f"invocation/{request_id}/response", b"1")[0] == 202
    assert call(api.address, "POST", f"invocation/{request_id}/response", b"2")[0] == 403
    big = api.invoke(b"{}")
    call(api.address, "GET", "invocation/next")
    status, _, body = call(api.address, "POST", f"invocation/{big}/response", b"x" * 6_300_000)
    assert (status, json.loads(body)["errorType"]) == (413, "RequestEntityTooLarge")
    assert api.wait_result(big, 1)["kind"] == "error"


def test_runtime_init_error_is_recorded(api):
    status, _, _ = call(api.address, "POST", "init/error",
                        b'{"errorMessage": "no config", "errorType": "Runtime.Init"}',
                        {"Lambda-Runtime-Function-Error-Type": "Runtime.Init"})
    assert status == 202
    (error,) = api.init_errors
    assert json.loads(error["body"])["errorMessage"] == "no config"
    assert error["headers"]["lambda-runtime-function-error-type"] == "Runtime.Init"


def test_runtime_next_can_fail_with_500_and_gives_up_when_idle(api):
    api.fail_next()
    assert call(api.address, "GET", "invocation/next")[0] == 500
    idle = RuntimeAPI(max_wait_s=0.2).start()
    try:
        started = time.monotonic()
        assert call(idle.address, "GET", "invocation/next")[0] == 503
        assert time.monotonic() - started < 3
    finally:
        idle.stop()


RUNTIME = r"""
import json, os, urllib.request
base = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/"
if os.environ.get("FAIL_INIT"):
    urllib.request.urlopen(base + "init/error", data=b'{"errorMessage": "no config"}', timeout=30)
    raise SystemExit(1)
for _ in range(100):
    with urllib.request.urlopen(base + "invocation/next", timeout=30) as r:
        request_id, event = r.headers["Lambda-Runtime-Aws-Request-Id"], json.loads(r.read())
    outcome = "error" if event.get("fail") else "response"
    urllib.request.urlopen(base + f"invocation/{request_id}/{outcome}",
                           data=json.dumps({"echo": event}).encode(), timeout=30)
"""


@pytest.mark.parametrize("events, fail_init, code, bodies", [
    ([{"n": 1}, {"n": 2}], "", 0, [("response", {"echo": {"n": 1}}),
                                   ("response", {"echo": {"n": 2}})]),
    ([{"n": 1}, {"fail": True}], "", 1, [("response", {"echo": {"n": 1}}),
                                         ("error", {"echo": {"fail": True}})]),
    ([{"n": 1}], "1", 1, [("init_error", {"errorMessage": "no config"})]),
])
def test_runtime_cli_feeds_events_and_reports(tmp_path, events, fail_init, code, bodies):
    files = []
    for i, event in enumerate(events):
        files += ["--event", str(tmp_path / f"{i}.json")]
        (tmp_path / f"{i}.json").write_text(json.dumps(event))
    done = subprocess.run([sys.executable, str(ROOT / "tests" / "support" / "runtime_api.py"),
                           *files, "--timeout-s", "30", "--", sys.executable, "-c", RUNTIME],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "FAIL_INIT": fail_init})
    assert done.returncode == code, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(line["kind"], json.loads(line["body"])) for line in lines] == bodies
