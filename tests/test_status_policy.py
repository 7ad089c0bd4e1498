"""`status` judged by the deployed function's policy (`--function`: its selection, table, bucket,
RPO and drill age, flags winning), a drill record it cannot read reported as `drill-unknown`,
replication seen end to end through the binary (motoplus marks objects PENDING, then COMPLETED
or FAILED, as S3 does), and the operator's least privilege for `status` and `hold` proven in
moto IAM, whose S3 action map motoplus corrects."""

from __future__ import annotations

import io
import json
import re
import time
import zipfile

import pytest

from support import motoplus
from support.iam import user_with_policy
from test_status import TABLE, backup, new_pool, object_lock_storage

FUNCTION = "cognito-backup-test"


def deploy_function(aws, **variables: str) -> str:
    """A function as the template configures it (only its configuration matters: it never runs)."""
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("bootstrap", "#!/bin/sh\n")
    role = aws.client("iam").create_role(RoleName="cognito-backup-function", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    return aws.client("lambda").create_function(
        FunctionName=FUNCTION, Runtime="provided.al2023", Role=role, Handler="bootstrap", Code={"ZipFile": code.getvalue()},
        Environment={"Variables": {"BACKUP_TABLE": TABLE, "BACKUP_BUCKET": "backups", **variables}})["FunctionArn"]


def operator_env(aws, credentials: dict | None = None, **extra: str) -> dict:
    """The operator's shell: credentials and region, none of the function's variables."""
    return aws.env(credentials, **extra)


def codes(document: dict, pool: str) -> list[str]:
    [judged] = [p for p in document["pools"] if p["user_pool_id"] == pool]
    return [b["code"] for b in judged["breaches"]]


# 1. The deployed policy

def test_status_with_function_judges_the_functions_selection_and_drills_with_nothing_else_given(aws):
    aws.make_storage()
    backed_up, never = new_pool(aws, "backed-up"), new_pool(aws, "never-backed-up")
    backup(aws, backed_up)
    arn = deploy_function(aws, USER_POOL_IDS="*", BACKUP_RPO_MINUTES="600", BACKUP_DRILL_MAX_AGE_DAYS="7")

    result = aws.run("status", "--function", FUNCTION, "--json", env=operator_env(aws))
    assert result.returncode == 1, result.stdout + result.stderr
    document = json.loads(result.stdout)
    assert codes(document, never) == ["no-backup", "drill-overdue"]
    assert codes(document, backed_up) == ["drill-overdue"]
    assert document["policy"] == {"rpo_seconds": 36_000, "drill_max_age_seconds": 7 * 86_400}
    assert document["policy_from"] == {"function": arn, "pools": "function", "table": "function", "bucket": "function",
                                       "rpo_seconds": "function", "drill_max_age_seconds": "function"}
    assert f"{never} (no backup; never drilled" in result.stderr

    text = aws.run("status", "--function", arn, env=operator_env(aws))
    assert text.returncode == 1
    assert text.stdout.splitlines()[:2] == [f"policy from the configuration of function {arn}",
                                           "RPO 10h (function); drills within 7d (function); pools: the function's selection"]


def test_without_the_function_the_same_cron_line_misses_the_pool_never_backed_up(aws):
    """Why --function exists: the operator's shell has none of the function's variables."""
    aws.make_storage()
    backed_up, never = new_pool(aws, "backed-up"), new_pool(aws, "never-backed-up")
    backup(aws, backed_up)
    deploy_function(aws, USER_POOL_IDS="*")

    blind = aws.run("status", "--table", TABLE, "--json", env=operator_env(aws))
    assert blind.returncode == 0 and [p["user_pool_id"] for p in json.loads(blind.stdout)["pools"]] == [backed_up]
    seeing = aws.run("status", "--function", FUNCTION, env=operator_env(aws))
    assert seeing.returncode == 1 and f"{never} (no backup)" in seeing.stderr


def test_flags_given_win_over_the_functions_values(aws):
    aws.make_storage()
    backed_up, never = new_pool(aws, "backed-up"), new_pool(aws, "never-backed-up")
    backup(aws, backed_up)
    deploy_function(aws, USER_POOL_IDS="*", BACKUP_RPO_MINUTES="600", BACKUP_DRILL_MAX_AGE_DAYS="7")
    time.sleep(2.1)

    result = aws.run("status", "--function", FUNCTION, "--pool-id", backed_up, "--max-age", "1s", "--drill-max-age", "30d", "--json",
                     env=operator_env(aws))
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert [p["user_pool_id"] for p in document["pools"]] == [backed_up]
    assert codes(document, backed_up) == ["backup-too-old", "drill-overdue"]
    assert document["policy"] == {"rpo_seconds": 1, "drill_max_age_seconds": 30 * 86_400}
    assert {k: document["policy_from"][k] for k in ("pools", "rpo_seconds", "drill_max_age_seconds", "table")} == {
        "pools": "--pool-id", "rpo_seconds": "--max-age", "drill_max_age_seconds": "--drill-max-age", "table": "function"}
    text = aws.run("status", "--function", FUNCTION, "--pool-id", backed_up, "--max-age", "1h", env=operator_env(aws)).stdout
    assert "given on the command line: --pool-id, --max-age" in text.splitlines()[0]


def test_a_function_with_drills_off_judges_no_drill_age_and_says_so(aws):
    aws.make_storage()
    pool = new_pool(aws, "plain")
    backup(aws, pool)
    deploy_function(aws, USER_POOL_IDS=pool, BACKUP_DRILL_MAX_AGE_DAYS="")

    result = aws.run("status", "--json", env=operator_env(aws, BACKUP_FUNCTION_NAME=FUNCTION, BACKUP_DRILL_MAX_AGE_DAYS="1"))
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["policy"]["drill_max_age_seconds"] is None
    assert document["policy_from"]["drill_max_age_seconds"] == "function"


def test_a_function_that_is_not_there_exits_2_naming_it(aws):
    aws.make_storage()
    result = aws.run("status", "--function", "cognito-backup-missing", env=operator_env(aws))
    assert result.returncode == 2, result.stderr
    assert "no function cognito-backup-missing (ResourceNotFoundException" in result.stderr


def test_an_arn_of_another_account_is_refused_not_read_from_the_callers(aws):
    aws.make_storage()
    deploy_function(aws, USER_POOL_IDS="*")
    result = aws.run("status", "--function", f"arn:aws:lambda:us-east-1:999999999999:function:{FUNCTION}", env=operator_env(aws))
    assert result.returncode == 2, result.stderr
    assert "in another account" in result.stderr


@pytest.mark.parametrize("bad", ["arn:aws:s3:::bucket", "a/b", "name:v1:extra"])
def test_what_is_no_function_name_is_refused_before_any_call(aws, bad):
    result = aws.run("status", "--function", bad, env=operator_env(aws))
    assert result.returncode == 64, result.stderr
    assert "is not a function's name" in result.stderr


def test_a_refused_configuration_read_exits_3_naming_the_action(aws):
    aws.make_storage()
    deploy_function(aws, USER_POOL_IDS="*")
    creds = user_with_policy(aws.url, "operator", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["lambda:GetFunction"], "Resource": "*"}]})
    aws.server.enforce_auth()
    result = aws.run("status", "--function", FUNCTION, env=operator_env(aws, creds))
    assert result.returncode == 3, result.stderr
    assert "needs lambda:GetFunctionConfiguration" in result.stderr


