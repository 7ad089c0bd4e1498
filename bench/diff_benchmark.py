"""diff benchmark: two synthetic backups of N users each (the second with 1 % of users edited,
0.1 % deleted and added, 1 % of memberships moved), diffed by the binary under /usr/bin/time -v.

    python3 bench/diff_benchmark.py --users 1000000 --binary .build/release/cognito-backup

Prints wall time, CPU seconds and peak RSS, and checks the counts the diff reports.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile

GROUPS = 20


def write_backup(path: str, users: int, changed: bool) -> None:
    with open(path, "w") as out:
        out.write('{"format_version":2,"timestamp":"2026-12-07T00:00:00Z","user_pool_id":"us-east-1_bench",'
                  '"user_pool_config":{"Id":"us-east-1_bench","Name":"bench","Policies":{"PasswordPolicy":{"MinimumLength":%d}}},'
                  '"app_clients":[],"identity_providers":[],"resource_servers":[],' % (8 if changed else 12))
        out.write('"groups":[%s],' % ",".join(json.dumps({"GroupName": f"group-{g:02}"}) for g in range(GROUPS)))
        out.write('"users":[')
        first = True
        for i in range(users):
            if changed and i % 1000 == 7:
                continue  # deleted
            email = f"user{i:07}@example.com" if not (changed and i % 100 == 3) else f"edited{i:07}@example.com"
            user = {"Username": f"user{i:07}", "Enabled": True, "UserStatus": "CONFIRMED",
                    "Attributes": [{"Name": "sub", "Value": f"{i:08x}-0000-4000-8000-{'1' if changed else '0'}{i:011x}"},
                                   {"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"},
                                   {"Name": "name", "Value": f"User Number {i}"}]}
            out.write(("" if first else ",") + json.dumps(user, separators=(",", ":")))
            first = False
        if changed:
            for i in range(users // 1000):
                out.write("," + json.dumps({"Username": f"newcomer{i:06}", "Enabled": True, "UserStatus": "CONFIRMED",
                                            "Attributes": [{"Name": "email", "Value": f"new{i}@example.com"}]}))
        out.write('],"group_memberships":{')
        for g in range(GROUPS):
            members = [f"user{i:07}" for i in range(g, users, GROUPS)
                       if not (changed and (i % 1000 == 7 or i % 100 == 11))]
            out.write(("," if g else "") + json.dumps(f"group-{g:02}") + ":" + json.dumps(members))
        out.write("}}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--binary", default=".build/release/cognito-backup")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        old, new = f"{scratch}/old.json", f"{scratch}/new.json"
        write_backup(old, args.users, changed=False)
        write_backup(new, args.users, changed=True)
        run = subprocess.run(["/usr/bin/time", "-v", args.binary, "diff", old, new, "--summary", "--json"],
                             capture_output=True, text=True, env={**os.environ, "TMPDIR": scratch})
        if run.returncode != 1:
            raise SystemExit(f"diff exited {run.returncode}: {run.stderr[-2000:]}")
        fields = dict(line.strip().rsplit(": ", 1) for line in run.stderr.splitlines() if ": " in line)
        summary = json.loads(run.stdout)["summary"]
        deleted = len(range(7, args.users, 1000))
        assert summary["users"] == {"added": args.users // 1000, "removed": deleted,
                                    "changed": len(range(3, args.users, 100))}, summary
        cpu = float(fields["User time (seconds)"]) + float(fields["System time (seconds)"])
        print(f"diff of two {args.users:,}-user backups ({os.path.getsize(old) / 1e6:.0f} MB, {os.path.getsize(new) / 1e6:.0f} MB): "
              f"wall {fields['Elapsed (wall clock) time (h:mm:ss or m:ss)']}, CPU {cpu:.1f} s, "
              f"peak RSS {int(fields['Maximum resident set size (kbytes)']) / 1024:.0f} MB; summary {json.dumps(summary)}")


if __name__ == "__main__":
    main()
