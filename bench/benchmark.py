"""Backup (and restore) benchmark against the quota-faithful fake Cognito.

Runs the real binary under /usr/bin/time -v and reports users/s, wall time as a fraction of the
quota ceiling (the time Cognito's UserList quota of 30 requests/s needs for the calls made),
CPU seconds and peak RSS.

    python3 bench/benchmark.py --users 10000 --groups 20 --members-per-group 500
    python3 bench/benchmark.py --users 100000 --groups 20 --members-per-group 500
    python3 bench/benchmark.py --users 300000 --part-delay-s 3   # a slow S3
    python3 bench/benchmark.py --users 100000 --compression gzip
    python3 bench/benchmark.py --users 10000 --members-per-group 100 --restore
    python3 bench/benchmark.py --users 100000 --members-per-group 100 --diff
    python3 bench/benchmark.py --users 100000 --members-per-group 100 --verify
    python3 bench/benchmark.py --users 100000 --members-per-group 100 --restore --restore-tps 1000
    python3 bench/benchmark.py --users 1000000 --members-per-group 100 --restore --restore-tps 1000 --restore-stop-after-s 120
    python3 bench/benchmark.py --users 100000 --members-per-group 100 --restore --users-via import

A restore runs at Cognito's UserCreation quota (50/s: 5.5 hours for a million users).
--restore-tps raises the fake's UserCreation and UserUpdate quotas and the binary's documented
COGNITO_TPS_USERCREATION / COGNITO_TPS_USERUPDATE to match; --restore-stop-after-s interrupts
the restore (SIGINT: it saves its journal and exits) once its memory has reached its steady
state, for a pool too big to restore whole in a benchmark.

--users-via import restores the users by user import jobs, which the fake runs at --import-rate
users/s (a model: AWS publishes no rate; bench/fake_aws/import_jobs.py derives the default, 30/s,
from AWS's reference solution). Either way the restore's own count of the users it billed
(`billed_users`) and the plan's recovery time at Cognito's default quotas are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import tempfile
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
POOL = "us-east-1_BENCH0001"
IMPORT_ROLE = "arn:aws:iam::123456789012:role/cognito-backup-import"
USER_LIST_QUOTA = 30.0
USER_CREATION_QUOTA = 50.0
USER_UPDATE_QUOTA = 25.0


def start_fake(args) -> tuple[subprocess.Popen, str]:
    command = [sys.executable, str(ROOT / "bench/fake_cognito.py"), "--users", str(args.users), "--groups", str(args.groups),
               "--members-per-group", str(args.members_per_group), "--latency-ms", str(args.latency_ms),
               "--part-delay-s", str(args.part_delay_s)]
    if args.restore_tps:
        command += ["--create-tps", str(args.restore_tps), "--update-tps", str(args.restore_tps)]
    if args.import_rate:
        command += ["--import-rate", str(args.import_rate)]
    fake = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = fake.stdout.readline().strip()
    if not line.startswith("FAKE_URL="):
        fake.kill()
        raise SystemExit(f"fake Cognito did not start: {line!r}")
    return fake, line.split("=", 1)[1]


def timed(command: list[str], env: dict, interrupt_after_s: float | None = None) -> tuple[subprocess.CompletedProcess, dict]:
    """Runs `command` under /usr/bin/time -v; returns the run and its wall, CPU and peak RSS.
    With `interrupt_after_s`, the command is sent SIGINT then (time itself ignores it)."""
    with tempfile.NamedTemporaryFile("r") as report:
        timer = subprocess.Popen(["/usr/bin/time", "-v", "-o", report.name, *command], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            out, err = timer.communicate(timeout=interrupt_after_s)
        except subprocess.TimeoutExpired:
            children = pathlib.Path(f"/proc/{timer.pid}/task/{timer.pid}/children").read_text().split()
            for child in children:
                os.kill(int(child), signal.SIGINT)
            out, err = timer.communicate()
        run = subprocess.CompletedProcess(timer.args, timer.returncode, out, err)
        text = report.read()
    def field(name: str) -> str:
        return re.search(rf"{re.escape(name)}: (.+)", text).group(1).strip()
    wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")
    seconds = sum(float(part) * 60 ** i for i, part in enumerate(reversed(wall)))
    return run, {"wall_s": seconds, "cpu_s": float(field("User time (seconds)")) + float(field("System time (seconds)")),
                 "peak_rss_mb": int(field("Maximum resident set size (kbytes)")) / 1024}


def stats(url: str) -> dict:
    return json.load(urllib.request.urlopen(f"{url}/stats"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--members-per-group", type=int, default=500)
    parser.add_argument("--latency-ms", type=float, default=30)
    parser.add_argument("--part-delay-s", type=float, default=0.0, help="seconds added to every UploadPart: a slow S3")
    parser.add_argument("--compression", choices=["none", "gzip"], default="none", help="BACKUP_COMPRESSION for the backup")
    parser.add_argument("--restore", action="store_true", help="also restore the backup into a new pool and time it")
    parser.add_argument("--restore-tps", type=float, help="the UserCreation and UserUpdate rate of the restore and of the fake")
    parser.add_argument("--restore-again", action="store_true",
                        help="then restore the backup again into the pool restored (the peak RSS of a rerun, which lists every user there)")
    parser.add_argument("--users-via", choices=["create", "import"], default="create", help="how the restore puts the users in")
    parser.add_argument("--import-rate", type=float, help="users/s the fake's import jobs take (default: the fake's, 30)")
    parser.add_argument("--restore-stop-after-s", type=float, help="interrupt the restore after this long (peak RSS of a partial restore)")
    parser.add_argument("--diff", action="store_true",
                        help="then diff the backup against the live pool (pool:<id>): wall, CPU, peak RSS, share of the UserList ceiling")
    parser.add_argument("--verify", action="store_true",
                        help="then verify the live pool against its backup: wall, CPU, peak RSS, share of the UserList ceiling")
    parser.add_argument("--binary", default=os.environ.get("COGNITO_BACKUP_BIN", str(ROOT / ".build/release/cognito-backup")))
    args = parser.parse_args()

    fake, url = start_fake(args)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=url, AWS_REGION="us-east-1", AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
               AWS_EC2_METADATA_DISABLED="true")
    try:
        run, measured = timed([args.binary, "backup", "--pool-id", POOL, "--bucket", "bench", "--table", "bench",
                               "--compression", args.compression, "--json"], env)
        if run.returncode != 0:
            raise SystemExit(f"backup failed: {run.stdout}{run.stderr}")
        [record] = json.loads(run.stdout)["backups"]
        counts = stats(url)["requests"]
        list_calls = counts.get("cognito-idp:ListUsers", 0) + counts.get("cognito-idp:ListUsersInGroup", 0)
        ceiling_s = list_calls / USER_LIST_QUOTA
        print(f"backup of {record['user_count']} users, {record['group_count']} groups, {record['membership_count']} memberships "
              f"({record['size_bytes'] / 1e6:.1f} MB):")
        print(f"  wall {measured['wall_s']:.1f} s = {record['user_count'] / measured['wall_s']:.0f} users/s; "
              f"quota ceiling {ceiling_s:.1f} s for {list_calls} UserList calls -> {100 * ceiling_s / measured['wall_s']:.0f}% of the limit")
        print(f"  CPU {measured['cpu_s']:.2f} s = {1e6 * measured['cpu_s'] / record['user_count']:.1f} µs per user, "
              f"peak RSS {measured['peak_rss_mb']:.1f} MB, throttled {stats(url)['throttled']}")
        print(f"  stored {record['size_bytes'] / record['user_count']:.0f} bytes per user ({args.compression})")
        if args.diff:
            diff(args, url, env, record)
        if args.verify:
            verify(args, url, env, record)
        if args.restore:
            restore(args, url, env, record)
    finally:
        fake.terminate()
        fake.wait(10)


def diff(args, url: str, env: dict, record: dict) -> None:
    """The backup against the pool it was taken of, which has not changed: exit 0, every user read again."""
    before = stats(url)["requests"]
    run, measured = timed([args.binary, "diff", f"s3://bench/{record['s3_key']}", f"pool:{POOL}", "--summary"], env)
    if run.returncode != 0:
        raise SystemExit(f"diff exited {run.returncode}: {run.stdout}{run.stderr}")
    after = stats(url)["requests"]
    list_calls = sum(after.get(op, 0) - before.get(op, 0) for op in ("cognito-idp:ListUsers", "cognito-idp:ListUsersInGroup"))
    ceiling_s = list_calls / USER_LIST_QUOTA
    print(f"diff of the backup against the live pool ({record['user_count']} users): wall {measured['wall_s']:.1f} s, "
          f"quota ceiling {ceiling_s:.1f} s for {list_calls} UserList calls -> {100 * ceiling_s / measured['wall_s']:.0f}% of the limit; "
          f"CPU {measured['cpu_s']:.2f} s, peak RSS {measured['peak_rss_mb']:.1f} MB; {run.stdout.strip()}")


def verify(args, url: str, env: dict, record: dict) -> None:
    """The pool against its own backup, which it still matches: every check passes, every user read again."""
    before = stats(url)["requests"]
    run, measured = timed([args.binary, "verify", "--source", f"s3://bench/{record['s3_key']}", "--pool-id", POOL, "--json"], env)
    if run.returncode != 0:
        raise SystemExit(f"verify exited {run.returncode}: {run.stdout[-3000:]}{run.stderr[-2000:]}")
    checks = json.loads(run.stdout)["checks"]
    after = stats(url)["requests"]
    list_calls = sum(after.get(op, 0) - before.get(op, 0) for op in ("cognito-idp:ListUsers", "cognito-idp:ListUsersInGroup"))
    ceiling_s = list_calls / USER_LIST_QUOTA
    users = next(c["detail"] for c in checks if c["check"] == "users")
    print(f"verify of the live pool against its backup ({record['user_count']} users): wall {measured['wall_s']:.1f} s, "
          f"quota ceiling {ceiling_s:.1f} s for {list_calls} UserList calls -> {100 * ceiling_s / measured['wall_s']:.0f}% of the limit; "
          f"CPU {measured['cpu_s']:.2f} s, peak RSS {measured['peak_rss_mb']:.1f} MB; {len(checks)} checks passed ({users})")


def restore(args, url: str, env: dict, record: dict) -> None:
    source = f"s3://bench/{record['s3_key']}"
    creation_quota = args.restore_tps or USER_CREATION_QUOTA
    update_quota = args.restore_tps or USER_UPDATE_QUOTA
    if args.restore_tps:
        # The binary's share of the quota, as by default: the rest is the applications'.
        env = {**env, "COGNITO_TPS_USERCREATION": str(0.93 * args.restore_tps), "COGNITO_TPS_USERUPDATE": str(0.93 * args.restore_tps)}
    via = ["--users-via", "import", "--import-role-arn", IMPORT_ROLE] if args.users_via == "import" else []
    # The plan at Cognito's default quotas (no COGNITO_TPS_*): the recovery time a real account would see.
    quota_env = {k: v for k, v in env.items() if not k.startswith("COGNITO_TPS_")}
    planned = subprocess.run([args.binary, "restore", "--source", source, "--create-pool", "--pool-name", "bench-restored",
                              *via, "--plan", "--json"], env=quota_env, capture_output=True, text=True)
    if planned.returncode != 0:
        raise SystemExit(f"restore --plan failed: {planned.stdout}{planned.stderr}")
    plan = json.loads(planned.stdout)
    with tempfile.TemporaryDirectory() as scratch:
        run, measured = timed([args.binary, "restore", "--source", source, "--create-pool", "--pool-name", "bench-restored",
                               *via, "--mapping-file", f"{scratch}/mapping.json", "--json"], env, args.restore_stop_after_s)
    stopped = args.restore_stop_after_s is not None and "stopped by SIGINT" in run.stderr
    if run.returncode != 0 and not stopped:
        raise SystemExit(f"restore failed: {run.stderr}")
    after = stats(url)
    created = after["requests"].get("cognito-idp:AdminCreateUser", 0)
    added = after["requests"].get("cognito-idp:AdminAddUserToGroup", 0)
    summary = json.loads(run.stdout) if run.stdout.strip() else {}
    print(f"restore of {record['user_count']} users and {record['membership_count']} memberships via {args.users_via}"
          f"{f' (stopped by SIGINT after {args.restore_stop_after_s:.0f} s)' if stopped else ''}: wall {measured['wall_s']:.1f} s, "
          f"CPU {measured['cpu_s']:.2f} s, peak RSS {measured['peak_rss_mb']:.1f} MB")
    print(f"  billed users (the restore's billed_users): {summary.get('billed_users')}; imported: {summary.get('users_imported')}; "
          f"AdminCreateUser calls: {created}")
    for job in after.get("import_jobs", []):
        took = (job.get("CompletionDate") or 0) - (job.get("StartDate") or 0)
        print(f"  import job {job['JobId']}: {job['Status']}, {job['ImportedUsers']} imported, {job['SkippedUsers']} skipped, "
              f"{job['FailedUsers']} failed, {took:.1f} s from StartUserImportJob to the end (Pending included) = "
              f"{job['ImportedUsers'] / max(took, 1e-9):.1f} users/s")
    if created:
        window = after["categories"]["UserCreation"]
        creating_s = max(window["last"] - window["first"], 1e-9)
        print(f"  users: {created} AdminCreateUser in {creating_s:.1f} s = {created / creating_s:.1f}/s, "
              f"{100 * created / creating_s / creation_quota:.0f}% of the UserCreation quota ({creation_quota:.0f}/s)")
    creation = plan["calls"].get("UserCreation", {})
    print(f"  plan at Cognito's default quotas: recovery {plan['recovery_seconds']['at_least']} to {plan['recovery_seconds']['at_most']} s, "
          f"{creation.get('calls', 0)} UserCreation calls at {creation.get('rate', 0)}/s = {creation.get('seconds', 0)} s, "
          f"billed {plan['billed_users']} users")
    print(f"  memberships: {added} AdminAddUserToGroup at the UserUpdate quota ({update_quota:.0f}/s) need at least {added / update_quota:.0f} s")
    if args.restore_again and not stopped:
        with tempfile.TemporaryDirectory() as scratch:
            again, rerun = timed([args.binary, "restore", "--source", source, "--target-pool-id", json.loads(run.stdout)["target_pool_id"],
                                  "--mapping-file", f"{scratch}/mapping.json", "--json"], env)
        if again.returncode != 0:
            raise SystemExit(f"the second restore failed: {again.stderr}")
        print(f"restore again into the restored pool: wall {rerun['wall_s']:.1f} s, CPU {rerun['cpu_s']:.2f} s, "
              f"peak RSS {rerun['peak_rss_mb']:.1f} MB")


if __name__ == "__main__":
    main()