def test_the_configuration_request_is_the_one_the_lambda_model_describes(aws, monkeypatch):
    """Path, method and query as botocore's lambda service-2.json (2015-03-31) says, for a name
    with a qualifier and for an ARN."""
    import botocore.loaders
    from moto.awslambda.responses import LambdaResponse
    model = botocore.loaders.Loader().load_service_model("lambda", "service-2")
    operation = model["operations"]["GetFunctionConfiguration"]
    assert operation["http"] == {"method": "GET", "requestUri": "/2015-03-31/functions/{FunctionName}/configuration", "responseCode": 200}
    members = model["shapes"][operation["input"]["shape"]]["members"]
    query_members = {m["locationName"]: model["shapes"][m["shape"]] for m in members.values() if m.get("location") == "querystring"}
    name_pattern = model["shapes"][members["FunctionName"]["shape"]]["pattern"]

    seen = []
    original = LambdaResponse.get_function_configuration

    def recording(self):
        from urllib.parse import parse_qs, urlparse
        seen.append((self.method, self.path, parse_qs(urlparse(self.uri).query, keep_blank_values=True)))
        return original(self)

    monkeypatch.setattr(LambdaResponse, "get_function_configuration", recording)
    aws.make_storage()
    new_pool(aws, "never-backed-up")
    arn = deploy_function(aws, USER_POOL_IDS="*")
    lam = aws.client("lambda")
    version = lam.publish_version(FunctionName=FUNCTION)["Version"]
    lam.create_alias(FunctionName=FUNCTION, Name="live", FunctionVersion=version)
    for named in (f"{FUNCTION}:live", arn):
        assert aws.run("status", "--function", named, env=operator_env(aws)).returncode == 1

    assert len(seen) == 2
    for method, path, query in seen:
        assert method == "GET"
        match = re.fullmatch(r"/2015-03-31/functions/([^/]+)/configuration", path)
        assert match and re.fullmatch(name_pattern, match.group(1)), path
        assert set(query) <= set(query_members), query
        for name, values in query.items():
            assert re.fullmatch(query_members[name]["pattern"], values[0]), (name, values)
    assert seen[0][2] == {"Qualifier": ["live"]} and seen[1][2] == {}


