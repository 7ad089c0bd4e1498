"""restore and verify end to end: the real binary against moto (with the Cognito operations
tests/support/motoplus.py adds), from a backup the binary itself wrote."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from support.iam import boto3_client

ROOT = Path(__file__).resolve().parents[1]
BINARY = os.environ.get("COGNITO_BACKUP_BIN", str(ROOT / ".build/debug/cognito-backup"))
CREDS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
BUCKET = "backups"
TABLE = "backup-metadata"
USERS = 75
DISABLED = {"user007", "user031", "user064"}
GROUPS = [
    {"GroupName": "admins", "Description": "Full access", "Precedence": 1,
     "RoleArn": "arn:aws:iam::123456789012:role/cognito-admins"},
    {"GroupName": "editors", "Description": "Édition", "Precedence": 5},
    {"GroupName": "viewers"},
]




@pytest.fixture
def idp(server):
    return boto3_client(server.url, "cognito-idp", CREDS)


def run(server, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **CREDS, "AWS_ENDPOINT_URL": server.url, "AWS_REGION": "us-east-1"}
    result = subprocess.run([BINARY, *args], env=env, capture_output=True, text=True, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"{args[0]} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def user_attributes(i: int) -> list[dict[str, str]]:
    attributes = {
        "email": f"user{i:03}@example.com",
        "email_verified": "true" if i % 4 else "false",
        "given_name": ["Zoë", "Jürgen", "Søren", "Ana"][i % 4],
        "family_name": "山田" if i % 3 == 0 else "Ørsted",
        "custom:department": ["ventes", "R&D", "研究"][i % 3],
        "custom:level": str(i % 7),
    }
    if i % 5 == 0:
        attributes["phone_number"] = f"+1555{i:07}"
        attributes["phone_number_verified"] = "true"
    return [{"Name": k, "Value": v} for k, v in attributes.items()]


# A 1x1 transparent PNG: the UI customization's logo and a managed login branding asset.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
BRANDING_SETTINGS = {
    "components": {"primaryButton": {"lightMode": {"defaults": {"backgroundColor": "0972d3ff", "textColor": "ffffffff"}}},
                   "pageBackground": {"image": {"enabled": True}}},
    "categories": {"global": {"colorSchemeMode": "LIGHT", "spacingDensity": "REGULAR"}},
}
TERMS_LINKS = {
    "terms-of-use": {"cognito:default": "https://example.com/terms", "cognito:french": "https://example.com/fr/conditions"},
    "privacy-policy": {"cognito:default": "https://example.com/privacy"},
}


def build_rich_pool(idp) -> str:
    """Custom attributes, groups with precedence and roles, three app clients, a SAML and an
    OIDC provider, two resource servers, a domain, UI customization with a logo, threat
    protection, managed login branding (customized and Cognito's own), terms documents,
    disabled users, unicode attributes, and more users than one ListUsers page."""
    pool = idp.create_user_pool(
        PoolName="rich",
        Policies={"PasswordPolicy": {"MinimumLength": 12, "RequireUppercase": True, "RequireLowercase": True,
                                     "RequireNumbers": True, "RequireSymbols": False,
                                     "TemporaryPasswordValidityDays": 3}},
        AutoVerifiedAttributes=["email"],
        Schema=[
            {"Name": "department", "AttributeDataType": "String", "Mutable": True,
             "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "64"}},
            {"Name": "level", "AttributeDataType": "Number", "Mutable": True,
             "NumberAttributeConstraints": {"MinValue": "0", "MaxValue": "10"}},
        ],
        AccountRecoverySetting={"RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]},
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
        LambdaConfig={"PreTokenGeneration": "arn:aws:lambda:us-east-1:123456789012:function:claims"},
        UserPoolTags={"team": "identity", "env": "test"},
    )["UserPool"]
    pool_id = pool["Id"]
    for server in ("orders", "inventory"):
        idp.create_resource_server(UserPoolId=pool_id, Identifier=f"https://api.example.com/{server}", Name=server,
                                   Scopes=[{"ScopeName": "read", "ScopeDescription": "Read"},
                                           {"ScopeName": "write", "ScopeDescription": "Write"}])
    idp.create_identity_provider(
        UserPoolId=pool_id, ProviderName="Corp", ProviderType="SAML",
        ProviderDetails={"MetadataURL": "https://idp.example.com/saml/metadata"},
        AttributeMapping={"email": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"},
        IdpIdentifiers=["corp"])
    idp.create_identity_provider(
        UserPoolId=pool_id, ProviderName="Partner", ProviderType="OIDC",
        ProviderDetails={"client_id": "partner-client", "client_secret": "partner-secret",
                         "authorize_scopes": "openid email", "oidc_issuer": "https://login.partner.example",
                         "attributes_request_method": "GET"},
        AttributeMapping={"email": "email"})
    clients = [
        dict(ClientName="web", AllowedOAuthFlows=["code"], AllowedOAuthFlowsUserPoolClient=True,
             AllowedOAuthScopes=["openid", "email", "https://api.example.com/orders/read"],
             CallbackURLs=["https://app.example.com/callback"], LogoutURLs=["https://app.example.com/"],
             SupportedIdentityProviders=["COGNITO", "Corp", "Partner"], ExplicitAuthFlows=["ALLOW_REFRESH_TOKEN_AUTH"]),
        dict(ClientName="backend", GenerateSecret=True, AllowedOAuthFlows=["client_credentials"],
             AllowedOAuthFlowsUserPoolClient=True,
             AllowedOAuthScopes=["https://api.example.com/inventory/write"]),
        dict(ClientName="mobile", ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
             RefreshTokenValidity=60, PreventUserExistenceErrors="ENABLED"),
    ]
    client_ids = [idp.create_user_pool_client(UserPoolId=pool_id, **c)["UserPoolClient"]["ClientId"] for c in clients]
    idp.create_user_pool_domain(UserPoolId=pool_id, Domain="rich-source")
    idp.set_ui_customization(UserPoolId=pool_id, CSS=".banner-customizable { background: #123456; }", ImageFile=PNG)
    idp.set_ui_customization(UserPoolId=pool_id, ClientId=client_ids[0], CSS=".submitButton-customizable { color: red; }")
    idp.set_risk_configuration(UserPoolId=pool_id, CompromisedCredentialsRiskConfiguration={"Actions": {"EventAction": "BLOCK"}})
    idp.create_managed_login_branding(
        UserPoolId=pool_id, ClientId=client_ids[0], Settings=BRANDING_SETTINGS,
        Assets=[{"Category": "PAGE_HEADER_LOGO", "ColorMode": "LIGHT", "Extension": "PNG", "Bytes": PNG},
                {"Category": "FORM_LOGO", "ColorMode": "DARK", "Extension": "PNG", "Bytes": PNG}])
    idp.create_managed_login_branding(UserPoolId=pool_id, ClientId=client_ids[2], UseCognitoProvidedValues=True)
    for name, links in TERMS_LINKS.items():
        idp.create_terms(UserPoolId=pool_id, ClientId=client_ids[0], TermsName=name, TermsSource="LINK",
                         Enforcement="NONE", Links=links)
    for group in GROUPS:
        idp.create_group(UserPoolId=pool_id, **group)
    for i in range(USERS):
        username = f"user{i:03}"
        idp.admin_create_user(UserPoolId=pool_id, Username=username, UserAttributes=user_attributes(i), MessageAction="SUPPRESS")
        if username in DISABLED:
            idp.admin_disable_user(UserPoolId=pool_id, Username=username)
        for group, every in (("admins", 10), ("editors", 3), ("viewers", 2)):
            if i % every == 0:
                idp.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)
    return pool_id


def back_up(server, pool_id: str, tmp_path: Path) -> Path:
    """Back the pool up with the binary and bring the object down to a file."""
    s3 = boto3_client(server.url, "s3", CREDS)
    s3.create_bucket(Bucket=BUCKET)
    boto3_client(server.url, "dynamodb", CREDS).create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "user_pool_id", "KeyType": "HASH"}, {"AttributeName": "backup_date", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "user_pool_id", "AttributeType": "S"},
                              {"AttributeName": "backup_date", "AttributeType": "S"}])
    record = json.loads(run(server, "backup", "--pool-id", pool_id, "--bucket", BUCKET, "--table", TABLE, "--json").stdout)
    key = record["backups"][0]["s3_key"]
    path = tmp_path / "backup.json"
    path.write_bytes(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    return path


def pool_count(idp) -> int:
    return len(idp.list_user_pools(MaxResults=60)["UserPools"])


def all_users(idp, pool_id: str) -> list[dict[str, Any]]:
    users, token = [], None
    while True:
        page = idp.list_users(UserPoolId=pool_id, **({"PaginationToken": token} if token else {}))
        users += page["Users"]
        token = page.get("PaginationToken")
        if not token:
            return users


def restore(server, backup: Path, *extra: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return run(server, "restore", "--source", str(backup), "--json", *extra, check=check)


@pytest.fixture
def source(server, idp, tmp_path) -> tuple[str, Path]:
    pool_id = build_rich_pool(idp)
    return pool_id, back_up(server, pool_id, tmp_path)


def test_restore_into_a_new_pool_passes_verify(server, idp, source):
    _, backup = source
    summary = json.loads(restore(server, backup, "--create-pool", "--pool-name", "restored",
                                 "--domain-prefix", "rich-restored").stdout)

    assert summary["complete"] and summary["created_pool"]
    assert summary["counts"]["users"]["created"] == USERS
    assert len(summary["app_clients"]) == 3
    assert summary["counts"]["managed_login_branding"]["created"] == 2
    assert summary["counts"]["terms"]["created"] == len(TERMS_LINKS)
    checks = run(server, "verify", "--source", str(backup), "--pool-id", summary["target_pool_id"])
    assert "FAIL" not in checks.stdout
    assert "PASS  managed login branding: 2 branding styles" in checks.stdout
    assert "PASS  terms: 2 terms" in checks.stdout
    new_users = {u["Username"]: u for u in all_users(idp, summary["target_pool_id"])}
    assert {name for name, user in new_users.items() if not user["Enabled"]} == DISABLED


def test_restore_puts_branding_and_terms_on_the_new_clients(server, idp, source):
    _, backup = source
    summary = json.loads(restore(server, backup, "--create-pool", "--domain-prefix", "rich-restored").stdout)

    target = summary["target_pool_id"]
    new_ids = {entry["name"]: entry["new_client_id"]
               for entry in json.loads(Path(summary["mapping_files"][0]).read_text())["app_clients"].values()}
    web = idp.describe_managed_login_branding_by_client(UserPoolId=target, ClientId=new_ids["web"])["ManagedLoginBranding"]
    assert web["Settings"] == BRANDING_SETTINGS and not web["UseCognitoProvidedValues"]
    assert sorted((a["Category"], a["ColorMode"], a["Bytes"]) for a in web["Assets"]) == \
        [("FORM_LOGO", "DARK", PNG), ("PAGE_HEADER_LOGO", "LIGHT", PNG)]
    mobile = idp.describe_managed_login_branding_by_client(UserPoolId=target, ClientId=new_ids["mobile"])["ManagedLoginBranding"]
    assert mobile["UseCognitoProvidedValues"]
    terms = [idp.describe_terms(UserPoolId=target, TermsId=t["TermsId"])["Terms"]
             for t in idp.list_terms(UserPoolId=target)["Terms"]]
    assert {t["TermsName"]: (t["ClientId"], t["Links"]) for t in terms} == \
        {name: (new_ids["web"], links) for name, links in TERMS_LINKS.items()}


def test_logo_that_cannot_be_downloaded_is_named_and_the_css_still_restored(server, idp, source):
    _, backup = source
    image_url = json.loads(backup.read_text())["ui_customization"]["pool"]["ImageUrl"]

    summary = json.loads(restore(server, backup, "--create-pool", "--domain-prefix", "rich-restored").stdout)

    assert summary["complete"]
    assert any(w.startswith("UI customization logo of the pool not restored") and image_url in w for w in summary["warnings"])
    restored = idp.get_ui_customization(UserPoolId=summary["target_pool_id"])["UICustomization"]
    assert restored["CSS"] == ".banner-customizable { background: #123456; }"
    assert "ImageUrl" not in restored


def test_mapping_file_gives_old_and_new_sub_of_every_user(server, idp, source):
    pool_id, backup = source
    summary = json.loads(restore(server, backup, "--create-pool").stdout)

    mapping = json.loads(Path(summary["mapping_files"][0]).read_text())
    old = {u["Username"]: next(a["Value"] for a in u["Attributes"] if a["Name"] == "sub") for u in all_users(idp, pool_id)}
    new = {u["Username"]: next(a["Value"] for a in u["Attributes"] if a["Name"] == "sub")
           for u in all_users(idp, summary["target_pool_id"])}
    assert {name: (entry["old_sub"], entry["new_sub"]) for name, entry in mapping["users"].items()} == \
        {name: (old[name], new[name]) for name in old}
    assert {entry["name"] for entry in mapping["app_clients"].values()} == {"web", "backend", "mobile"}


def test_second_restore_duplicates_nothing(server, idp, source):
    _, backup = source
    first = json.loads(restore(server, backup, "--create-pool", "--domain-prefix", "rich-restored").stdout)
    second = json.loads(restore(server, backup, "--create-pool", "--domain-prefix", "rich-restored").stdout)

    assert second["target_pool_id"] == first["target_pool_id"] and second["resumed"]
    assert pool_count(idp) == 2
    for component in ("users", "groups", "app_clients", "identity_providers", "resource_servers", "group_memberships",
                      "managed_login_branding", "terms"):
        assert second["counts"][component]["created"] == 0, component
    target = first["target_pool_id"]
    assert len(all_users(idp, target)) == USERS
    assert len(idp.list_user_pool_clients(UserPoolId=target, MaxResults=60)["UserPoolClients"]) == 3
    assert len(idp.list_groups(UserPoolId=target)["Groups"]) == len(GROUPS)
    assert len(idp.list_terms(UserPoolId=target)["Terms"]) == len(TERMS_LINKS)
    assert "FAIL" not in run(server, "verify", "--source", str(backup), "--pool-id", target).stdout


def test_killed_restore_resumes_to_completion(server, idp, source, tmp_path):
    _, backup = source
    env = {**os.environ, **CREDS, "AWS_ENDPOINT_URL": server.url, "AWS_REGION": "us-east-1",
           # Slow enough to be caught halfway; the rate is the only thing changed.
           "COGNITO_TPS_USERCREATION": "15"}
    mapping_file = tmp_path / "mapping.json"
    command = [BINARY, "restore", "--source", str(backup), "--create-pool", "--mapping-file", str(mapping_file), "--json"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        created = 0
        while time.monotonic() < deadline and created < 20:
            time.sleep(0.1)
            # The journal is written before the pool exists, and names it once it does.
            if mapping_file.exists() and (pool := json.loads(mapping_file.read_text())["target_pool_id"]):
                created = len(all_users(idp, pool))
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    target = json.loads(mapping_file.read_text())["target_pool_id"]
    interrupted_at = len(all_users(idp, target))
    assert 20 <= interrupted_at < USERS

    resumed = json.loads(run(server, "restore", "--source", str(backup), "--create-pool",
                             "--mapping-file", str(mapping_file), "--json").stdout)

    assert resumed["resumed"] and resumed["target_pool_id"] == target and resumed["complete"]
    assert resumed["counts"]["users"]["skipped"] >= interrupted_at
    assert resumed["counts"]["users"]["created"] + resumed["counts"]["users"]["skipped"] == USERS
    assert pool_count(idp) == 2
    assert len(all_users(idp, target)) == USERS
    assert json.loads(mapping_file.read_text())["complete"]
    verify = run(server, "verify", "--source", str(backup), "--pool-id", target, "--skip-triggers", check=False)
    assert "FAIL  users" not in verify.stdout and "FAIL  group memberships" not in verify.stdout


def assert_refused_before_writing(server, idp, result, expected: str, pools_before: int):
    assert result.returncode == 1, result.stderr
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert pool_count(idp) == pools_before


def test_truncated_backup_is_refused_before_anything_is_written(server, idp, source, tmp_path):
    _, backup = source
    truncated = tmp_path / "truncated.json"
    truncated.write_bytes(backup.read_bytes()[: backup.stat().st_size * 2 // 3])

    result = restore(server, truncated, "--create-pool", check=False)

    assert_refused_before_writing(server, idp, result, "truncated", pools_before=1)
    assert not (tmp_path / "truncated.restore-mapping.json").exists()


def test_corrupted_backup_is_refused_before_anything_is_written(server, idp, source, tmp_path):
    _, backup = source
    text = backup.read_text()
    middle = text.index('"Username"', len(text) // 2)
    corrupted = tmp_path / "corrupted.json"
    corrupted.write_text(text[:middle] + '"Username": tru, ' + text[middle:])

    result = restore(server, corrupted, "--create-pool", check=False)

    assert_refused_before_writing(server, idp, result, "unreadable backup (byte", pools_before=1)


def test_backup_of_a_newer_format_is_refused_before_anything_is_written(server, idp, source, tmp_path):
    _, backup = source
    document = json.loads(backup.read_text())
    document["format_version"] = 99
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(document))

    result = restore(server, newer, "--create-pool", check=False)

    assert_refused_before_writing(server, idp, result, "format version 99", pools_before=1)


def test_target_pool_missing_a_custom_attribute_is_refused_before_anything_is_written(server, idp, source):
    _, backup = source
    target = idp.create_user_pool(PoolName="target", Schema=[
        {"Name": "department", "AttributeDataType": "String", "Mutable": True}])["UserPool"]["Id"]

    result = restore(server, backup, "--target-pool-id", target, check=False)

    assert_refused_before_writing(server, idp, result, "custom:level", pools_before=2)
    assert all_users(idp, target) == []
    assert idp.list_groups(UserPoolId=target)["Groups"] == []
    assert idp.list_user_pool_clients(UserPoolId=target, MaxResults=60)["UserPoolClients"] == []


def test_restore_into_an_existing_pool_with_the_schema(server, idp, source):
    _, backup = source
    target = idp.create_user_pool(PoolName="target", Schema=[
        {"Name": "department", "AttributeDataType": "String", "Mutable": True},
        {"Name": "level", "AttributeDataType": "Number", "Mutable": True}])["UserPool"]["Id"]

    summary = json.loads(restore(server, backup, "--target-pool-id", target).stdout)

    assert summary["target_pool_id"] == target and not summary["created_pool"]
    assert len(all_users(idp, target)) == USERS
    assert {g["GroupName"] for g in idp.list_groups(UserPoolId=target)["Groups"]} == {g["GroupName"] for g in GROUPS}


def original_format(document: dict[str, Any]) -> dict[str, Any]:
    """The backup as the original Python function wrote it: no format_version, one domain and
    one UI customization, and dates as str(datetime)."""
    def python_date(value: Any) -> Any:
        if isinstance(value, (int, float)):
            return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(value)) + ".123000+00:00"
        return value

    def dates(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: python_date(v) if k.endswith("Date") else dates(v) for k, v in value.items()}
        if isinstance(value, list):
            return [dates(v) for v in value]
        return value

    return dates({
        "timestamp": document["timestamp"],
        "user_pool_id": document["user_pool_id"],
        "user_pool_config": document["user_pool_config"],
        "app_clients": document["app_clients"],
        "users": document["users"],
        "groups": document["groups"],
        "group_memberships": document["group_memberships"],
        "identity_providers": document["identity_providers"],
        "resource_servers": document["resource_servers"],
        "user_pool_domain": document["user_pool_domain"]["domain"],
        "ui_customization": document["ui_customization"]["pool"],
    })


def test_backup_of_the_original_python_function_restores(server, idp, source, tmp_path):
    _, backup = source
    legacy = tmp_path / "legacy.json"
    legacy.write_text(json.dumps(original_format(json.loads(backup.read_text()))))

    summary = json.loads(restore(server, legacy, "--create-pool", "--domain-prefix", "legacy-restored").stdout)

    assert summary["complete"] and summary["counts"]["users"]["created"] == USERS
    checks = run(server, "verify", "--source", str(legacy), "--pool-id", summary["target_pool_id"])
    assert "FAIL" not in checks.stdout


def test_restore_from_s3_writes_the_mapping_next_to_the_backup(server, idp, source):
    s3 = boto3_client(server.url, "s3", CREDS)
    key = next(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"])

    summary = json.loads(run(server, "restore", "--source", f"s3://{BUCKET}/{key}", "--create-pool", "--json").stdout)

    mapping_key = key.removesuffix(".json") + f".restore-{summary['target_pool_id']}.json"
    assert f"s3://{BUCKET}/{mapping_key}" in summary["mapping_files"]
    stored = json.loads(s3.get_object(Bucket=BUCKET, Key=mapping_key)["Body"].read())
    assert stored["complete"] and len(stored["users"]) == USERS
    Path(summary["mapping_files"][0]).unlink()


def test_verify_names_the_first_differences(server, idp, source):
    _, backup = source
    summary = json.loads(restore(server, backup, "--create-pool", "--domain-prefix", "rich-restored").stdout)
    target = summary["target_pool_id"]
    idp.admin_update_user_attributes(UserPoolId=target, Username="user001",
                                     UserAttributes=[{"Name": "given_name", "Value": "Changed"}])
    idp.admin_remove_user_from_group(UserPoolId=target, Username="user000", GroupName="admins")
    idp.delete_group(UserPoolId=target, GroupName="viewers")
    web = next(c["ClientId"] for c in idp.list_user_pool_clients(UserPoolId=target, MaxResults=60)["UserPoolClients"]
               if c["ClientName"] == "web")
    branding = idp.describe_managed_login_branding_by_client(UserPoolId=target, ClientId=web)["ManagedLoginBranding"]
    idp.delete_managed_login_branding(UserPoolId=target, ManagedLoginBrandingId=branding["ManagedLoginBrandingId"])

    result = run(server, "verify", "--source", str(backup), "--pool-id", target, "--json", check=False)

    assert result.returncode == 1
    checks = {c["check"]: c for c in json.loads(result.stdout)["checks"]}
    assert not checks["groups"]["passed"] and "viewers: missing" in checks["groups"]["differences"]
    assert any("user001: given_name is 'Jürgen' in the backup, 'Changed' in the pool" == d
               for d in checks["user attributes and enabled state"]["differences"])
    assert "admins: user000 missing" in checks["group memberships"]["differences"]
    assert [d.split(":")[0] for d in checks["managed login branding"]["differences"]] == ["app client web"]
    assert checks["users"]["passed"] and checks["app clients"]["passed"]


def test_forgot_password_mode_leaves_users_who_had_a_password_able_to_reset_it(server, idp, tmp_path):
    pool_id = idp.create_user_pool(PoolName="passwords", AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
    for name in ("ana", "bo", "cy"):
        idp.admin_create_user(UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}, {"Name": "email_verified", "Value": "true"}])
    for name in ("ana", "bo"):
        idp.admin_set_user_password(UserPoolId=pool_id, Username=name, Password="Original-Passw0rd!", Permanent=True)
    backup = back_up(server, pool_id, tmp_path)

    summary = json.loads(restore(server, backup, "--create-pool", "--passwords", "forgot-password").stdout)

    target = summary["target_pool_id"]
    statuses = {u["Username"]: u["UserStatus"] for u in all_users(idp, target)}
    assert statuses == {"ana": "CONFIRMED", "bo": "CONFIRMED", "cy": "FORCE_CHANGE_PASSWORD"}
    client = idp.create_user_pool_client(UserPoolId=target, ClientName="app")["UserPoolClient"]["ClientId"]
    delivery = idp.forgot_password(ClientId=client, Username="ana")["CodeDeliveryDetails"]
    assert delivery["DeliveryMedium"] == "EMAIL"
    assert any("Forgot password" in warning for warning in summary["warnings"])


@pytest.mark.parametrize("source,reason", [("s3://bucket-only", "not s3://bucket/key"), ("s3://", "not s3://bucket/key"),
                                           ("/no/such/backup.json", "no such readable file")])
@pytest.mark.parametrize("command", ["restore", "verify"])
def test_a_source_that_names_no_backup_is_a_configuration_error(server, idp, command, source, reason):
    pools_before = pool_count(idp)
    extra = ["--create-pool"] if command == "restore" else ["--pool-id", "us-east-1_Abc"]
    result = run(server, command, "--source", source, *extra, check=False)
    assert result.returncode == 2
    assert result.stderr.strip() == f"cognito-backup: --source {source}: {reason}"
    assert pool_count(idp) == pools_before
