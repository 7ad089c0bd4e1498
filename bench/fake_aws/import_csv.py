"""The CSV file of a Cognito user import job, read by AWS's rules ("Importing users into a user
pool from a CSV file" and the cognito-idp API model). One owner of the rules for both emulations
of import jobs: the bench fake's (import_jobs.py) and the one on top of moto the tests use
(tests/support/import_jobs.py). Stdlib only, so the bench never needs moto.

- GetCSVHeader: the standard columns, then the pool's custom attributes (not developer-only).
- The file: UTF-8; a byte-order mark is kept as data, so the header's first column no longer
  matches and the job fails; the header must list every column of GetCSVHeader once, in any
  order; at most 500,000 users and 100,000,000 bytes.
- A line of more than 16,000 characters, with the wrong number of fields, without a username or
  a true/false ``cognito:mfa_enabled``, or with none of the pool's auto-verified attributes
  verified fails on its own (a username already there is the caller's ``SKIPPED``). Values are
  split at commas not escaped by a backslash, ``\\,`` reads as a comma, any other backslash and
  any double quote are data, and white space at either end is trimmed.
- Each line is logged as ``[OUTCOME] Line Number N - ...``, N counting the file's lines, the
  header being line 1.
"""
from __future__ import annotations

from dataclasses import dataclass

STANDARD_COLUMNS = [
    "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile", "picture",
    "website", "email", "email_verified", "gender", "birthdate", "zoneinfo", "locale", "phone_number",
    "phone_number_verified", "address", "updated_at", "cognito:mfa_enabled", "cognito:username",
]
MAX_ROWS = 500_000
MAX_BYTES = 100_000_000
MAX_ROW_CHARACTERS = 16_000
FIRST_ROW = 2
"""The line number of the file's first user: the header is line 1."""

SUCCEEDED = "The import succeeded."
SKIPPED = "The user already exists."


def csv_header(custom_attributes: list[str]) -> list[str]:
    """GetCSVHeader's columns for a pool whose custom attributes (``custom:...``) are these."""
    return STANDARD_COLUMNS + custom_attributes


class FileRefused(Exception):
    """The whole file fails: the job ends ``Failed`` with this message."""


class LineFailed(Exception):
    """One line fails: ``[FAILED]`` with this message, the job goes on."""


@dataclass
class Row:
    username: str
    attributes: dict[str, str]
    """Every column with a value, but ``cognito:username`` and ``cognito:mfa_enabled``."""

    def check_auto_verified(self, auto_verified: list[str]) -> None:
        """Cognito fails the line of a user none of whose auto-verified attributes is verified."""
        if not any(self.attributes.get(f"{name}_verified") == "true" and self.attributes.get(name) for name in auto_verified):
            raise LineFailed(f"User {self.username} does not set any of the auto verified attributes to true.")


def log_line(outcome: str, number: int, text: str) -> str:
    return f"[{outcome}] Line Number {number} - {text}"


def read_file(data: bytes | None, expected: list[str]) -> tuple[list[str], list[str]]:
    """The file's columns and its user lines, or FileRefused."""
    if data is None:
        raise FileRefused("The CSV file was not uploaded.")
    if len(data) > MAX_BYTES:
        raise FileRefused(f"The CSV file is larger than {MAX_BYTES} bytes.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise FileRefused("The CSV file is not UTF-8.") from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    if not lines:
        raise FileRefused("The CSV file is empty.")
    columns = lines[0].split(",")
    if sorted(columns) != sorted(expected):
        missing = sorted(set(expected) - set(columns))
        extra = sorted(set(columns) - set(expected))
        raise FileRefused(f"The CSV header does not match the user pool's: missing {missing}, unexpected {extra}.")
    if len(lines) - 1 > MAX_ROWS:
        raise FileRefused(f"The CSV file has more than {MAX_ROWS} users.")
    return columns, lines[1:]


def read_line(line: str, columns: list[str]) -> Row:
    """One user line, or LineFailed."""
    if len(line.encode("utf-16-le")) // 2 > MAX_ROW_CHARACTERS:
        raise LineFailed(f"The line is longer than {MAX_ROW_CHARACTERS} characters.")
    values = split_fields(line)
    if len(values) != len(columns):
        raise LineFailed(f"The line has {len(values)} values for {len(columns)} columns.")
    row = {column: value.strip() for column, value in zip(columns, values)}
    username = row.pop("cognito:username")
    mfa = row.pop("cognito:mfa_enabled")
    if not username or mfa not in ("true", "false"):
        raise LineFailed("cognito:username and cognito:mfa_enabled (true or false) are required.")
    return Row(username, {name: value for name, value in row.items() if value})


def split_fields(line: str) -> list[str]:
    """The line's values: split at commas a backslash does not escape; ``\\,`` is a comma."""
    fields, current, i = [], [], 0
    while i < len(line):
        if line[i] == "\\" and i + 1 < len(line) and line[i + 1] == ",":
            current.append(",")
            i += 2
            continue
        if line[i] == ",":
            fields.append("".join(current))
            current = []
        else:
            current.append(line[i])
        i += 1
    fields.append("".join(current))
    return fields


def job_description(*, name: str, job_id: str, pool_id: str, url: str, created, status: str, role_arn: str,
                    imported: int, skipped: int, failed: int, started=None, completed=None, message: str | None = None) -> dict:
    """A job as DescribeUserImportJob and ListUserImportJobs answer it (UserImportJobType):
    dates and the completion message only once the job has them."""
    job = {"JobName": name, "JobId": job_id, "UserPoolId": pool_id, "PreSignedUrl": url, "CreationDate": created,
           "Status": status, "CloudWatchLogsRoleArn": role_arn,
           "ImportedUsers": imported, "SkippedUsers": skipped, "FailedUsers": failed}
    for key, value in (("StartDate", started), ("CompletionDate", completed), ("CompletionMessage", message)):
        if value:
            job[key] = value
    return job
