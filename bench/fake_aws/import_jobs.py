"""Cognito's user import jobs, with a modelled import rate. Mixed into `Cognito` (one `op_<Name>`
per operation, under its lock); the file's rules are import_csv.py's, shared with the tests' moto
emulation (tests/support/import_jobs.py).

- GetCSVHeader: the standard columns, then the pool's custom attributes.
- CreateUserImportJob: a job in ``Created`` with a pre-signed URL on this server's port, valid
  for `ImportModel.url_lifetime_s` (AWS: 15 minutes); an unused job goes ``Expired``.
- The PUT to that URL (served by `upload`) must carry ``x-amz-server-side-encryption: aws:kms``
  and no SigV4 ``Authorization``: the URL is its own signature, signed with that header.
- StartUserImportJob: one active job (Pending, InProgress, Stopping) per account, else
  ``PreconditionNotMetException``. StopUserImportJob: a Pending or InProgress job only.
- DescribeUserImportJob, ListUserImportJobs (MaxResults 1 to 60, PaginationToken).
- A started job stays ``Pending`` for `ImportModel.pending_s`, then takes `ImportModel.rate`
  users a second. Imported users are ``RESET_REQUIRED``; each line is logged (logs.py) to
  ``/aws/cognito/userpools/<pool id>/<pool name>``, stream ``<job id>/<job name>``.

The rate is a model: AWS publishes none. Its retired reference solution ("Cognito User Profiles
Export Reference Architecture", design considerations) restored 10,000 users without groups in
8.13 minutes and 100,000 in 56.31, through import jobs, and at 5 TPS instead of 10 in 8.32: the
time is the import job's, not the API calls'. The difference, 90,000 users in 48.18 minutes, is
31.1 users a second; the default rounds it down to 30.
"""
from __future__ import annotations

import re
import secrets
import threading
import time
from dataclasses import dataclass, field

from . import import_csv
from .account import ACCOUNT
from .errors import ApiError

UPLOAD_PATH = "/_cognito_user_import/"
IMPORT_RATE = 30.0
"""Users a second a running job takes, by default (the derivation is in the docstring)."""
_JOB_NAME = re.compile(r"[\w\s+=,.@-]{1,128}")
_ROLE_ARN = re.compile(r"arn:[\w+=/,.@-]+:[\w+=/,.@-]+:([\w+=/,.@-]*)?:[0-9]+:[\w+=/,.@-]+(:[\w+=/,.@-]+)?(:[\w+=/,.@-]+)?")
_ACTIVE = ("Pending", "InProgress", "Stopping")
_TICK_S = 0.05


@dataclass
class ImportModel:
    rate: float = IMPORT_RATE
    """Users a second a running job takes."""
    pending_s: float = 5.0
    """How long a started job stays Pending: AWS publishes no figure either; a few seconds."""
    url_lifetime_s: float = 900.0


@dataclass
class Job:
    pool_id: str
    name: str
    role_arn: str
    url: str = ""
    id: str = field(default_factory=lambda: "import-" + secrets.token_urlsafe(8)[:10].replace("_", "-"))
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    created: float = field(default_factory=time.time)
    started: float | None = None
    completed: float | None = None
    status: str = "Created"
    file: bytes | None = None
    imported: int = 0
    skipped: int = 0
    failed: int = 0
    message: str | None = None
    stop: threading.Event = field(default_factory=threading.Event)

    def expire_if_unused(self, lifetime_s: float) -> None:
        if self.status == "Created" and time.time() > self.created + lifetime_s:
            self.status, self.message, self.completed = "Expired", "The user import job has expired.", time.time()

    def describe(self) -> dict:
        return import_csv.job_description(name=self.name, job_id=self.id, pool_id=self.pool_id, url=self.url, created=self.created,
                                          status=self.status, role_arn=self.role_arn, imported=self.imported,
                                          skipped=self.skipped, failed=self.failed, started=self.started,
                                          completed=self.completed, message=self.message)