def test_moto_here_checks_the_signature_of_a_lambda_get_as_aws_does(aws):
    """The motoplus patch the IAM tests rest on: a body-less GET signed right passes, one signed
    wrong does not."""
    from botocore.exceptions import ClientError
    deploy_function(aws)
    creds = user_with_policy(aws.url, "reader", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "lambda:GetFunctionConfiguration", "Resource": "*"}]})
    aws.server.enforce_auth()
    assert aws.client("lambda", creds).get_function_configuration(FunctionName=FUNCTION)["FunctionName"] == FUNCTION
    with pytest.raises(ClientError, match="SignatureDoesNotMatch"):
        aws.client("lambda", dict(creds, AWS_SECRET_ACCESS_KEY="wrong")).get_function_configuration(FunctionName=FUNCTION)


# 2. A drill record that cannot be read

def test_from_the_bucket_alone_with_drills_judged_the_drill_is_unknown_not_overdue(aws):
    aws.make_storage()
    pool = new_pool(aws, "dr-side")
    backup(aws, pool)

    result = aws.run("status", "--bucket", "backups", "--pool-id", pool, "--drill-max-age", "7d", "--json")
    assert result.returncode == 1, result.stderr
    assert codes(json.loads(result.stdout), pool) == ["drill-unknown"]
    assert "no drill within 7d can be shown: drills are recorded in the table; pass --table to see them" in result.stderr
    assert aws.run("status", "--bucket", "backups", "--pool-id", pool).returncode == 0


def test_a_drill_record_whose_read_fails_is_unknown_and_the_pool_not_proven(aws):
    aws.make_storage()
    pool = new_pool(aws, "unreadable")
    backup(aws, pool)
    aws.server.faults.add("GetItem", "500", times=10_000)

    judged = aws.run("status", "--table", TABLE, "--pool-id", pool, "--drill-max-age", "7d", "--json")
    assert judged.returncode == 1, judged.stderr
    [document] = json.loads(judged.stdout)["pools"]
    assert [b["code"] for b in document["breaches"]] == ["drill-unknown"]
    assert "cannot read the drill record: dynamodb GetItem failed: InternalErrorException" in document["breaches"][0]["message"]
    assert any(p.startswith("cannot read the lease") for p in document["problems"])
    text = aws.run("status", "--table", TABLE, "--pool-id", pool)
    assert text.returncode == 0, text.stderr
    assert "  drill          cannot read the drill record" in text.stdout


# 3. Replication, end to end

DR_BUCKET = "backups-dr"


