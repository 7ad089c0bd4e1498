"""Cognito user import jobs, which moto 5.2.1 lacks, emulated on top of moto by AWS's rules
("Importing users into a user pool from a CSV file" and the cognito-idp API model).

- GetCSVHeader: the standard columns, then the pool's custom attributes.
- CreateUserImportJob: a job in ``Created`` with a pre-signed URL on this server, valid for
  ``settings.url_lifetime`` seconds (AWS: 15 minutes); an unused job goes ``Expired``.
- The PUT to that URL must carry ``x-amz-server-side-encryption: aws:kms`` and no SigV4
  ``Authorization`` (the URL is its own signature), as S3 would insist.
- StartUserImportJob: one active job (Pending, InProgress, Stopping) per account, else
  ``PreconditionNotMetException``. The job then runs in a thread of its own.
- The file and its lines: bench/fake_aws/import_csv.py, shared with the bench fake's jobs.
- Imported users are ``RESET_REQUIRED``; each line is logged to moto's CloudWatch Logs, group
  ``/aws/cognito/userpools/<pool id>/<pool name>``, stream ``<job id>/<job name>``, as
  ``[SUCCEEDED] Line Number N - ...`` (N counts the file's lines, the header being line 1).
"""

from __future__ import annotations

import secrets
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from moto.cognitoidp.exceptions import InvalidParameterException, ResourceNotFoundError
from moto.cognitoidp.models import CognitoIdpUser
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult
from moto.core.utils import utcnow

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from fake_aws import import_csv  # noqa: E402  (the CSV rules, one owner for both emulations)

UPLOAD_PATH = "/_cognito_user_import/"


@dataclass
class Settings:
    url_lifetime: float = 900.0
    """Seconds a job's pre-signed URL (and the job itself, unused) stays valid."""
    pending_seconds: float = 0.2
    """How long a started job stays Pending before it runs."""
    seconds_per_user: float = 0.0
    """How long each line takes, for tests that interrupt a running job."""


settings = Settings()


class PreconditionNotMetException(JsonRESTError):
    def __init__(self, message: str):
        super().__init__("PreconditionNotMetException", message)


@dataclass
class Job:
    account: str
    region: str
    pool_id: str
    name: str
    role_arn: str
    id: str = field(default_factory=lambda: "import-" + secrets.token_urlsafe(8)[:10])
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    created: float = field(default_factory=time.time)
    creation_date: Any = field(default_factory=utcnow)
    start_date: Any = None
    completion_date: Any = None
    status: str = "Created"
    file: bytes | None = None
    imported: int = 0
    skipped: int = 0
    failed: int = 0
    message: str | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    url: str = ""

    def expire_if_unused(self) -> None:
        if self.status == "Created" and time.time() > self.created + settings.url_lifetime:
            self.status, self.message, self.completion_date = "Expired", "The user import job has expired.", utcnow()

    def describe(self) -> dict[str, Any]:
        self.expire_if_unused()
        return import_csv.job_description(name=self.name, job_id=self.id, pool_id=self.pool_id, url=self.url,
                                          created=self.creation_date, status=self.status, role_arn=self.role_arn,
                                          imported=self.imported, skipped=self.skipped, failed=self.failed,
                                          started=self.start_date, completed=self.completion_date, message=self.message)


_jobs: dict[str, Job] = {}
"""Every job of every account, by id, in creation order."""
_lock = threading.Lock()
_uploads: list[dict[str, Any]] = []
"""Every PUT to a pre-signed URL: headers and outcome, for tests."""


def jobs(pool_id: str | None = None) -> list[Job]:
    with _lock:
        return [job for job in _jobs.values() if pool_id is None or job.pool_id == pool_id]


def uploads() -> list[dict[str, Any]]:
    with _lock:
        return list(_uploads)


def reset(account: str, region: str) -> None:
    with _lock:
        for job_id in [j for j, job in _jobs.items() if (job.account, job.region) == (account, region)]:
            _jobs[job_id].stop.set()
            del _jobs[job_id]
        _uploads.clear()
    global settings
    settings = Settings()


