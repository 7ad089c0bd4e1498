"""Fake AWS endpoint for cognito-backup benchmarks and tests: Cognito user pools (JSON 1.1) with
their user import jobs, S3 (path-style REST), DynamoDB (JSON 1.0) and the CloudWatch Logs the
import jobs write, on one loopback port. Stdlib only.

Cognito's per-account request-rate quotas are enforced, so a benchmark measures what the real
service would allow rather than what loopback allows. Signatures are not checked.

    from fake_aws import start
    fake = start(users=500, latency_ms=0); fake.url; fake.stats(); fake.stop()

Where each part lives:
    server.py         the HTTP server, dispatch by X-Amz-Target, FakeAWS and start()
    quotas.py         Cognito's request-rate quotas per category, and the token buckets
    cognito_pools.py  the synthetic pool under backup and the pools CreateUserPool makes
    cognito_api.py    Cognito's operations (op_<Name>), filters and pagination tokens
    import_jobs.py    Cognito's user import jobs, their pre-signed URLs and the modelled rate
    import_csv.py     the import CSV file's rules (shared with tests/support/import_jobs.py)
    logs.py           CloudWatch Logs: the import jobs' streams and FilterLogEvents
    dynamodb.py       DynamoDB's PutItem, GetItem, Query and Scan
    s3.py             S3's objects, versions and multipart uploads (bodies on disk)
    s3_requests.py    S3's REST requests and XML answers
    stats.py          the counts served as GET /stats
    errors.py         the JSON protocols' and S3's error shapes
bench/fake_cognito.py runs it as a process (see its --help).
"""
from .cognito_api import Cognito
from .cognito_pools import BENCH_POOL_ID
from .dynamodb import CATALOG_KEYS
from .import_jobs import IMPORT_RATE
from .quotas import CATEGORY, QUOTAS
from .s3 import MIN_PART_SIZE
from .server import FakeAWS, start

__all__ = ["BENCH_POOL_ID", "CATALOG_KEYS", "CATEGORY", "Cognito", "FakeAWS", "IMPORT_RATE", "MIN_PART_SIZE", "QUOTAS", "start"]