@pytest.fixture
def replicated(aws):
    """A backup in `backups`, whose rule replicates to `backups-dr` (us-west-2), PENDING as S3 leaves it."""
    aws.make_storage()
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=DR_BUCKET, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    for bucket in ("backups", DR_BUCKET):
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_replication(Bucket="backups", ReplicationConfiguration={
        "Role": "arn:aws:iam::123456789012:role/replication",
        "Rules": [{"ID": "dr", "Priority": 1, "Status": "Enabled", "Filter": {"Prefix": ""},
                   "DeleteMarkerReplication": {"Status": "Disabled"}, "Destination": {"Bucket": f"arn:aws:s3:::{DR_BUCKET}"}}]})
    aws.server.replication.enable()
    pool = new_pool(aws, "replicated")
    backup(aws, pool)
    [key] = aws.objects()
    return pool, key


def pool_status(aws, pool: str):
    result = aws.run("status", "--table", TABLE, "--pool-id", pool, "--json")
    [document] = json.loads(result.stdout)["pools"]
    text = aws.run("status", "--table", TABLE, "--pool-id", pool)
    return result, document, text


def test_motoplus_marks_what_a_rule_covers_pending_and_settles_it_as_s3_does(aws, replicated):
    _, key = replicated
    s3 = aws.client("s3")
    assert s3.head_object(Bucket="backups", Key=key)["ReplicationStatus"] == "PENDING"
    s3.put_bucket_replication(Bucket="backups", ReplicationConfiguration={
        "Role": "arn:aws:iam::123456789012:role/replication",
        "Rules": [{"ID": "dr", "Priority": 1, "Status": "Enabled", "Filter": {"Prefix": "cognito-backup/"},
                   "DeleteMarkerReplication": {"Status": "Disabled"}, "Destination": {"Bucket": f"arn:aws:s3:::{DR_BUCKET}"}}]})
    s3.put_object(Bucket="backups", Key="elsewhere/x", Body=b"1")
    assert "ReplicationStatus" not in s3.head_object(Bucket="backups", Key="elsewhere/x")
    assert sorted(aws.server.replication.settle("backups", "COMPLETED")) == sorted([key, key + ".manifest.json"])
    assert s3.head_object(Bucket="backups", Key=key)["ReplicationStatus"] == "COMPLETED"
    assert s3.head_object(Bucket=DR_BUCKET, Key=key)["ReplicationStatus"] == "REPLICA"


def test_a_pending_replication_is_shown_and_in_policy(aws, replicated):
    pool, _ = replicated
    result, document, text = pool_status(aws, pool)
    assert result.returncode == 0, result.stderr
    replication = document["replication"]
    assert replication["status"] == "PENDING" and replication["replica"]["passed"] is False
    assert replication["replica_unknown"] is None
    assert "  replication    PENDING; replica: S3 has not finished replicating the backup (PENDING)" in text.stdout


def test_a_failed_replication_puts_the_pool_out_of_policy_by_name(aws, replicated):
    pool, _ = replicated
    aws.server.replication.settle("backups", "FAILED")
    result, document, text = pool_status(aws, pool)
    assert result.returncode == 1
    assert [b["code"] for b in document["breaches"]] == ["replication-failed"]
    assert document["replication"]["status"] == "FAILED"
    assert f"{pool} (S3 failed to replicate the newest backup (FAILED))" in result.stderr
    assert f"{pool}: OUT OF POLICY: S3 failed to replicate the newest backup (FAILED)" in text.stdout


def test_a_completed_replication_shows_its_replica(aws, replicated):
    pool, _ = replicated
    aws.server.replication.settle("backups", "COMPLETED")
    result, document, text = pool_status(aws, pool)
    assert result.returncode == 0, result.stderr
    replica = document["replication"]["replica"]
    assert document["replication"]["status"] == "COMPLETED"
    assert (replica["passed"], replica["detail"]) == (True, f"COMPLETED → {DR_BUCKET}")
    assert f"  replication    COMPLETED; replica COMPLETED → {DR_BUCKET}" in text.stdout


