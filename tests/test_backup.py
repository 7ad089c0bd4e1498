"""The backup command against moto: every item of a pool lands in the object exactly, the
metadata row describes the object, and faults end in a whole backup or in nothing at all."""

from __future__ import annotations

import hashlib
import json

import pytest

from support.iam import admin_and_restricted_users
from support.pools import all_pages, rich_pool


def backup(aws, pool: str, *extra: str, credentials: dict | None = None):
    return aws.run("backup", "--pool-id", pool, "--bucket", "backups", "--table", "cognito-backup-metadata-test", *extra,
                   credentials=credentials)


def stored_backup(aws) -> dict:
    [key] = aws.objects()
    return json.loads(aws.client("s3").get_object(Bucket="backups", Key=key)["Body"].read())


def without_volatile(user: dict) -> dict:
    return {k: v for k, v in user.items() if k not in ("UserLastModifiedDate",)}


def test_backup_holds_every_item_of_a_rich_pool_exactly(aws):
    cognito = aws.client("cognito-idp")
    pool = rich_pool(cognito)
    aws.make_storage()

    result = backup(aws, pool)
    assert result.returncode == 0, result.stderr

    snapshot = stored_backup(aws)
    assert snapshot["format_version"] == 2 and snapshot["user_pool_id"] == pool
    assert snapshot["user_pool_config"] == cognito.describe_user_pool(UserPoolId=pool)["UserPool"] | {
        k: snapshot["user_pool_config"][k] for k in ("LastModifiedDate", "CreationDate", "EstimatedNumberOfUsers")}
    assert snapshot["mfa_config"] == {k: v for k, v in cognito.get_user_pool_mfa_config(UserPoolId=pool).items() if k != "ResponseMetadata"}

    users = all_pages(cognito, "list_users", "Users", UserPoolId=pool)
    assert len(users) == 75
    by_name = {u["Username"]: u for u in snapshot["users"]}
    assert len(by_name) == len(snapshot["users"]) == 75
    for user in users:
        saved = by_name[user["Username"]]
        assert {a["Name"]: a["Value"] for a in saved["Attributes"]} == {a["Name"]: a["Value"] for a in user["Attributes"]}
        assert saved["Enabled"] == user["Enabled"] and saved["UserStatus"] == user["UserStatus"]
    assert by_name["user010"]["Enabled"] is False
    assert any(a["Value"].startswith("Zoë Ünïcødé ☃") for a in by_name["user001"]["Attributes"])

    groups = all_pages(cognito, "list_groups", "Groups", UserPoolId=pool)
    assert len(groups) == 65
    assert sorted(g["GroupName"] for g in snapshot["groups"]) == sorted(g["GroupName"] for g in groups)
    assert {g["GroupName"]: (g["Precedence"], g["RoleArn"]) for g in snapshot["groups"]} == {
        g["GroupName"]: (g["Precedence"], g["RoleArn"]) for g in groups}
    assert sorted(snapshot["group_memberships"]["group-00"]) == [f"user{i:03d}" for i in range(65)]
    assert sorted(snapshot["group_memberships"]["group-01"]) == [f"user{i:03d}" for i in range(5)]
    assert snapshot["group_memberships"]["group-64"] == []

    clients = all_pages(cognito, "list_user_pool_clients", "UserPoolClients", UserPoolId=pool, MaxResults=60)
    assert len(snapshot["app_clients"]) == 3
    for client in clients:
        described = cognito.describe_user_pool_client(UserPoolId=pool, ClientId=client["ClientId"])["UserPoolClient"]
        saved = next(c for c in snapshot["app_clients"] if c["ClientId"] == client["ClientId"])
        assert {k: v for k, v in saved.items() if "Date" not in k} == {k: v for k, v in described.items() if "Date" not in k}
    assert sum(1 for c in snapshot["app_clients"] if c.get("ClientSecret")) == 1

    assert sorted(p["ProviderType"] for p in snapshot["identity_providers"]) == ["OIDC", "SAML"]
    assert next(p for p in snapshot["identity_providers"] if p["ProviderName"] == "Partner")["ProviderDetails"]["oidc_issuer"] == \
        "https://login.partner.example.com"
    assert sorted(r["Identifier"] for r in snapshot["resource_servers"]) == ["https://api.example.com", "reports"]
    assert snapshot["user_pool_domain"]["domain"]["Domain"] == "customers-auth"
    assert snapshot["user_pool_domain"]["custom_domain"] is None

    web = next(c["ClientId"] for c in clients if c["ClientName"] == "web")
    assert "background-color" in snapshot["ui_customization"]["pool"]["CSS"]
    assert "color: red" in snapshot["ui_customization"]["clients"][web]["CSS"]
    assert snapshot["risk_configuration"]["pool"]["CompromisedCredentialsRiskConfiguration"]["Actions"]["EventAction"] == "BLOCK"
    assert snapshot["log_delivery_configuration"]["LogConfigurations"][0]["LogLevel"] == "ERROR"
    assert snapshot["managed_login_branding"][web]["UseCognitoProvidedValues"] is True
    missing = {w["component"] for w in snapshot["warnings"]}
    assert "user_pool_domain.custom_domain" in missing
    assert sum(1 for c in missing if c.startswith("managed_login_branding.")) == 2


