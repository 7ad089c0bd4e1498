"""S3's bookkeeping: objects, versions and multipart uploads (bodies are files on disk), and
which S3 operation a REST request is."""
from __future__ import annotations

import os
import secrets
import threading
import time
import uuid

from .errors import S3Error

MIN_PART_SIZE = 5 * 1024 * 1024  # S3 rejects smaller non-final multipart parts
COPY_CHUNK = 1024 * 1024


class S3:
    """Object and multipart-upload bookkeeping. Bodies live as files under `root`, one
    per object version or part, so a 60 MB backup costs disk, not memory."""

    def __init__(self, root: str):
        self.root = root
        self._objects: dict[tuple[str, str], dict] = {}
        self._uploads: dict[str, dict] = {}
        self._lock = threading.Lock()

    def new_path(self) -> str:
        return os.path.join(self.root, uuid.uuid4().hex)

    def commit(self, bucket: str, key: str, path: str, size: int, etag: str,
               headers: dict) -> str:
        version = secrets.token_urlsafe(24)
        with self._lock:
            old = self._objects.get((bucket, key))
            self._objects[(bucket, key)] = {"path": path, "size": size, "etag": etag,
                                            "version": version, "headers": headers,
                                            "modified": time.time()}
        if old:
            os.unlink(old["path"])  # a reader holding it open keeps its inode
        return version

    def keys(self, bucket: str, prefix: str) -> list[tuple[str, int]]:
        with self._lock:
            return sorted((k, o["size"]) for (b, k), o in self._objects.items() if b == bucket and k.startswith(prefix))

    def open(self, bucket: str, key: str):
        with self._lock:
            meta = self._objects.get((bucket, key))
            if meta is None:
                raise S3Error(404, "NoSuchKey", "The specified key does not exist.")
            return meta, open(meta["path"], "rb")

    def create_upload(self, bucket: str, key: str, headers: dict) -> str:
        upload_id = secrets.token_urlsafe(48)
        with self._lock:
            self._uploads[upload_id] = {"bucket": bucket, "key": key, "headers": headers,
                                        "parts": {}}
        return upload_id

    def _upload(self, upload_id: str) -> dict:
        upload = self._uploads.get(upload_id)
        if upload is None:
            raise S3Error(404, "NoSuchUpload", "The specified upload does not exist.")
        return upload

    def check_upload(self, upload_id: str) -> None:
        with self._lock:
            self._upload(upload_id)

    def add_part(self, upload_id: str, number: int, path: str, size: int, md5: str) -> None:
        with self._lock:
            try:
                parts = self._upload(upload_id)["parts"]
            except S3Error:
                os.unlink(path)  # aborted while the part was streaming in
                raise
            old = parts.get(number)
            parts[number] = (path, size, md5)
        if old:
            os.unlink(old[0])

    def plan_complete(self, upload_id: str, requested: list[tuple[int, str]]) -> dict:
        """Validates the part list as S3 does and returns what to concatenate."""
        with self._lock:
            upload = self._upload(upload_id)
            parts = upload["parts"]
            numbers = [n for n, _ in requested]
            if numbers != sorted(set(numbers)):
                raise S3Error(400, "InvalidPartOrder",
                              "The list of parts was not in ascending order.")
            for n, etag in requested:
                if n not in parts or parts[n][2] != etag.strip('"'):
                    raise S3Error(400, "InvalidPart",
                                  f"Part {n} was not found or its ETag differs.")
            if any(parts[n][1] < MIN_PART_SIZE for n in numbers[:-1]):
                raise S3Error(400, "EntityTooSmall",
                              "Your proposed upload is smaller than the minimum allowed size")
            return {**upload, "chosen": [parts[n] for n in numbers]}

    def finish_upload(self, upload_id: str) -> None:
        with self._lock:
            upload = self._uploads.pop(upload_id, None)
        for path, _, _ in (upload or {"parts": {}})["parts"].values():
            os.unlink(path)

    def abort(self, upload_id: str) -> None:
        self.check_upload(upload_id)
        self.finish_upload(upload_id)

    def open_uploads(self, bucket: str, prefix: str) -> list[tuple[str, str]]:
        with self._lock:
            return [(u, up["key"]) for u, up in self._uploads.items() if up["bucket"] == bucket and up["key"].startswith(prefix)]

    def delete(self, bucket: str, key: str) -> None:
        with self._lock:
            old = self._objects.pop((bucket, key), None)
        if old:
            os.unlink(old["path"])

    def usage(self) -> dict:
        with self._lock:
            return {"objects": len(self._objects),
                    "bytes": sum(o["size"] for o in self._objects.values()),
                    "open_uploads": len(self._uploads)}


def s3_operation(method: str, key: str, query: dict) -> str | None:
    if not key:  # bucket-level calls; buckets always exist
        if method == "GET" and "uploads" in query:
            return "ListMultipartUploads"
        return {"HEAD": "HeadBucket", "GET": "ListObjectsV2" if query.get("list-type") == "2" else None}.get(method)
    if method == "POST":
        return ("CreateMultipartUpload" if "uploads" in query
                else "CompleteMultipartUpload" if "uploadId" in query else None)
    if method == "PUT":
        return "UploadPart" if "uploadId" in query else "PutObject"
    if method == "DELETE":
        return "AbortMultipartUpload" if "uploadId" in query else "DeleteObject"
    return {"GET": "GetObject", "HEAD": "HeadObject"}.get(method)