def test_without_the_replication_rules_the_objects_own_failed_status_still_counts(aws, replicated):
    pool, _ = replicated
    aws.server.replication.settle("backups", "FAILED")
    creds = operator(aws, without(bucket_policy_for("backups"), "s3:GetReplicationConfiguration"))
    aws.server.enforce_auth()
    result = aws.run("status", "--table", TABLE, "--pool-id", pool, "--json", credentials=creds)
    assert result.returncode == 1, result.stderr
    [document] = json.loads(result.stdout)["pools"]
    assert [b["code"] for b in document["breaches"]] == ["replication-failed"]
    assert "the identity needs s3:GetReplicationConfiguration" in document["replication"]["replica_unknown"]


# 4. Operator least privilege

ACCOUNT = "123456789012"
OPERATOR_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["lambda:GetFunctionConfiguration"],
     "Resource": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{FUNCTION}"},
    {"Effect": "Allow", "Action": ["dynamodb:Query", "dynamodb:Scan", "dynamodb:GetItem"],
     "Resource": f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{TABLE}"},
    {"Effect": "Allow", "Action": ["s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:GetReplicationConfiguration",
                                   "s3:GetLifecycleConfiguration"], "Resource": "arn:aws:s3:::locked"},
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectLegalHold", "s3:PutObjectLegalHold"],
     "Resource": "arn:aws:s3:::locked/cognito-backup/*"},
    {"Effect": "Allow", "Action": ["cognito-idp:ListUserPools", "cognito-idp:DescribeUserPool"], "Resource": "*"},
]}


def for_moto(policy: dict) -> dict:
    """The policy as moto can judge it: it authorizes Lambda, DynamoDB and Cognito calls against
    resource "*", so their statements scoped to ARNs get "*" (S3's keep their ARNs, which moto
    checks)."""
    return {"Version": policy["Version"], "Statement": [
        statement if all(a.startswith("s3:") for a in statement["Action"]) else dict(statement, Resource="*")
        for statement in policy["Statement"]]}


def operator(aws, policy: dict) -> dict:
    return user_with_policy(aws.url, "operator", for_moto(policy))


def without(policy: dict, action: str) -> dict:
    statements = []
    for statement in policy["Statement"]:
        actions = [a for a in statement["Action"] if a != action]
        if actions:
            statements.append(dict(statement, Action=actions))
    assert sum(len(s["Action"]) for s in statements) == sum(len(s["Action"]) for s in policy["Statement"]) - 1, action
    return {"Version": policy["Version"], "Statement": statements}


def bucket_policy_for(bucket: str) -> dict:
    return json.loads(json.dumps(OPERATOR_POLICY).replace("arn:aws:s3:::locked", f"arn:aws:s3:::{bucket}"))


@pytest.fixture
def operated(aws):
    """A locked bucket with a backup of a tagged pool, a drilled pool, an open upload, and the
    function whose selection is by tag: what the operator's runs read."""
    object_lock_storage(aws)
    s3 = aws.client("s3")
    pool = aws.client("cognito-idp").create_user_pool(PoolName="operated", UserPoolTags={"backup": "yes"})["UserPool"]["Id"]
    backup(aws, pool, bucket="locked")
    [key] = aws.objects("locked")
    s3.create_multipart_upload(Bucket="locked", Key=key.replace(".json", "-7.json"))
    deploy_function(aws, BACKUP_POOL_TAGS="backup=yes", BACKUP_BUCKET="locked", BACKUP_DRILL_MAX_AGE_DAYS="7")
    aws.client("dynamodb").put_item(TableName=TABLE, Item={
        "user_pool_id": {"S": f"drill#{pool}"}, "backup_date": {"S": "drill"}, "drill_of": {"S": pool},
        "finished_at": {"S": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}, "passed": {"BOOL": True},
        "recovery_time_ms": {"N": "1200"}})
    return pool, key


def operator_runs(aws, key: str, creds: dict) -> list:
    """What an operator runs: the cron's status by the function, status over every pool with
    backups, and a hold set and lifted."""
    return [
        aws.run("status", "--function", FUNCTION, "--json", credentials=creds),
        aws.run("status", "--table", TABLE, "--bucket", "locked", credentials=creds),
        aws.run("hold", "--bucket", "locked", "--key", key, credentials=creds),
        aws.run("hold", "--bucket", "locked", "--key", key, "--release", credentials=creds),
    ]


