"""Restoring part of a backup into the pool an incident left: `--only KIND` takes every item of
those kinds, `--group`, `--client`, `--provider` (and `--user`) the items they name; nothing else
is written, the plan counts what the run then does, and a rerun writes nothing. Each selection
keeps its own mapping file, so the whole restore's journal is never marked complete by a part."""

from __future__ import annotations

import json
import os

import pytest

from test_diff import DELETED, JOINED, LEFT, diff, incident  # noqa: F401 - the fixture
from test_restore import idp, run  # noqa: F401 - the fixture
from test_restore_plan import writes
from test_restore_repair import client_named, writes as checked_updates


# backend had no UI customization or threat protection of its own: Cognito answers a client with
# the pool's, so once the client is back the diff finds them back too, with nothing written.
INHERITED_BY_BACKEND = {("ui_customization", "removed", "backend"), ("risk_configuration", "removed", "backend")}


def changes(server, backup, pool_id: str) -> set[tuple[str, str, str]]:
    report = json.loads(diff(server, str(backup), f"pool:{pool_id}", "--json").stdout)
    return {(c["kind"], c["change"], c["name"]) for c in report["changes"]}


def selected_restore(server, backup, pool_id: str, *selection: str, check: bool = True):
    return run(server, "restore", "--source", str(backup), "--target-pool-id", pool_id, "--json", *selection, check=check)


def cognito_writes(server) -> list[str]:
    return sorted(writes(server.faults.recorded))


def counted(operations: list[str]) -> dict[str, int]:
    return {operation: operations.count(operation) for operation in sorted(set(operations))}


def restores_only(server, incident, selection: tuple[str, ...], mapping_name: str) -> tuple[set, set]:
    """Plans the selection (nothing written), runs it (the plan's writes, and the plan's counts),
    runs it again (nothing written); returns the diff's changes before and after."""
    pool_id, backup = incident
    before = changes(server, backup, pool_id)
    server.faults.recording = True

    planned = json.loads(selected_restore(server, backup, pool_id, *selection, "--plan").stdout)
    assert cognito_writes(server) == [], "a plan wrote"
    done = json.loads(selected_restore(server, backup, pool_id, *selection).stdout)
    assert done["complete"], done["failures"]
    assert counted(cognito_writes(server)) == planned["writes_by_operation"]
    assert done["counts"] == planned["counts"]
    checked_updates(server)  # every update it sent, against the API model

    server.faults.recorded.clear()
    again = json.loads(selected_restore(server, backup, pool_id, *selection).stdout)
    assert again["complete"] and again["resumed"] and cognito_writes(server) == [], "a rerun wrote"

    assert not backup.with_suffix(".restore-mapping.json").exists(), "the whole restore's journal was touched"
    assert backup.with_name(f"backup.{mapping_name}-restore-mapping.json").exists()
    server.faults.recording = False
    return before, changes(server, backup, pool_id)


def test_only_clients_with_revert_puts_back_the_deleted_and_changed_clients_and_nothing_else(server, idp, incident):
    pool_id, _ = incident
    before, after = restores_only(server, incident, ("--only", "clients", "--revert"), "only-clients")

    assert before - after == {("app_clients", "removed", "backend"), ("app_clients", "changed", "mobile")} | INHERITED_BY_BACKEND
    assert after <= before
    assert client_named(idp, pool_id, "mobile")["ExplicitAuthFlows"] == ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def test_a_group_comes_back_with_its_members_and_only_their_membership_in_it(server, incident):
    before, after = restores_only(server, incident, ("--group", "viewers"), "groups")

    in_viewers = {c for c in before if c[0] == "memberships" and c[2].endswith(" in viewers")}
    members_deleted = {("users", "removed", name) for name in DELETED if ("memberships", "removed", f"{name} in viewers") in in_viewers}
    assert members_deleted, "the incident deleted none of the group's members"
    assert before - after == {("groups", "removed", "viewers")} | in_viewers | members_deleted
    # The members created come back without their other groups.
    assert ("memberships", "removed", "user070 in admins") in after and after <= before