class ImportJobOps:
    """The operations, mixed into `Cognito`, which supplies `pools`, `_pool`, `_lock`, `logs`,
    `import_model` and `import_jobs` (every job by id, in creation order), and `upload_base`
    (this server's URL) once the server listens."""

    def _job(self, body: dict) -> Job:
        pool = self._pool(body)
        job = self.import_jobs.get(body.get("JobId"))
        if job is None or job.pool_id != pool.id:
            raise ApiError("ResourceNotFoundException", f"Import job {body.get('JobId')} does not exist.")
        job.expire_if_unused(self.import_model.url_lifetime_s)
        return job

    def csv_header(self, pool) -> list[str]:
        return import_csv.csv_header([entry["Name"] for entry in pool.schema
                                      if entry["Name"].startswith("custom:") and not entry.get("DeveloperOnlyAttribute")])

    def describe_import_jobs(self) -> list[dict]:
        """Every job, for /stats."""
        with self._lock:
            return [job.describe() for job in self.import_jobs.values()]

    def op_GetCSVHeader(self, body):
        pool = self._pool(body)
        return {"UserPoolId": pool.id, "CSVHeader": self.csv_header(pool)}

    def op_CreateUserImportJob(self, body):
        pool, name, role = self._pool(body), body.get("JobName") or "", body.get("CloudWatchLogsRoleArn") or ""
        if not _JOB_NAME.fullmatch(name):
            raise ApiError("InvalidParameterException", f"1 validation error detected: Value '{name}' at 'jobName' failed to "
                           r"satisfy constraint: Member must satisfy regular expression pattern: [\w\s+=,.@-]+")
        if not 20 <= len(role) <= 2048 or not _ROLE_ARN.fullmatch(role):
            raise ApiError("InvalidParameterException", f"1 validation error detected: Value '{role}' at "
                           "'cloudWatchLogsRoleArn' failed to satisfy constraint: Member must satisfy regular expression pattern")
        job = Job(pool.id, name, role)
        job.url = (f"{self.upload_base}{UPLOAD_PATH}{job.id}?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                   f"&X-Amz-Expires={int(self.import_model.url_lifetime_s)}"
                   f"&X-Amz-SignedHeaders=host%3Bx-amz-server-side-encryption&X-Amz-Signature={job.token}")
        self.import_jobs[job.id] = job
        return {"UserImportJob": job.describe()}

    def op_DescribeUserImportJob(self, body):
        return {"UserImportJob": self._job(body).describe()}

    def op_ListUserImportJobs(self, body):
        pool, limit = self._pool(body), body.get("MaxResults")
        if not isinstance(limit, int) or not 1 <= limit <= 60:
            raise ApiError("InvalidParameterException", f"1 validation error detected: Value '{limit}' at 'maxResults' "
                           "failed to satisfy constraint: Member must have value between 1 and 60")
        jobs = [job for job in self.import_jobs.values() if job.pool_id == pool.id]
        token = body.get("PaginationToken") or "0"
        if not token.isdigit() or int(token) > len(jobs):
            raise ApiError("InvalidParameterException", "Invalid pagination token.")
        start = int(token)
        for job in jobs:
            job.expire_if_unused(self.import_model.url_lifetime_s)
        result = {"UserImportJobs": [job.describe() for job in jobs[start:start + limit]]}
        if start + limit < len(jobs):
            result["PaginationToken"] = str(start + limit)
        return result

    def op_StartUserImportJob(self, body):
        job = self._job(body)
        if job.status != "Created":
            raise ApiError("InvalidParameterException", f"Import job {job.id} is {job.status}, not Created.")
        if any(other.status in _ACTIVE for other in self.import_jobs.values()):
            raise ApiError("PreconditionNotMetException", f"Another import job is already running for account {ACCOUNT}.")
        job.status, job.started = "Pending", time.time()
        threading.Thread(target=self._run_import, args=(job, self.pools[job.pool_id]), name=f"import {job.id}", daemon=True).start()
        return {"UserImportJob": job.describe()}

    def op_StopUserImportJob(self, body):
        job = self._job(body)
        if job.status not in ("Pending", "InProgress"):
            raise ApiError("InvalidParameterException",
                           f"Import job {job.id} is {job.status}: only a Pending or InProgress job can be stopped.")
        job.status = "Stopping"
        job.stop.set()
        return {"UserImportJob": job.describe()}

    # -- the S3 side of the pre-signed URL

    def upload(self, job_id: str, query: dict, headers, body: bytes) -> tuple[int, str, str]:
        """A PUT to a job's URL: (HTTP status, S3 error code, message); 200 keeps the file."""
        with self._lock:
            job = self.import_jobs.get(job_id)
            if job is None or query.get("X-Amz-Signature") != [job.token]:
                return 403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."
            if headers.get("Authorization"):
                return 400, "InvalidArgument", "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter should be specified."
            if headers.get("x-amz-server-side-encryption") != "aws:kms":
                return 403, "SignatureDoesNotMatch", "The URL was signed with x-amz-server-side-encryption: aws:kms."
            if time.time() > job.created + self.import_model.url_lifetime_s:
                return 403, "AccessDenied", "Request has expired"
            if job.status != "Created":
                return 403, "AccessDenied", f"The import job is {job.status}."
            job.file = body
            return 200, "", ""

    # -- the job itself, in a thread of its own

    def _finish(self, job: Job, status: str, message: str) -> None:
        with self._lock:
            if job.stop.is_set() and status != "Failed":
                status, message = "Stopped", "The Import Job was stopped by the developer."
            job.status, job.message, job.completed = status, message, time.time()

    def _run_import(self, job: Job, pool) -> None:
        model = self.import_model
        if job.stop.wait(model.pending_s):
            return self._finish(job, "Stopped", "")
        with self._lock:
            job.status = "InProgress"
            expected = self.csv_header(pool)
            auto_verified = pool.config.get("AutoVerifiedAttributes") or []
        stream = self.logs.stream(f"/aws/cognito/userpools/{pool.id}/{pool.name}", f"{job.id}/{job.name}")
        try:
            columns, lines = import_csv.read_file(job.file, expected)
        except import_csv.FileRefused as refused:
            return self._finish(job, "Failed", str(refused))
        began, done = time.monotonic(), 0
        while done < len(lines) and not job.stop.is_set():
            due = min(len(lines), int((time.monotonic() - began) * model.rate))
            with self._lock:
                for index in range(done, due):
                    number = index + import_csv.FIRST_ROW
                    stream.put(self._import_line(job, pool, lines[index], columns, auto_verified, number))
            done = max(done, due)
            if done < len(lines):
                # The next user is due (done + 1) / rate seconds from the start.
                job.stop.wait(max(began + (done + 1) / model.rate - time.monotonic(), _TICK_S))
        self._finish(job, "Succeeded", "Import Job Completed Successfully.")

    @staticmethod
    def _import_line(job: Job, pool, line: str, columns: list[str], auto_verified: list[str], number: int) -> str:
        """One line into the pool (under the lock); its log line."""
        try:
            row = import_csv.read_line(line, columns)
            if pool.get_user(row.username) is not None:
                job.skipped += 1
                return import_csv.log_line("SKIPPED", number, import_csv.SKIPPED)
            row.check_auto_verified(auto_verified)
            pool.create_user(row.username, [{"Name": name, "Value": value} for name, value in row.attributes.items()],
                             time.time(), status="RESET_REQUIRED")
        except import_csv.LineFailed as failed:
            job.failed += 1
            return import_csv.log_line("FAILED", number, str(failed))
        except ApiError as refused:
            job.failed += 1
            return import_csv.log_line("FAILED", number, refused.message)
        job.imported += 1
        return import_csv.log_line("SUCCEEDED", number, import_csv.SUCCEEDED)