def test_status_and_hold_succeed_with_exactly_the_operator_policy(aws, operated):
    pool, key = operated
    creds = operator(aws, OPERATOR_POLICY)
    aws.server.enforce_auth()
    runs = operator_runs(aws, key, creds)
    assert [r.returncode for r in runs] == [0, 0, 0, 0], [r.stderr for r in runs]
    [judged] = json.loads(runs[0].stdout)["pools"]
    assert judged["user_pool_id"] == pool and judged["problems"] == [] and judged["drill"]["passed"] is True
    assert judged["legal_holds"] == [] and judged["replication"] == {"status": None, "replica": None, "replica_unknown": None}
    [upload] = judged["open_uploads"]
    assert upload["lifecycle_abort_days"] is None and upload["removed_by"] is None


# Each action of the policy, and what shows that a run lacks it: a failed run naming it, or, for a
# read whose absence leaves the verdict standing, the run naming it as unknown.
NAMED_WHEN_REMOVED = [
    "lambda:GetFunctionConfiguration", "dynamodb:Query", "dynamodb:Scan", "dynamodb:GetItem", "s3:ListBucket",
    "s3:ListBucketMultipartUploads", "s3:GetReplicationConfiguration", "s3:GetObject", "s3:GetObjectLegalHold",
    "s3:PutObjectLegalHold", "cognito-idp:ListUserPools", "cognito-idp:DescribeUserPool",
]


def names(run, action: str) -> bool:
    """Whether a run says it lacks `action`: failing with it in its error, or, as status does for
    what it reads beside the verdict, with it in a pool's problems, replica or drill breach."""
    if run.returncode not in (0, 1):
        return action in run.stderr
    if not run.stdout.startswith("{"):
        return False
    said = []
    for pool in json.loads(run.stdout)["pools"]:
        said += pool["problems"] + [b["message"] for b in pool["breaches"]]
        said.append((pool["replication"] or {}).get("replica_unknown") or "")
    return any(action in text for text in said)


