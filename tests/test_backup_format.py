"""docs/backup-format.schema.json describes what the binary writes: real backups of a rich pool in
moto, plain and gzip, and their manifests validate; a backup broken in one place does not, and the
error names that place. (Checkpoints and a backup written across invocations are validated in
tests/test_continuation.py.)"""

from __future__ import annotations

import copy
import gzip
import json

import pytest
from jsonschema import Draft202012Validator

from conftest import AWS
from support.backup_schema import BACKUP, MANIFEST, SCHEMA, problems
from support.pools import rich_pool

BUCKET, TABLE = "backups", "cognito-backup-metadata-test"


@pytest.fixture(scope="module")
def backups(moto, tmp_path_factory):
    """One rich pool backed up twice: plain with every user's MFA preferences read, and gzip.
    Returns {"plain" | "gzip": (object, manifest)} as stored in S3."""
    moto.relax_auth()
    moto.reset()
    aws = AWS(moto, tmp_path_factory.mktemp("format"))
    pool = rich_pool(aws.client("cognito-idp"), users=70, groups=3, big_group_members=62)
    aws.make_storage(BUCKET, TABLE)
    stored = {}
    for name, extra in (("plain", ["--user-mfa", "on"]), ("gzip", ["--compression", "gzip"])):
        run = aws.run("backup", "--pool-id", pool, "--bucket", BUCKET, "--table", TABLE, "--json", *extra)
        assert run.returncode == 0, run.stderr
        [record] = json.loads(run.stdout)["backups"]
        s3 = aws.client("s3")
        body = s3.get_object(Bucket=BUCKET, Key=record["s3_key"])["Body"].read()
        document = json.loads(gzip.decompress(body) if name == "gzip" else body)
        stored[name] = (document, aws.manifest(record["s3_key"], BUCKET))
    yield stored
    moto.reset()


def test_the_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("form", ["plain", "gzip"])
def test_a_real_backup_and_its_manifest_match_the_schema(backups, form):
    document, manifest = backups[form]
    assert len(document["users"]) == 70 and len(document["group_memberships"]["group-00"]) == 62
    assert problems(BACKUP, document) == []
    assert problems(MANIFEST, manifest) == []
    assert manifest["s3_key"].endswith(".json.gz" if form == "gzip" else ".json")


def test_every_member_the_binary_writes_is_one_the_schema_names(backups):
    # The top level is closed: a member added to the format without the schema fails here.
    document, _ = backups["plain"]
    named = set(SCHEMA["$defs"]["backupVersion2"]["properties"])
    assert set(document) <= named, f"not in the schema: {sorted(set(document) - named)}"
    assert set(SCHEMA["$defs"]["backupVersion2"]["required"]) <= set(document)


def broken(document: dict, change) -> dict:
    copied = copy.deepcopy(document)
    change(copied)
    return copied


def test_a_user_without_a_username_is_rejected_at_that_user(backups):
    document, _ = backups["plain"]
    found = problems(BACKUP, broken(document, lambda d: d["users"][3].pop("Username")))
    assert found == ["users/3: 'Username' is a required property"]


@pytest.mark.parametrize(("change", "where"), [
    (lambda d: d["users"][0].__setitem__("Enabled", "false"), "users/0/Enabled"),
    (lambda d: d.__setitem__("users", {"user000": {}}), "users"),
    (lambda d: d["group_memberships"].__setitem__("group-00", "user000"), "group_memberships/group-00"),
    (lambda d: d.__setitem__("format_version", "2"), "format_version"),
    (lambda d: d.__setitem__("read_window", {"started": "yesterday", "finished": "2026-12-01T00:00:00Z"}), "read_window/started"),
    (lambda d: d.pop("user_pool_config"), "(root)"),
    (lambda d: d.__setitem__("extra_member", []), "(root)"),
])
def test_a_member_of_the_wrong_type_or_a_missing_or_unknown_member_is_rejected_there(backups, change, where):
    document, _ = backups["plain"]
    found = problems(BACKUP, broken(document, change))
    assert found and all(p.startswith(f"{where}:") for p in found), found


def test_a_manifest_with_a_malformed_digest_or_a_missing_count_is_rejected(backups):
    _, manifest = backups["plain"]
    assert problems(MANIFEST, broken(manifest, lambda m: m.__setitem__("sha256", "ABC")))[0].startswith("sha256:")
    assert problems(MANIFEST, broken(manifest, lambda m: m.pop("user_count"))) == ["(root): 'user_count' is a required property"]


def test_a_backup_in_the_original_python_layout_is_version_1(backups):
    document, _ = backups["plain"]
    legacy = {k: document[k] for k in ("timestamp", "user_pool_id", "user_pool_config", "app_clients", "users", "groups",
                                       "group_memberships", "identity_providers", "resource_servers")}
    legacy |= {"user_pool_domain": document["user_pool_domain"]["domain"], "ui_customization": document["ui_customization"]["pool"]}
    assert problems(BACKUP, legacy) == []
    assert problems(BACKUP, broken(legacy, lambda d: d.pop("users"))) == ["(root): 'users' is a required property"]