def csv_header(pool: Any) -> list[str]:
    return import_csv.csv_header([name for name, attribute in pool.schema_attributes.items()
                                  if attribute.custom and not attribute.developer_only])


class ImportJobResponses:
    """Methods copied onto moto's CognitoIdpResponse (see motoplus._install)."""

    def _job(self, pool_id: str, job_id: str) -> Job:
        self.backend.describe_user_pool(pool_id)
        job = _jobs.get(job_id)
        if job is None or job.pool_id != pool_id or job.account != self.current_account:
            raise ResourceNotFoundError(f"Import job {job_id} does not exist.")
        return job

    def get_csv_header(self) -> ActionResult:
        pool_id = self._get_param("UserPoolId")
        pool = self.backend.describe_user_pool(pool_id)
        return ActionResult({"UserPoolId": pool_id, "CSVHeader": csv_header(pool)})

    def create_user_import_job(self) -> ActionResult:
        pool_id = self._get_param("UserPoolId")
        self.backend.describe_user_pool(pool_id)
        name, role = self._get_param("JobName"), self._get_param("CloudWatchLogsRoleArn")
        if not name or not role:
            raise InvalidParameterException("JobName and CloudWatchLogsRoleArn are required.")
        job = Job(self.current_account, self.region, pool_id, name, role)
        job.url = (f"http://{self.headers.get('Host')}{UPLOAD_PATH}{job.id}?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                   f"&X-Amz-Expires={int(settings.url_lifetime)}&X-Amz-SignedHeaders=host%3Bx-amz-server-side-encryption"
                   f"&X-Amz-Signature={job.token}")
        with _lock:
            _jobs[job.id] = job
        return ActionResult({"UserImportJob": job.describe()})

    def describe_user_import_job(self) -> ActionResult:
        job = self._job(self._get_param("UserPoolId"), self._get_param("JobId"))
        return ActionResult({"UserImportJob": job.describe()})

    def list_user_import_jobs(self) -> ActionResult:
        pool_id = self._get_param("UserPoolId")
        self.backend.describe_user_pool(pool_id)
        limit = int(self._get_param("MaxResults") or 0)
        if not 1 <= limit <= 60:
            raise InvalidParameterException("MaxResults must be between 1 and 60.")
        mine = [job for job in jobs(pool_id) if job.account == self.current_account]
        start = int(self._get_param("PaginationToken") or 0)
        page = mine[start:start + limit]
        result: dict[str, Any] = {"UserImportJobs": [job.describe() for job in page]}
        if start + limit < len(mine):
            result["PaginationToken"] = str(start + limit)
        return ActionResult(result)

    def start_user_import_job(self) -> ActionResult:
        job = self._job(self._get_param("UserPoolId"), self._get_param("JobId"))
        with _lock:
            job.expire_if_unused()
            if job.status != "Created":
                raise InvalidParameterException(f"Import job {job.id} is {job.status}, not Created.")
            if any(other.account == job.account and other.status in ("Pending", "InProgress", "Stopping")
                   for other in _jobs.values()):
                raise PreconditionNotMetException("Another import job is already running for this account.")
            job.status, job.start_date = "Pending", utcnow()
        pool = self.backend.describe_user_pool(job.pool_id)
        threading.Thread(target=_run, args=(job, pool, self.current_account, self.region), daemon=True).start()
        return ActionResult({"UserImportJob": job.describe()})

    def stop_user_import_job(self) -> ActionResult:
        job = self._job(self._get_param("UserPoolId"), self._get_param("JobId"))
        with _lock:
            if job.status not in ("Pending", "InProgress"):
                raise InvalidParameterException(f"Import job {job.id} is {job.status}: only a Pending or InProgress job can be stopped.")
            job.status = "Stopping"
            job.stop.set()
        return ActionResult({"UserImportJob": job.describe()})


def _finish(job: Job, status: str, message: str) -> None:
    with _lock:
        if job.stop.is_set() and status != "Failed":
            status, message = "Stopped", "The Import Job was stopped by the developer."
        job.status, job.message, job.completion_date = status, message, utcnow()


