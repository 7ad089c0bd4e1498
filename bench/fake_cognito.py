#!/usr/bin/env python3
"""Fake AWS endpoint for cognito-backup benchmarks: Cognito user pools (JSON 1.1),
S3 (path-style REST) and DynamoDB (JSON 1.0) on one loopback port.

Cognito's per-account request-rate quotas are enforced, so a benchmark measures what
the real service would allow rather than what loopback allows. Signatures are not
checked. Stdlib only.

    python3 bench/fake_cognito.py --users 10000 --groups 20 --members-per-group 500
        prints FAKE_URL=http://127.0.0.1:PORT, serves until SIGTERM/SIGINT, then
        writes the final /stats JSON to stderr.

The fake itself is the package bench/fake_aws/ (its __init__ says where each part lives):
    from fake_aws import start
    fake = start(users=500, latency_ms=0); fake.url; fake.stats(); fake.stop()
"""
from __future__ import annotations

import argparse
import json
import signal
import sys

from fake_aws import CATALOG_KEYS, IMPORT_RATE, QUOTAS, start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--members-per-group", type=int, default=500)
    parser.add_argument("--latency-ms", type=float, default=30.0, help="±30%% jitter")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, default=0)
    for flag, category in (("list", "UserList"), ("create", "UserCreation"),
                           ("update", "UserUpdate"), ("read", "UserRead")):
        parser.add_argument(f"--{flag}-tps", type=float, dest=category,
                            help=f"{category} quota (default {QUOTAS[category]})")
    parser.add_argument("--ddb-key", action="append", default=[], metavar="TABLE=HASH[,RANGE]",
                        help="DynamoDB key schema of a table (default %s)" % ",".join(CATALOG_KEYS))
    parser.add_argument("--part-delay-s", type=float, default=0.0,
                        help="seconds added to every UploadPart: a slow S3")
    parser.add_argument("--import-rate", type=float, default=IMPORT_RATE,
                        help="users/s a user import job takes (AWS publishes no rate; default %(default)s, "
                             "derived in fake_aws/import_jobs.py)")
    parser.add_argument("--import-pending-s", type=float, help="seconds a started import job stays Pending (default 5)")
    parser.add_argument("--max-runtime-s", type=float, default=4 * 3600,
                        help="exit after this long even without a signal")
    args = parser.parse_args(argv)
    ddb_keys = {}
    for spec in args.ddb_key:
        table, _, key_names = spec.partition("=")
        hash_name, _, range_name = key_names.partition(",")
        ddb_keys[table] = (hash_name, range_name or None)
    # Block the signals before any thread starts so all inherit the mask and only
    # sigtimedwait below receives them.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    fake = start(users=args.users, groups=args.groups, members_per_group=args.members_per_group,
                 latency_ms=args.latency_ms, seed=args.seed, port=args.port, ddb_keys=ddb_keys,
                 part_delay_s=args.part_delay_s, import_rate=args.import_rate, import_pending_s=args.import_pending_s,
                 quotas={c: getattr(args, c) for c in QUOTAS if getattr(args, c, None)})
    print(f"FAKE_URL={fake.url}", flush=True)
    try:
        signal.sigtimedwait({signal.SIGINT, signal.SIGTERM}, args.max_runtime_s)
    finally:
        print(json.dumps(fake.stats()), file=sys.stderr, flush=True)
        fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