def test_one_client_comes_back_alone(server, incident):
    before, after = restores_only(server, incident, ("--client", "backend"), "clients")

    assert before - after == {("app_clients", "removed", "backend")} | INHERITED_BY_BACKEND and after <= before


def test_one_identity_provider_comes_back_alone(server, incident):
    before, after = restores_only(server, incident, ("--provider", "Partner"), "providers")

    assert before - after == {("identity_providers", "removed", "Partner")} and after <= before


def test_only_memberships_restores_those_of_users_the_target_has_in_groups_it_has(server, incident):
    before, after = restores_only(server, incident, ("--only", "memberships"), "only-memberships")

    deleted_users = set(DELETED)
    expected = {("memberships", "removed", f"{user} in {group}") for user, group in LEFT
                if user not in deleted_users and group != "viewers"}
    assert expected and before - after == expected and after <= before


def test_only_settings_with_revert_puts_back_the_password_policy_and_nothing_else(server, incident):
    before, after = restores_only(server, incident, ("--only", "settings", "--revert"), "only-settings")

    assert ("settings", "changed", "Policies.PasswordPolicy.MinimumLength") in before - after
    assert {c[0] for c in before - after} == {"settings"} and not {c for c in after if c[0] == "settings"}


def recustomize(idp, pool_id: str) -> None:
    """The pool's and web's UI customization changed, for a restore to put back: one equal to
    the backup's is not written."""
    idp.set_ui_customization(UserPoolId=pool_id, CSS=".banner-customizable { background: red; }")
    idp.set_ui_customization(UserPoolId=pool_id, ClientId=client_named(idp, pool_id, "web")["ClientId"],
                             CSS=".submitButton-customizable { color: blue; }")


def test_a_client_named_brings_its_own_ui_customization_and_not_the_pools(server, idp, incident):
    pool_id, backup = incident
    recustomize(idp, pool_id)
    server.faults.recording = True
    done = json.loads(selected_restore(server, backup, pool_id, "--client", "web", "--revert").stdout)

    assert done["complete"]
    [ui] = [json.loads(body) for operation, body in server.faults.recorded if operation == "SetUICustomization"]
    assert ui["ClientId"] == done["app_clients"][next(iter(done["app_clients"]))] and "submitButton" in ui["CSS"]
    assert cognito_writes(server) == ["SetUICustomization"]


def test_named_items_add_up(server, incident):
    pool_id, backup = incident
    before = changes(server, backup, pool_id)
    selected_restore(server, backup, pool_id, "--user", "user013", "--client", "backend", "--provider", "Partner")
    after = changes(server, backup, pool_id)

    assert before - after == {("users", "removed", "user013"), ("app_clients", "removed", "backend"),
                              ("identity_providers", "removed", "Partner")} | INHERITED_BY_BACKEND
    assert backup.with_name("backup.users-clients-providers-restore-mapping.json").exists()


@pytest.mark.parametrize("selection, message", [
    (("--only", "clients,widgets"), '--only: unknown kind "widgets"; the kinds are users, memberships, groups, clients, providers, '
                                    "resource-servers, settings, ui, risk, domain, logs, branding"),
    (("--only", "clients", "--group", "viewers"), "--only chooses kinds, --user, --users-file, --group, --client and --provider name items"),
    (("--only", "users", "--create-pool"), "go with --target-pool-id"),
    (("--client", "web", "--create-pool"), "go with --target-pool-id"),
    (("--only", "memberships", "--users-via", "import", "--import-role-arn", "arn:aws:iam::123456789012:role/import"),
     "--users-via import puts users in the pool, and this --only restores none"),
])
def test_a_selection_that_means_nothing_is_a_command_line_error(server, incident, selection, message):
    pool_id, backup = incident
    server.faults.recording = True
    target = () if "--create-pool" in selection else ("--target-pool-id", pool_id)
    result = run(server, "restore", "--source", str(backup), *target, *selection, check=False)

    assert result.returncode == 64 and message in result.stderr, result.stderr
    assert server.faults.recorded == []