def test_without_each_action_of_the_operator_policy_a_run_fails_or_says_it_is_unknown_naming_it(aws, operated):
    _, key = operated
    assert sorted(NAMED_WHEN_REMOVED + ["s3:GetLifecycleConfiguration"]) == sorted(
        a for s in OPERATOR_POLICY["Statement"] for a in s["Action"])
    admin = user_with_policy(aws.url, "admin", {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    creds = operator(aws, OPERATOR_POLICY)
    aws.server.enforce_auth()
    iam = aws.client("iam", admin)
    unnamed = []
    for action in NAMED_WHEN_REMOVED:
        iam.put_user_policy(UserName="operator", PolicyName="operator-inline", PolicyDocument=json.dumps(for_moto(without(OPERATOR_POLICY, action))))
        runs = operator_runs(aws, key, creds)
        if not any(names(run, action) for run in runs):
            unnamed.append((action, [(r.returncode, r.stderr[-300:]) for r in runs]))
    assert unnamed == []


def test_without_the_lifecycle_action_status_still_lists_the_open_upload(aws, operated):
    """s3:GetLifecycleConfiguration only adds when the bucket's rule removes an open upload."""
    pool, key = operated
    s3 = aws.client("s3")
    s3.put_bucket_lifecycle_configuration(Bucket="locked", LifecycleConfiguration={"Rules": [{
        "ID": "incomplete", "Status": "Enabled", "Filter": {"Prefix": "cognito-backup/"},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}]})
    admin = user_with_policy(aws.url, "admin", {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    creds = operator(aws, OPERATOR_POLICY)
    aws.server.enforce_auth()
    with_it = json.loads(aws.run("status", "--function", FUNCTION, "--json", credentials=creds).stdout)["pools"][0]
    assert with_it["open_uploads"][0]["lifecycle_abort_days"] == 1
    aws.client("iam", admin).put_user_policy(UserName="operator", PolicyName="operator-inline",
                                             PolicyDocument=json.dumps(for_moto(without(OPERATOR_POLICY, "s3:GetLifecycleConfiguration"))))
    result = aws.run("status", "--function", FUNCTION, "--json", credentials=creds)
    assert result.returncode == 0, result.stderr
    [upload] = json.loads(result.stdout)["pools"][0]["open_uploads"]
    assert upload["lifecycle_abort_days"] is None


def test_moto_here_authorizes_legal_holds_and_replication_by_their_own_actions(aws):
    """The ACTION_MAP patch: s3:GetObject alone no longer reads a legal hold, s3:ListBucket alone
    no longer reads the replication configuration."""
    from botocore.exceptions import ClientError
    object_lock_storage(aws)
    aws.client("s3").put_object(Bucket="locked", Key="cognito-backup/k", Body=b"1")
    creds = user_with_policy(aws.url, "reader", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"], "Resource": ["arn:aws:s3:::locked", "arn:aws:s3:::locked/*"]}]})
    aws.server.enforce_auth()
    s3 = aws.client("s3", creds)
    for call in (lambda: s3.get_object_legal_hold(Bucket="locked", Key="cognito-backup/k"),
                 lambda: s3.put_object_legal_hold(Bucket="locked", Key="cognito-backup/k", LegalHold={"Status": "ON"}),
                 lambda: s3.get_bucket_replication(Bucket="locked")):
        with pytest.raises(ClientError, match="AccessDenied"):
            call()
    assert s3.get_object(Bucket="locked", Key="cognito-backup/k")["Body"].read() == b"1"


# 5. list's TIER column

def test_list_help_names_its_tier_column(aws):
    help_text = " ".join(aws.run("list", "--help").stdout.split())
    assert "TIER (the retention tier the backup is kept by: monthly, daily or hourly" in help_text


def test_a_lambda_that_fails_once_is_asked_again_and_one_that_keeps_failing_exits_3_naming_the_call(aws):
    aws.make_storage()
    new_pool(aws, "never-backed-up")
    deploy_function(aws, USER_POOL_IDS="*")
    aws.server.faults.add("GetFunctionConfiguration", "503")
    once = aws.run("status", "--function", FUNCTION, env=operator_env(aws))
    assert once.returncode == 1 and "no backup" in once.stderr, once.stderr
    assert aws.server.faults.fired["GetFunctionConfiguration"] == 1

    aws.server.faults.add("GetFunctionConfiguration", "500", times=10_000)
    failing = aws.run("status", "--function", FUNCTION, "--max-wait", "5", env=operator_env(aws))
    assert failing.returncode == 3, failing.stderr
    assert "lambda GetFunctionConfiguration failed: InternalErrorException" in failing.stderr


@pytest.mark.parametrize("bad", ["*", "us-east-1", "us-east-1_Ab/c"])
def test_a_pool_id_that_is_no_pool_id_is_refused_rather_than_judged_as_a_pool(aws, bad):
    result = aws.run("status", "--table", TABLE, "--pool-id", bad)
    assert result.returncode == 64, result.stderr
    assert f"--pool-id '{bad}' is not a user pool id" in result.stderr


def test_the_template_gives_the_function_every_variable_status_reads_and_the_drill_age_only_with_drills_on():
    """The names status takes from the function's configuration are the template's."""
    from support.template_policy import load_template
    template = load_template()
    variables = template["Resources"]["BackupFunction"]["Properties"]["Environment"]["Variables"]
    for name in ("USER_POOL_IDS", "BACKUP_POOL_TAGS", "BACKUP_TABLE", "BACKUP_BUCKET", "BACKUP_RPO_MINUTES", "BACKUP_SCHEDULE",
                 "BACKUP_DRILL_MAX_AGE_DAYS"):
        assert name in variables, name
    assert variables["BACKUP_DRILL_MAX_AGE_DAYS"] == {"Fn::If": ["DrillsOn", {"Ref": "DrillMaxAgeDays"}, ""]}
    assert template["Conditions"]["DrillsOn"] == {"Fn::Equals": [{"Ref": "EnableDrills"}, "true"]}