def _run(job: Job, pool: Any, account: str, region: str) -> None:
    from moto.logs.models import logs_backends

    time.sleep(settings.pending_seconds)
    if job.stop.is_set():
        return _finish(job, "Stopped", "")
    with _lock:
        job.status = "InProgress"
    logs = logs_backends[account][region]
    group, stream = f"/aws/cognito/userpools/{pool.id}/{pool.name}", f"{job.id}/{job.name}"
    if group not in logs.groups:
        logs.create_log_group(group, {})
    logs.create_log_stream(group, stream)

    def log(outcome: str, line: int, text: str) -> None:
        logs.put_log_events(group, stream, [{"timestamp": int(time.time() * 1000), "message": import_csv.log_line(outcome, line, text)}])

    try:
        columns, lines = import_csv.read_file(job.file, csv_header(pool))
    except import_csv.FileRefused as refused:
        return _finish(job, "Failed", str(refused))
    auto_verified = pool.extended_config.get("AutoVerifiedAttributes") or []
    for number, line in enumerate(lines, start=import_csv.FIRST_ROW):
        if job.stop.is_set():
            break
        time.sleep(settings.seconds_per_user)
        try:
            row = import_csv.read_line(line, columns)
            if pool._get_user(row.username):
                job.skipped += 1
                log("SKIPPED", number, import_csv.SKIPPED)
                continue
            row.check_auto_verified(auto_verified)
        except import_csv.LineFailed as failed:
            job.failed += 1
            log("FAILED", number, str(failed))
            continue
        attributes = [{"Name": name, "Value": value} for name, value in row.attributes.items()]
        user = CognitoIdpUser(pool.id, row.username, None, "RESET_REQUIRED", attributes)
        pool.users[user.username] = user
        job.imported += 1
        log("SUCCEEDED", number, import_csv.SUCCEEDED)
    if job.stop.is_set():
        return _finish(job, "Stopped", "")
    return _finish(job, "Succeeded", "Import Job Completed Successfully.")


class ImportUploads:
    """WSGI middleware: the S3 side of a job's pre-signed URL."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith(UPLOAD_PATH):
            return self.app(environ, start_response)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        job = _jobs.get(path[len(UPLOAD_PATH):])
        query = parse_qs(environ.get("QUERY_STRING", ""))
        record = {"method": environ["REQUEST_METHOD"], "encryption": environ.get("HTTP_X_AMZ_SERVER_SIDE_ENCRYPTION"),
                  "authorization": environ.get("HTTP_AUTHORIZATION"), "bytes": len(body)}
        status, code, message = self._check(environ, job, query, record)
        record["status"] = status
        with _lock:
            _uploads.append(record)
        if status == 200:
            job.file = body
            start_response("200 OK", [("Content-Length", "0"), ("x-amz-server-side-encryption", "aws:kms")])
            return [b""]
        payload = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
                   f"<RequestId>IMPORTUPLOAD</RequestId></Error>").encode()
        start_response(f"{status} Refused", [("Content-Type", "application/xml"), ("Content-Length", str(len(payload))),
                                             ("x-amz-request-id", "IMPORTUPLOAD")])
        return [payload]

    @staticmethod
    def _check(environ, job: Job | None, query: dict, record: dict) -> tuple[int, str, str]:
        if environ["REQUEST_METHOD"] != "PUT":
            return 405, "MethodNotAllowed", "The specified method is not allowed against this resource."
        if job is None or query.get("X-Amz-Signature") != [job.token]:
            return 403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."
        if record["authorization"]:
            return 400, "InvalidArgument", "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter should be specified."
        if record["encryption"] != "aws:kms":
            return 403, "SignatureDoesNotMatch", "The URL was signed with x-amz-server-side-encryption: aws:kms."
        if time.time() > job.created + settings.url_lifetime:
            return 403, "AccessDenied", "Request has expired"
        if job.status != "Created":
            return 403, "AccessDenied", f"The import job is {job.status}."
        return 200, "", ""