@pytest.mark.parametrize("selection, message", [
    (("--group", "veiwers"), "the backup has no group veiwers (close: viewers)"),
    (("--client", "nope"), "the backup has no app client nope (it has: backend, mobile, web)"),
    (("--provider", "partner"), "the backup has no identity provider partner (close: Partner)"),
    (("--user", "user0133"), "the backup has no user user0133 (close: user013"),
    (("--user", "nobody"), "the backup has no user nobody (and none of a close name)"),
])
def test_a_name_the_backup_lacks_is_refused_naming_what_it_has(server, incident, selection, message):
    pool_id, backup = incident
    server.faults.recording = True
    result = selected_restore(server, backup, pool_id, *selection, check=False)

    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert writes(server.faults.recorded) == []


def test_an_unreadable_or_empty_users_file_is_refused_with_the_reason(server, incident, tmp_path):
    pool_id, backup = incident
    server.faults.recording = True
    missing = tmp_path / "absent.txt"
    locked = tmp_path / "locked.txt"
    locked.write_text("user013\n")
    locked.chmod(0)
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n")

    refusals = {path: selected_restore(server, backup, pool_id, "--users-file", str(path), check=False)
                for path in (missing, tmp_path, empty) + ((locked,) if os.geteuid() != 0 else ())}

    assert refusals[missing].returncode == 2 and f"--users-file {missing}: No such file or directory" in refusals[missing].stderr
    assert refusals[tmp_path].returncode == 2 and f"--users-file {tmp_path}: Is a directory" in refusals[tmp_path].stderr
    assert refusals[empty].returncode == 2 and f"--users-file {empty}: names no user" in refusals[empty].stderr
    if locked in refusals:
        assert refusals[locked].returncode == 2 and f"--users-file {locked}: Permission denied" in refusals[locked].stderr
    assert server.faults.recorded == []


def test_named_items_with_revert_put_back_only_themselves(server, idp, incident):
    pool_id, backup = incident
    for group in ("editors", "admins"):
        idp.update_group(UserPoolId=pool_id, GroupName=group, Description="edited by the incident")
    server.faults.recording = True
    selected_restore(server, backup, pool_id, "--group", "editors", "--client", "mobile", "--revert")

    updates = checked_updates(server)
    assert sorted((operation, request.get("GroupName") or request.get("ClientName")) for operation, request in updates) == [
        ("UpdateGroup", "editors"), ("UpdateUserPoolClient", "mobile")]
    assert idp.get_group(UserPoolId=pool_id, GroupName="admins")["Group"]["Description"] == "edited by the incident"
    assert set(cognito_writes(server)) == {"UpdateGroup", "UpdateUserPoolClient", "AdminCreateUser", "AdminAddUserToGroup"}


def test_only_ui_finds_the_clients_it_customizes_and_creates_none(server, idp, incident):
    pool_id, backup = incident
    recustomize(idp, pool_id)
    server.faults.recording = True
    planned = json.loads(selected_restore(server, backup, pool_id, "--only", "ui", "--revert", "--plan").stdout)
    done = json.loads(selected_restore(server, backup, pool_id, "--only", "ui", "--revert").stdout)

    # backend, which the incident deleted, is not created for it; the pool's and web's own are set.
    assert done["complete"] and cognito_writes(server) == ["SetUICustomization", "SetUICustomization"]
    assert planned["writes_by_operation"] == {"SetUICustomization": 2} and planned["counts"] == done["counts"]
    sent = [json.loads(body) for operation, body in server.faults.recorded if operation == "SetUICustomization"]
    assert sorted(request.get("ClientId", "the pool") for request in sent) == sorted(
        ["the pool", client_named(idp, pool_id, "web")["ClientId"]])
    assert "backend" not in {c["ClientName"] for c in idp.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]}


def test_only_users_with_revert_puts_back_the_users_and_not_their_groups(server, incident):
    before, after = restores_only(server, incident, ("--only", "users", "--revert"), "only-users")

    assert before - after == {c for c in before if c[0] == "users"} and after <= before
    assert ("memberships", "removed", "user002 in viewers") in after


def test_only_settings_without_revert_writes_nothing_and_says_why(server, incident):
    pool_id, backup = incident
    server.faults.recording = True
    result = selected_restore(server, backup, pool_id, "--only", "settings")

    assert "--only settings writes nothing without --revert" in result.stderr
    assert cognito_writes(server) == []
