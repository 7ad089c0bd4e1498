"""Static checks of the CloudFormation templates (template/*.yaml).

cfn-lint and checkov must both be clean; the function's permissions are
pinned to exactly the calls the backup code makes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# Importable however pytest is started (python -m pytest, pytest, from any cwd).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from support.template_policy import (  # noqa: E402
    BACKUP_TEMPLATE,
    DR_TEMPLATE,
    REPO,
    all_branches,
    TEMPLATE_DIR,
    Resolver,
    backup_actions,
    backup_policy,
    drill_policy,
    find_policy,
    load_template,
    without_action,
)

TEMPLATES = [BACKUP_TEMPLATE, DR_TEMPLATE]

EXPECTED_ACTIONS = sorted([
    "cognito-idp:AdminGetUser",  # only with BackupUserMfa on or auto
    "cognito-idp:DescribeUserPool",
    "cognito-idp:GetUserPoolMfaConfig",
    "cognito-idp:ListUsers",
    "cognito-idp:ListGroups",
    "cognito-idp:ListUsersInGroup",
    "cognito-idp:ListUserPoolClients",
    "cognito-idp:DescribeUserPoolClient",
    "cognito-idp:ListIdentityProviders",
    "cognito-idp:DescribeIdentityProvider",
    "cognito-idp:ListResourceServers",
    "cognito-idp:GetUICustomization",
    "cognito-idp:DescribeRiskConfiguration",
    "cognito-idp:GetLogDeliveryConfiguration",
    "cognito-idp:DescribeManagedLoginBrandingByClient",
    "cognito-idp:ListTerms",
    "cognito-idp:DescribeTerms",
    "cognito-idp:DescribeUserPoolDomain",
    "s3:PutObject",
    "s3:GetObject",
    "s3:AbortMultipartUpload",
    "s3:DeleteObject",
    "s3:ListBucket",
    "s3:ListBucketMultipartUploads",
    "dynamodb:PutItem",
    "dynamodb:GetItem",
    "dynamodb:DeleteItem",
    "dynamodb:Query",
    "kms:GenerateDataKey",
    "kms:Decrypt",
])

FUNCTION_ENV = {
    "USER_POOL_IDS",
    "BACKUP_BUCKET",
    "BACKUP_TABLE",
    "BACKUP_KMS_KEY_ID",
    "BACKUP_MIN_INTERVAL_SECONDS",
    "BACKUP_USERLIST_SHARE",
    "BACKUP_USER_MFA",
    "BACKUP_SCHEDULE",
}

# Every optional feature on, so checkov and cfn-lint also see the resources
# and branches that the defaults switch off (checkov drops resources whose
# Condition is false under the parameter defaults).
ALL_FEATURES = {
    "CreateTrail": '"true"',
    "KmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555",
    "DRKmsKeyArn": "arn:aws:kms:us-west-2:123456789012:key/11111111-2222-3333-4444-666666666666",
    "DRBucketArn": "arn:aws:s3:::cognito-backup-dr-123456789012-us-west-2-prod",
    "DRRegion": "us-west-2",
    "AlarmTopicArn": "arn:aws:sns:us-east-1:123456789012:alarms",
    "DRAccountId": '"210987654321"',
    "ObjectLockMode": "COMPLIANCE",
    "EnableDrills": '"true"',
}

DR_ALL_FEATURES = {
    "KmsKeyArn": "arn:aws:kms:us-west-2:210987654321:key/11111111-2222-3333-4444-666666666666",
    "ObjectLockMode": "COMPLIANCE",
    "SourceReplicationRoleArn": "arn:aws:iam::123456789012:role/cognito-backup-ReplicationRole-ABC123",
}


def _template_with_defaults(overrides: dict[str, str], template: Path = BACKUP_TEMPLATE) -> str:
    text = template.read_text(encoding="utf-8")
    for param, value in overrides.items():
        pattern = re.compile(r"(\n  %s:\n(?:    .*\n)*?    Default: )[^\n]*" % re.escape(param))
        text, count = pattern.subn(lambda m: m.group(1) + value, text)
        assert count == 1, f"no Default line for {param}"
    return text


@pytest.fixture(scope="module")
def all_features_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("all-features") / "backup.yaml"
    path.write_text(_template_with_defaults(ALL_FEATURES), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def all_features_dr_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("all-features-dr") / "dr.yaml"
    path.write_text(_template_with_defaults(DR_ALL_FEATURES, DR_TEMPLATE), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def backup() -> dict:
    return load_template(BACKUP_TEMPLATE)


def _resources(template: dict, res_type: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == res_type}


# ----------------------------------------------------------------- linters


def _cfn_lint() -> list[str]:
    exe = shutil.which("cfn-lint")
    if exe:
        return [exe]
    return [sys.executable, "-m", "cfnlint"]


def test_cfn_lint_clean():
    result = subprocess.run(
        [*_cfn_lint(), *map(str, TEMPLATES)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_cfn_lint_clean_with_every_option_on(all_features_template, all_features_dr_template):
    result = subprocess.run(
        [*_cfn_lint(), str(all_features_template), str(all_features_dr_template)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def _find_checkov() -> str | None:
    """$CHECKOV, else checkov on PATH, else the venv scripts/setup.sh makes."""
    tools = Path(os.environ.get("COGNITO_BACKUP_TOOLS") or Path.home() / ".cache" / "cognito-backup-tools")
    venv = tools / "checkov" / "bin" / "checkov"
    return os.environ.get("CHECKOV") or shutil.which("checkov") or (str(venv) if venv.is_file() else None)


def _checkov(*targets: str) -> dict:
    exe = _find_checkov()
    if not exe:
        pytest.fail(
            "checkov is not installed: run scripts/test.sh, which installs it "
            "(or set CHECKOV=/path/to/checkov)."
        )
    env = dict(os.environ, BC_SKIP_MAPPING="TRUE")  # no network: skip the guideline download
    result = subprocess.run(
        [exe, *targets, "--framework", "cloudformation", "--skip-download",
         "--output", "json", "--quiet"],
        cwd=REPO, capture_output=True, text=True, env=env, timeout=600,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"checkov printed no JSON (exit {result.returncode}):\n{result.stdout}\n{result.stderr}")
    reports = report if isinstance(report, list) else [report]
    failed = [c for r in reports for c in r.get("results", {}).get("failed_checks", [])]
    assert not failed, "checkov failed checks:\n" + "\n".join(
        f"{c['check_id']} {c['resource']} ({c['file_path']}): {c['check_name']}" for c in failed
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return {
        "passed": sum(r.get("summary", {}).get("passed", 0) for r in reports),
        "skipped": [c for r in reports for c in r.get("results", {}).get("skipped_checks", [])],
    }


def test_checkov_clean():
    outcome = _checkov("-d", str(TEMPLATE_DIR))
    assert outcome["passed"] > 0
    for skip in outcome["skipped"]:
        assert len((skip.get("check_result") or {}).get("suppress_comment") or "") > 20, skip["check_id"]


def test_checkov_clean_with_every_option_on(all_features_template, all_features_dr_template):
    _checkov("-f", str(all_features_template), "-f", str(all_features_dr_template))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_every_suppression_is_explained(path):
    for logical_id, res in load_template(path)["Resources"].items():
        meta = res.get("Metadata", {})
        for skip in meta.get("checkov", {}).get("skip", []):
            assert re.fullmatch(r"CKV2?_AWS_\d+", skip.get("id", "")), (logical_id, skip)
            assert len(skip.get("comment", "").split()) >= 8, (logical_id, skip)
        ignored = meta.get("cfn-lint", {}).get("config", {}).get("ignore_checks", [])
        assert not ignored, f"{logical_id}: cfn-lint checks ignored without review: {ignored}"


# ----------------------------------------------------------------- policy


def test_policy_resolves():
    policy = backup_policy("backup-bucket", widen=False)
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["WriteBackupObjects"]["Resource"] == "arn:aws:s3:::backup-bucket/cognito-backup/*"
    assert by_sid["BackupMetadata"]["Resource"] == (
        "arn:aws:dynamodb:us-east-1:123456789012:table/cognito-backup-metadata-prod"
    )
    assert by_sid["DescribeUserPoolDomain"]["Resource"] == "*"
    assert "UseBackupKmsKey" not in by_sid  # KmsKeyArn defaults to "": no-KMS branch
    assert json.loads(json.dumps(policy)) == policy  # plain JSON, no intrinsics left
    assert "Fn::" not in json.dumps(policy) and "${" not in json.dumps(policy)


def test_policy_widened_for_moto():
    policy = backup_policy("backup-bucket", table_arn_region="eu-west-1", account="111122223333")
    for statement in policy["Statement"]:
        services = {a.split(":")[0] for a in statement["Action"]}
        if services & {"cognito-idp", "dynamodb"}:
            assert statement["Resource"] == "*", statement
        elif statement["Sid"] == "ListBackupObjects":
            assert statement["Resource"] == "arn:aws:s3:::backup-bucket"
        else:
            assert statement["Resource"] == "arn:aws:s3:::backup-bucket/cognito-backup/*"


@pytest.mark.parametrize("count", [1, 3, 10])
def test_pool_arns_are_exact(count):
    ids = [f"eu-west-1_Pool{i}" for i in range(count)]
    policy = backup_policy(
        "b", table_arn_region="eu-west-1", account="111122223333", widen=False,
        parameters={"UserPoolIds": ",".join(ids)},
    )
    pools = next(s for s in policy["Statement"] if s["Sid"] == "ReadConfiguredUserPools")
    assert pools["Resource"] == [
        f"arn:aws:cognito-idp:eu-west-1:111122223333:userpool/{pool_id}" for pool_id in ids
    ]


def test_user_pool_ids_pattern_matches_policy_capacity(backup):
    pattern = backup["Parameters"]["UserPoolIds"]["AllowedPattern"]
    ids = [f"us-east-1_Abc{i}" for i in range(11)]
    assert re.fullmatch(pattern, ids[0])
    assert re.fullmatch(pattern, ",".join(ids[:10]))
    assert not re.fullmatch(pattern, ",".join(ids))  # an 11th id would get no ARN
    assert not re.fullmatch(pattern, "us-east-1_a, us-east-1_b")
    assert not re.fullmatch(pattern, "")


def test_kms_branch():
    key = "arn:aws:kms:us-east-1:123456789012:key/abc"
    policy = backup_policy("b", widen=False, parameters={"KmsKeyArn": key})
    kms = next(s for s in policy["Statement"] if s["Sid"] == "UseBackupKmsKey")
    assert sorted(kms["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert kms["Resource"] == key
    assert kms["Condition"] == {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}


def test_actions_are_exactly_what_the_code_calls():
    assert backup_actions() == EXPECTED_ACTIONS


def test_the_function_may_read_users_in_detail_only_where_the_backups_read_mfa_preferences():
    def grants_admin_get_user(setting: str | None) -> bool:
        parameters = {"BackupUserMfa": setting} if setting else None
        policy = backup_policy("b", widen=False, parameters=parameters)
        return "cognito-idp:AdminGetUser" in [a for s in policy["Statement"] for a in s["Action"]]

    assert not grants_admin_get_user(None)
    assert not grants_admin_get_user("off")
    assert grants_admin_get_user("auto") and grants_admin_get_user("on")


def test_without_action():
    policy = backup_policy("b")
    smaller = without_action(policy, "dynamodb:Query")
    actions = [a for s in smaller["Statement"] for a in s["Action"]]
    assert "dynamodb:Query" not in actions and "dynamodb:PutItem" in actions
    assert "dynamodb:Query" in [a for s in policy["Statement"] for a in s["Action"]]
    only = without_action(policy, "cognito-idp:DescribeUserPoolDomain")
    assert all(s["Sid"] != "DescribeUserPoolDomain" for s in only["Statement"])
    with pytest.raises(ValueError):
        without_action(policy, "s3:GetBucketLocation")


def test_resolved_policy_is_valid_iam():
    moto = pytest.importorskip("moto")
    import boto3

    with moto.mock_aws():
        iam = boto3.client("iam", region_name="us-east-1")
        for widen in (True, False):
            iam.create_policy(
                PolicyName=f"backup-{widen}",
                PolicyDocument=json.dumps(backup_policy("b", widen=widen)),
            )


def _role_actions(role: dict, key_name: str = "Action") -> list[str]:
    actions = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == key_name:
                    actions.extend(all_branches(value if isinstance(value, list) else [value]))
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(role["Properties"].get("Policies", []))
    walk(role["Properties"].get("ManagedPolicyArns", []))
    return actions


def test_roles_have_no_wildcard_action(backup):
    roles = _resources(backup, "AWS::IAM::Role")
    assert {"FunctionRole", "ReplicationRole"} <= set(roles)
    for name, role in roles.items():
        assert "ManagedPolicyArns" not in role["Properties"], name
        actions = _role_actions(role)
        assert actions, name
        for action in actions:
            assert isinstance(action, str) and "*" not in action, (name, action)
        assert not _role_actions(role, "NotAction"), name  # an Allow+NotAction is a wildcard
    # The one policy outside a role: the drill's, which exists only with drills on.
    assert set(_resources(backup, "AWS::IAM::Policy")) == {"DrillPolicy"}
    for action in _role_actions({"Properties": {"Policies": [backup["Resources"]["DrillPolicy"]["Properties"]]}}):
        assert isinstance(action, str) and "*" not in action, action
    assert not _resources(backup, "AWS::IAM::ManagedPolicy")


def test_backup_policy_is_the_function_roles(backup):
    role_id, _ = find_policy(backup)
    assert role_id == "FunctionRole"
    function = backup["Resources"]["BackupFunction"]["Properties"]
    assert function["Role"] == {"Fn::GetAtt": ["FunctionRole", "Arn"]}
    other = {p["PolicyName"] for p in backup["Resources"]["FunctionRole"]["Properties"]["Policies"]}
    assert other == {"CognitoBackupAccess", "FailureDestination", "FunctionLogs"}


# ----------------------------------------------------------------- function


def test_function_environment(backup):
    function = backup["Resources"]["BackupFunction"]["Properties"]
    variables = function["Environment"]["Variables"]
    assert set(variables) == FUNCTION_ENV
    resolver = Resolver(backup, parameters={"UserPoolIds": "us-east-1_A,us-east-1_B"})
    resolved = resolver.resolve(variables)
    assert resolved == {
        "USER_POOL_IDS": "us-east-1_A,us-east-1_B",
        "BACKUP_BUCKET": "cognito-backup-123456789012-us-east-1-prod",
        "BACKUP_TABLE": "cognito-backup-metadata-prod",
        "BACKUP_KMS_KEY_ID": "",
        "BACKUP_MIN_INTERVAL_SECONDS": "300",
        "BACKUP_USERLIST_SHARE": "0.5",
        "BACKUP_SCHEDULE": "rate(1 hour)",
        "BACKUP_USER_MFA": "off",
    }
    key = "arn:aws:kms:us-east-1:123456789012:key/abc"
    with_key = Resolver(backup, parameters={"KmsKeyArn": key}).resolve(variables)
    assert with_key["BACKUP_KMS_KEY_ID"] == key


def test_function_settings(backup):
    props = backup["Resources"]["BackupFunction"]["Properties"]
    assert props["Runtime"] == "provided.al2023"
    assert props["Handler"] == "bootstrap"
    assert props["Timeout"] == 900
    # Backups alone keep Cognito's pace on the smallest size; drills (restores) keep more.
    assert Resolver(backup).resolve(props["MemorySize"]) == 128
    assert Resolver(backup, parameters={"EnableDrills": "true"}).resolve(props["MemorySize"]) == 512
    # A very large pool's operator chooses the size; 0 keeps the automatic choice.
    assert int(Resolver(backup, parameters={"FunctionMemoryMB": "1024"}).resolve(props["MemorySize"])) == 1024
    assert Resolver(backup, parameters={"FunctionMemoryMB": "0", "EnableDrills": "true"}).resolve(props["MemorySize"]) == 512
    assert props["Architectures"] == [{"Ref": "Architecture"}]
    assert props["ReservedConcurrentExecutions"] == 1
    assert props["LoggingConfig"]["LogFormat"] == "JSON"
    assert props["LoggingConfig"]["LogGroup"] == {"Ref": "FunctionLogGroup"}
    assert backup["Resources"]["FunctionLogGroup"]["Properties"]["RetentionInDays"] > 0
    assert props["Code"] == {"S3Bucket": {"Ref": "CodeS3Bucket"}, "S3Key": {"Ref": "CodeS3Key"}}
    invoke = backup["Resources"]["FunctionEventInvokeConfig"]["Properties"]
    assert invoke["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": ["FailureQueue", "Arn"]}
    assert 0 <= invoke["MaximumRetryAttempts"] <= 2


def test_admin_create_user_rule(backup):
    rule = backup["Resources"]["AdminCreateUserRule"]["Properties"]
    assert rule["EventPattern"] == {
        "source": ["aws.cognito-idp"],
        "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {"eventSource": ["cognito-idp.amazonaws.com"], "eventName": ["AdminCreateUser"]},
    }
    permissions = _resources(backup, "AWS::Lambda::Permission")
    sources = {p["Properties"]["SourceArn"]["Fn::GetAtt"][0] for p in permissions.values()}
    assert sources == {"AdminCreateUserRule", "DrillScheduleRule"}


def test_the_schedule_starts_the_state_machine_which_alone_may_invoke_the_function(backup):
    [target] = backup["Resources"]["ScheduleRule"]["Properties"]["Targets"]
    assert target["Arn"] == {"Ref": "BackupStateMachine"} and json.loads(target["Input"]) == {"resumable": True}
    [start] = backup["Resources"]["ScheduleRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert (start["Action"], start["Resource"]) == ("states:StartExecution", {"Ref": "BackupStateMachine"})
    statements = backup["Resources"]["StateMachineRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    on_resources = [s for s in statements if s["Resource"] != "*"]
    assert [(s["Action"], s["Resource"]) for s in on_resources] == [("lambda:InvokeFunction", {"Fn::GetAtt": ["BackupFunction", "Arn"]})]
    # Only log delivery and tracing, which take no resource-level permissions, are on "*".
    assert all(a.split(":")[0] in ("logs", "xray") for s in statements if s["Resource"] == "*" for a in s["Action"])


def test_the_state_machine_loops_while_the_function_answers_continue_and_bounds_the_loop(backup):
    machine = backup["Resources"]["BackupStateMachine"]["Properties"]
    states = machine["Definition"]["States"]
    assert machine["StateMachineType"] == "STANDARD" and machine["Definition"]["TimeoutSeconds"] <= 86400
    assert states["GoOn"]["Parameters"]["Payload"] == {"continue.$": "$.continue"} and states["GoOn"]["Next"] == "Unfinished"
    for task in (states["BackUp"], states["GoOn"]):
        [retry] = task["Retry"]
        assert "Lambda.TooManyRequestsException" in retry["ErrorEquals"] and "States.ALL" not in retry["ErrorEquals"]
    bound = states["Unfinished"]["Choices"][0]
    assert bound["Next"] == "TooManyInvocations" and states["TooManyInvocations"]["Type"] == "Fail"


def test_alarms(backup):
    alarms = {a["Properties"]["MetricName"]: a["Properties"] for a in _resources(backup, "AWS::CloudWatch::Alarm").values()}
    assert alarms["Errors"]["Namespace"] == "AWS/Lambda"
    assert alarms["BackupFailed"]["Namespace"] == "CognitoBackup"
    assert "Dimensions" not in alarms["BackupFailed"]  # EMF records use an empty dimension set
    for alarm in alarms.values():
        assert alarm["Statistic"] == "Sum" and alarm["Threshold"] == 0
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold"


def test_outputs(backup):
    assert {"BackupBucketName", "FunctionArn", "MetadataTableName"} <= set(backup["Outputs"])
    dr = load_template(DR_TEMPLATE)
    for name in ("DRBucketArn", "DRBucketName"):
        assert "Export" in dr["Outputs"][name]


# ----------------------------------------------------------------- drills and protections

DRILL_TAG = "cognito-backup:drill"  # DrillScratchPool.tagKey


def test_the_drill_policy_schedule_and_alarm_exist_only_with_drills_on(backup):
    drill_resources = {"DrillPolicy", "DrillScheduleRule", "DrillSchedulePermission", "DrillFailedAlarm"}
    for name in drill_resources:
        assert backup["Resources"][name]["Condition"] == "DrillsOn", name
    assert Resolver(backup).condition("DrillsOn") is False
    assert Resolver(backup, parameters={"EnableDrills": "true"}).condition("DrillsOn") is True
    policy = backup["Resources"]["DrillPolicy"]["Properties"]
    assert policy["PolicyName"] == "CognitoBackupDrillAccess" and policy["Roles"] == [{"Ref": "FunctionRole"}]
    rule = Resolver(backup, parameters={"EnableDrills": "true"}).resolve(backup["Resources"]["DrillScheduleRule"]["Properties"])
    assert rule["ScheduleExpression"] == "rate(7 days)"
    assert json.loads(rule["Targets"][0]["Input"]) == {"drill": {"users": "1000"}}
    everyone = Resolver(backup, parameters={"EnableDrills": "true", "DrillUsers": "all"})
    assert json.loads(everyone.resolve(backup["Resources"]["DrillScheduleRule"]["Properties"])["Targets"][0]["Input"]) == {"drill": {"users": "all"}}
    alarm = backup["Resources"]["DrillFailedAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == ("CognitoBackup", "DrillFailed", "Sum")
    assert "Dimensions" not in alarm


def test_the_drill_may_write_and_delete_only_pools_tagged_as_scratch_pools(backup):
    statements = drill_policy(widen=False)["Statement"]
    for statement in statements:
        actions = statement["Action"]
        if actions == ["cognito-idp:CreateUserPool"]:
            # CreateUserPool supports only Resource "*": the request must carry the tag.
            assert statement["Resource"] == "*"
            assert statement["Condition"] == {"StringEquals": {f"aws:RequestTag/{DRILL_TAG}": "true"}}
        elif actions == ["cognito-idp:ListUserPools"]:
            assert statement["Resource"] == "*" and "Condition" not in statement  # read-only, names no pool
        else:
            assert statement["Resource"] == "arn:aws:cognito-idp:us-east-1:123456789012:userpool/*", statement
            assert statement["Condition"] == {"StringEquals": {f"aws:ResourceTag/{DRILL_TAG}": "true"}}
            assert "cognito-idp:DeleteUserPool" in actions
    assert sum(len(s["Action"]) for s in statements) == len({a for s in statements for a in s["Action"]})


def _bucket(template: dict, name: str, **parameters: str) -> dict:
    return Resolver(template, parameters=parameters).resolve(template["Resources"][name]["Properties"])


@pytest.mark.parametrize("path,bucket", [(BACKUP_TEMPLATE, "BackupBucket"), (DR_TEMPLATE, "DRBucket")], ids=["backup", "dr"])
@pytest.mark.parametrize("mode", ["GOVERNANCE", "COMPLIANCE"])
def test_object_lock_keeps_every_version_for_the_retention_days(path, bucket, mode):
    template = load_template(path)
    locked = _bucket(template, bucket, ObjectLockMode=mode, RetentionDays="30")
    assert locked["ObjectLockEnabled"] is True
    assert locked["ObjectLockConfiguration"] == {"ObjectLockEnabled": "Enabled",
                                                 "Rule": {"DefaultRetention": {"Mode": mode, "Days": "30"}}}
    assert locked["VersioningConfiguration"] == {"Status": "Enabled"}
    unlocked = _bucket(template, bucket)
    assert "ObjectLockEnabled" not in unlocked and "ObjectLockConfiguration" not in unlocked


def test_cross_account_replication_hands_each_replica_to_the_destination_account(backup):
    dr_arn = "arn:aws:s3:::cognito-backup-dr-210987654321-us-west-2-prod"
    parameters = {"DRBucketArn": dr_arn, "DRRegion": "us-west-2", "DRAccountId": "210987654321"}
    destination = _bucket(backup, "BackupBucket", **parameters)["ReplicationConfiguration"]["Rules"][0]["Destination"]
    assert destination["Bucket"] == dr_arn and destination["Account"] == "210987654321"
    assert destination["AccessControlTranslation"] == {"Owner": "Destination"}
    role = Resolver(backup, parameters=parameters).resolve(backup["Resources"]["ReplicationRole"]["Properties"])
    grants = {a: st["Resource"] for st in role["Policies"][0]["PolicyDocument"]["Statement"] for a in
              (st["Action"] if isinstance(st["Action"], list) else [st["Action"]])}
    assert grants["s3:ObjectOwnerOverrideToBucketOwner"] == f"{dr_arn}/*"
    same_account = _bucket(backup, "BackupBucket", DRBucketArn=dr_arn, DRRegion="us-west-2")
    assert "Account" not in same_account["ReplicationConfiguration"]["Rules"][0]["Destination"]
    assert "AccessControlTranslation" not in same_account["ReplicationConfiguration"]["Rules"][0]["Destination"]


def test_the_dr_bucket_lets_the_source_role_write_replicas_and_nothing_more():
    dr = load_template(DR_TEMPLATE)
    role = "arn:aws:iam::123456789012:role/cognito-backup-ReplicationRole-ABC123"
    policy = Resolver(dr, account="210987654321", region="us-west-2", parameters={"SourceReplicationRoleArn": role}).resolve(
        dr["Resources"]["DRBucketPolicy"]["Properties"]["PolicyDocument"])
    granted = [st for st in policy["Statement"] if st["Effect"] == "Allow"]
    assert all(st["Principal"] == {"AWS": role} for st in granted)
    actions = sorted(a for st in granted for a in (st["Action"] if isinstance(st["Action"], list) else [st["Action"]]))
    assert actions == ["s3:GetBucketVersioning", "s3:ObjectOwnerOverrideToBucketOwner", "s3:ReplicateObject", "s3:ReplicateTags"]
    same_account = Resolver(dr).resolve(dr["Resources"]["DRBucketPolicy"]["Properties"]["PolicyDocument"])
    assert [st["Effect"] for st in same_account["Statement"]] == ["Deny"]


def test_replication_of_locked_objects_reads_their_retention(backup):
    parameters = {"DRBucketArn": "arn:aws:s3:::dr", "DRRegion": "us-west-2", "ObjectLockMode": "GOVERNANCE"}
    role = Resolver(backup, parameters=parameters).resolve(backup["Resources"]["ReplicationRole"]["Properties"])
    actions = {a for st in role["Policies"][0]["PolicyDocument"]["Statement"] for a in
               (st["Action"] if isinstance(st["Action"], list) else [st["Action"]])}
    assert {"s3:GetObjectRetention", "s3:GetObjectLegalHold"} <= actions
