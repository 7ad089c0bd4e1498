"""docs/backup-format.schema.json describes what the binary writes: real backups of a rich pool in
moto, plain and gzip, and their manifests validate; a backup broken in one place does not, and the
error names that place. docs/format.md's jq recipes print what the backup holds. (Checkpoints and a backup written across invocations are validated in
tests/test_continuation.py.)"""

from __future__ import annotations

import copy
import gzip
import json
import re
import subprocess

import pytest
from jsonschema import Draft202012Validator

from conftest import AWS
from support.backup_schema import BACKUP, MANIFEST, SCHEMA, SCHEMA_PATH, problems
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


# MARK: what version added each member: docs/format.md and the schema say the same

FORMAT_TEXT = (SCHEMA_PATH.parent / "format.md").read_text()
SINCE = re.compile(r"^(1|2)(?:, since \*?([^*(]+?)\*?)?(?: \(.*\))?$")


def revisions() -> set[str]:
    """The revisions of format 2 the page's Versions table names (its first column, in italics)."""
    table = FORMAT_TEXT.split("| revision of format 2 |", 1)[1].split("\n\n", 1)[0]
    return set(re.findall(r"^\| \*([^*]+)\* \|", table, re.M))


def page_since(heading: str) -> dict[str, str]:
    """Each member of the table under `heading` → its since (the last column)."""
    body = FORMAT_TEXT.split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in body.splitlines() if line.startswith("| `")]
    return {name: row.rstrip(" |").rsplit("|", 1)[1].strip() for row in rows for name in re.findall(r"`(\w+)`", row.split("|")[1])}


def schema_since(definition: dict) -> dict[str, str]:
    return {name: member["x-since"] for name, member in definition["properties"].items() if "x-since" in member}


def test_every_since_names_a_version_or_a_revision_the_page_lists():
    named = revisions()
    assert {"2", "whole or nothing", "UI logos", "tiers"} <= named, named
    found = []
    for where, values in (("the object", page_since("## The backup object")), ("the manifest", page_since("## The manifest")),
                          ("the checkpoint", page_since("## The checkpoint")),
                          ("the schema", {f"{d}.{k}": v for d in ("backupVersion2", "manifest", "checkpoint")
                                          for k, v in schema_since(SCHEMA["$defs"][d]).items()})):
        for member, since in values.items():
            match = SINCE.match(since)
            if not match or (match.group(2) and match.group(2) not in named):
                found.append(f"{where}: {member} since '{since}'")
    assert not found, "a since that is no version or named revision:\n" + "\n".join(found)


@pytest.mark.parametrize(("heading", "definition"), [("## The backup object", "backupVersion2"), ("## The manifest", "manifest")])
def test_the_page_and_the_schema_give_each_member_the_same_since(heading, definition):
    page = {member: SINCE.match(since).groups() for member, since in page_since(heading).items()}
    schema = {member: SINCE.match(since).groups() for member, since in schema_since(SCHEMA["$defs"][definition]).items()}
    disagree = {member: (page.get(member), schema[member]) for member in schema if page.get(member) != schema[member]}
    assert not disagree, f"docs/format.md '{heading}' and the schema's {definition} differ (page, schema): {disagree}"


# MARK: docs/format.md's jq recipes, run against the real backup

FORMAT_PAGE = SCHEMA_PATH.parent / "format.md"


def recipes() -> dict[str, str]:
    """Each recipe of the page's `## jq recipes` block: its comment → its command."""
    block = FORMAT_PAGE.read_text().split("## jq recipes", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    found, comment = {}, None
    for line in block.strip().splitlines():
        if line.startswith("# "):
            comment = line[2:].strip()
        elif line.strip():
            assert comment, f"a recipe without a comment saying what it answers: {line}"
            found[comment] = line.strip()
            comment = None
    return found


def expected_outputs(document: dict) -> dict[str, str]:
    """What each recipe must print for `document`, worked out here in Python."""
    people = document["users"] + document["users_found_in_groups"]
    email = lambda user: next((a["Value"] for a in user["Attributes"] if a["Name"] == "email"), "")  # noqa: E731
    [web] = [c for c in document["app_clients"] if c["ClientName"] == "web"]
    lines = lambda items: "".join(f"{item}\n" for item in items)  # noqa: E731
    return {
        "Every user's username": lines(u["Username"] for u in people),
        "Every user's username and email, tab-separated": lines(f"{u['Username']}\t{email(u)}" for u in people),
        "The disabled users": lines(u["Username"] for u in people if u["Enabled"] is False),
        "A user's groups": lines(g for g, names in document["group_memberships"].items() if "user001" in names),
        "Each group's member count": json.dumps({g: len(n) for g, n in document["group_memberships"].items()}),
        "A client's settings: the client, its UI customization, threat protection and managed login branding": json.dumps({
            "client": web, "ui_customization": document["ui_customization"]["clients"][web["ClientId"]],
            "risk_configuration": document["risk_configuration"]["clients"][web["ClientId"]],
            "managed_login_branding": document["managed_login_branding"][web["ClientId"]]}),
        "What the backup could not read, and why": lines(f"{w['component']}: {w['reason']}" for w in document["warnings"]),
    }


def test_every_jq_recipe_of_the_format_page_prints_what_the_backup_holds(backups, tmp_path):
    document, _ = backups["plain"]
    (tmp_path / "backup.json").write_text(json.dumps(document))
    expected = expected_outputs(document)
    documented = recipes()
    assert set(documented) == set(expected), f"recipes without a check: {sorted(set(documented) - set(expected))}; checks without a recipe: {sorted(set(expected) - set(documented))}"
    # The pool makes every recipe answer something: a disabled user, user001 in two groups, warnings.
    # The groups come in the order the backup read them, which the pool's listing decides.
    assert all(expected.values()) and sorted(expected["A user's groups"].split()) == ["group-00", "group-01"]
    for name, command in documented.items():
        run = subprocess.run(["sh", "-c", command], cwd=tmp_path, capture_output=True, text=True, timeout=30)
        assert run.returncode == 0, f"{name}: {command}\n{run.stderr}"
        output = run.stdout if not expected[name].startswith("{") else json.dumps(json.loads(run.stdout))
        assert output == expected[name], f"the recipe '{name}' printed:\n{run.stdout[:2000]}"