def test_metadata_row_describes_the_object(aws):
    pool = rich_pool(aws.client("cognito-idp"), users=70, groups=3, big_group_members=3)
    aws.make_storage()
    assert backup(aws, pool).returncode == 0

    [key] = aws.objects()
    body = aws.client("s3").get_object(Bucket="backups", Key=key)
    data = body["Body"].read()
    [item] = aws.metadata()
    row = {k: next(iter(v.values())) for k, v in item.items()}
    assert row["s3_key"] == key and key.startswith("cognito-backup/") and key.endswith(f"/{pool}-{key[-11:-5]}.json")
    assert row["sha256"] == hashlib.sha256(data).hexdigest()
    assert int(row["size_bytes"]) == len(data)
    snapshot = json.loads(data)
    assert int(row["user_count"]) == len(snapshot["users"]) == 70
    assert int(row["group_count"]) == len(snapshot["groups"])
    assert int(row["membership_count"]) == sum(len(v) for v in snapshot["group_memberships"].values())
    assert int(row["app_client_count"]) == 3 and int(row["identity_provider_count"]) == 2 and int(row["resource_server_count"]) == 2
    assert row["backup_date"].startswith(snapshot["timestamp"][:19])
    assert body["ServerSideEncryption"] == "AES256"


def test_listing_shows_backups_newest_first(aws):
    pool = rich_pool(aws.client("cognito-idp"), users=3, groups=1, big_group_members=1)
    aws.make_storage()
    assert backup(aws, pool).returncode == 0
    assert backup(aws, pool).returncode == 0
    listed = aws.run("list", "--table", "cognito-backup-metadata-test", "--pool-id", pool, "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert len(rows) == 2 and rows[0]["backup_date"] >= rows[1]["backup_date"]
    table = aws.run("list", "--table", "cognito-backup-metadata-test")
    assert pool in table.stdout and "USERS" in table.stdout


@pytest.mark.parametrize("operation,kind,times", [
    ("ListUsers", "throttle", 6),
    ("ListUsers", "reset", 2),
    ("ListUsersInGroup", "truncate", 2),
    ("DescribeUserPoolClient", "503", 2),
    ("PutObject", "500", 2),
    ("PutItem", "throttle", 2),
])
def test_transient_faults_still_end_in_a_complete_backup(aws, operation, kind, times):
    pool = rich_pool(aws.client("cognito-idp"), users=70, groups=3, big_group_members=62)
    aws.make_storage()
    aws.server.faults.add(operation, kind, times=times)

    result = backup(aws, pool)
    assert result.returncode == 0, result.stderr
    assert aws.server.faults.fired[operation] == times
    snapshot = stored_backup(aws)
    assert len(snapshot["users"]) == 70 and len({u["Username"] for u in snapshot["users"]}) == 70
    assert len(snapshot["group_memberships"]["group-00"]) == 62
    assert len(aws.metadata()) == 1


def big_pool(cognito, users: int = 330) -> str:
    """A pool whose backup is larger than one multipart part (6 MiB): long custom attributes."""
    schema = [{"Name": f"blob{i}", "AttributeDataType": "String", "Mutable": True, "StringAttributeConstraints": {"MaxLength": "2048"}}
              for i in range(10)]
    pool = cognito.create_user_pool(PoolName="big", Schema=schema)["UserPool"]["Id"]
    blob = "x" * 2000
    for i in range(users):
        cognito.admin_create_user(UserPoolId=pool, Username=f"big{i:04d}", MessageAction="SUPPRESS",
                                  UserAttributes=[{"Name": f"custom:blob{j}", "Value": blob} for j in range(10)])
    cognito.create_group(UserPoolId=pool, GroupName="everyone")
    return pool


@pytest.mark.parametrize("operation", ["ListUsersInGroup", "UploadPart"])
def test_a_failure_after_parts_were_uploaded_leaves_no_object_no_metadata_and_no_upload(aws, operation):
    pool = big_pool(aws.client("cognito-idp"))
    aws.make_storage()
    aws.server.faults.add(operation, "500", times=50)

    result = backup(aws, pool)
    assert result.returncode != 0
    assert operation in result.stdout + result.stderr
    assert aws.server.faults.seen["UploadPart"] >= 1, "the object should have outgrown one part before the failure"
    assert aws.server.faults.seen["AbortMultipartUpload"] == 1
    aws.assert_nothing_stored()


def test_a_large_backup_is_uploaded_in_parts_and_reads_back_whole(aws):
    pool = big_pool(aws.client("cognito-idp"))
    aws.make_storage()
    aws.server.faults.add("UploadPart", "500", times=1)
    result = backup(aws, pool)
    assert result.returncode == 0, result.stderr
    assert aws.server.faults.seen["UploadPart"] >= 3
    snapshot = stored_backup(aws)
    assert len(snapshot["users"]) == 330


def test_calls_signed_for_an_iam_user_pass_moto_enforcement(aws):
    pool = rich_pool(aws.client("cognito-idp"), users=5, groups=2, big_group_members=2)
    aws.make_storage()
    admin, _ = admin_and_restricted_users(aws.url, {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
    aws.server.enforce_auth()
    result = backup(aws, pool, credentials=admin)
    assert result.returncode == 0, result.stderr
    aws.server.relax_auth()
    assert len(aws.objects()) == 1


@pytest.mark.parametrize("service,command", [
    ("s3", ["backup", "--pool-id", "us-east-1_Abc", "--bucket", "backups", "--table", "cognito-backup-metadata-test"]),
    ("dynamodb", ["list", "--table", "cognito-backup-metadata-test"]),
])
def test_a_wrong_secret_is_rejected_with_signature_does_not_match(aws, service, command):
    aws.make_storage()
    admin, _ = admin_and_restricted_users(aws.url, {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
    aws.server.enforce_auth()
    wrong = dict(admin, AWS_SECRET_ACCESS_KEY="not-the-secret-at-all-0000000000000000000")
    result = aws.run(*command, credentials=wrong)
    assert result.returncode == 3
    assert f"{service} " in result.stderr and "SignatureDoesNotMatch" in result.stderr
    assert "not-the-secret" not in result.stderr + result.stdout
    aws.server.relax_auth()
    assert aws.objects() == []


def test_an_unknown_pool_is_a_one_line_error(aws):
    aws.make_storage()
    result = backup(aws, "us-east-1_DoesNotExist1")
    assert result.returncode == 1
    assert "us-east-1_DoesNotExist1 not found" in result.stdout
    aws.assert_nothing_stored()


def test_a_missing_bucket_is_named_before_anything_is_read(aws):
    pool = rich_pool(aws.client("cognito-idp"), users=1, groups=1, big_group_members=1)
    result = aws.run("backup", "--pool-id", pool, "--bucket", "no-such-bucket", "--table", "t")
    assert result.returncode == 2
    assert "bucket 'no-such-bucket' does not exist" in result.stderr


def test_missing_credentials_are_a_configuration_error(aws):
    env = aws.env()
    del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    result = aws.run("backup", "--pool-id", "us-east-1_Abc", "--bucket", "b", "--table", "t", env=env)
    assert result.returncode == 2
    assert "no AWS credentials found" in result.stderr


def test_missing_settings_are_named(aws):
    env = aws.env()
    result = aws.run("backup", "--pool-id", "us-east-1_Abc", env=env)
    assert result.returncode == 2
    assert "BACKUP_BUCKET is not set" in result.stderr


@pytest.mark.parametrize("large", [False, True], ids=["put-object", "multipart"])
def test_a_kms_key_encrypts_the_object_with_aws_kms(aws, large):
    cognito = aws.client("cognito-idp")
    pool = big_pool(cognito) if large else rich_pool(cognito, users=3, groups=1, big_group_members=1)
    aws.make_storage()
    key = aws.client("kms").create_key(Description="backups")["KeyMetadata"]["Arn"]
    result = backup(aws, pool, "--kms-key-id", key)
    assert result.returncode == 0, result.stderr
    head = aws.client("s3").head_object(Bucket="backups", Key=aws.objects()[0])
    assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == key


def test_a_wrong_secret_is_rejected_by_cognito_too(aws, tmp_path):
    pool = rich_pool(aws.client("cognito-idp"), users=2, groups=1, big_group_members=1)
    aws.make_storage()
    assert backup(aws, pool).returncode == 0
    source = tmp_path / "backup.json"
    source.write_bytes(aws.client("s3").get_object(Bucket="backups", Key=aws.objects()[0])["Body"].read())
    admin, _ = admin_and_restricted_users(aws.url, {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
    aws.server.enforce_auth()
    assert aws.run("verify", "--source", str(source), "--pool-id", pool, credentials=admin).returncode == 0
    wrong = dict(admin, AWS_SECRET_ACCESS_KEY="not-the-secret-at-all-0000000000000000000")
    result = aws.run("verify", "--source", str(source), "--pool-id", pool, credentials=wrong)
    assert result.returncode == 3
    assert "cognito-idp" in result.stderr and "SignatureDoesNotMatch" in result.stderr
