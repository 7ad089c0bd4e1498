"""S3's REST side (path-style): reading request bodies (plain and aws-chunked), one
`_s3_<Operation>` method per call, and S3's XML answers. Mixed into the server's handler."""
from __future__ import annotations

import hashlib
import re
import shutil
import time
import uuid
import xml.etree.ElementTree as ET
from email.utils import formatdate
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape

from .account import REGION
from .errors import S3Error
from .s3 import COPY_CHUNK, S3, s3_operation


class S3Requests:
    """The S3 half of the request handler; the server's handler (a BaseHTTPRequestHandler)
    supplies the request, `server.fake` and `_respond`."""

    def _s3(self) -> None:
        fake = self.server.fake
        url = urlsplit(self.path)
        bucket, _, key = url.path.lstrip("/").partition("/")
        bucket, key = unquote(bucket), unquote(key)
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        op = s3_operation(self.command, key, query)
        fake.statistics.record("s3:" + (op or f"{self.command}-unsupported"))
        try:
            if op is None:
                raise S3Error(501, "NotImplemented", "fake_cognito does not serve this S3 call")
            fake.sleep_latency()
            if op == "UploadPart":
                time.sleep(fake.part_delay_s)  # a slow S3: a SlowDown storm, a far region
            getattr(self, "_s3_" + op)(fake.s3, bucket, key, query)
        except S3Error as error:
            self.close_connection = True  # the request body may be unread
            body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{error.code}</Code>'
                    f"<Message>{escape(error.message)}</Message><Key>{escape(key)}</Key>"
                    f"<RequestId>{uuid.uuid4().hex}</RequestId></Error>").encode()
            self._respond(error.status, body, {"Content-Type": "application/xml",
                                               "x-amz-request-id": uuid.uuid4().hex})

    def _xml(self, body: str, headers: dict | None = None) -> None:
        self._respond(200, ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode(),
                      {"Content-Type": "application/xml",
                       "x-amz-request-id": uuid.uuid4().hex, **(headers or {})})

    def _object_headers(self) -> dict:
        """What S3 keeps from a write and replays on reads."""
        kept = {k: v for k, v in self.headers.items() if k.lower().startswith("x-amz-meta-")}
        kept["Content-Type"] = self.headers.get("Content-Type", "binary/octet-stream")
        return kept

    def _copy_in(self, count: int, out, digest) -> None:
        while count > 0:  # bounded: every pass consumes at least one byte or raises
            data = self.rfile.read(min(count, COPY_CHUNK))
            if not data:
                raise S3Error(400, "IncompleteBody", "The request body ended early.")
            out.write(data)
            digest.update(data)
            count -= len(data)

    def _receive(self, path: str) -> tuple[int, str]:
        """Streams the request body to path; returns (size, md5 hex). Decodes the
        aws-chunked framing SDKs use for streaming uploads (signatures and trailing
        checksums are skipped, not verified)."""
        length = self.headers.get("Content-Length")
        if length is None:  # S3 refuses bodies without a length (no HTTP chunking)
            raise S3Error(411, "MissingContentLength",
                          "You must provide the Content-Length HTTP header.")
        remaining, digest, size = int(length), hashlib.md5(), 0
        aws_chunked = ("aws-chunked" in self.headers.get("Content-Encoding", "")
                       or self.headers.get("x-amz-content-sha256", "").startswith("STREAMING-"))
        with open(path, "wb") as out:
            if not aws_chunked:
                self._copy_in(remaining, out, digest)
                return remaining, digest.hexdigest()
            while remaining > 0:  # bounded by Content-Length
                line = self.rfile.readline(4096)
                try:
                    chunk = int(line.split(b";")[0], 16)
                except ValueError:
                    raise S3Error(400, "IncompleteBody", "Malformed aws-chunked body.") from None
                remaining -= len(line)
                if chunk == 0:
                    break
                self._copy_in(chunk, out, digest)
                remaining -= chunk + len(self.rfile.read(2))
                size += chunk
            self.rfile.read(max(remaining, 0))  # trailer lines and the closing CRLF
        return size, digest.hexdigest()

    def _refuse_an_existing_key(self, s3: S3, bucket, key) -> None:
        """`If-None-Match: *`: S3 writes only if no object is under the key."""
        if self.headers.get("If-None-Match") == "*" and any(k == key for k, _ in s3.keys(bucket, key)):
            raise S3Error(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold")

    def _s3_PutObject(self, s3: S3, bucket, key, query):
        self._refuse_an_existing_key(s3, bucket, key)
        path = s3.new_path()
        size, md5 = self._receive(path)
        version = s3.commit(bucket, key, path, size, f'"{md5}"', self._object_headers())
        self._respond(200, b"", {"ETag": f'"{md5}"', "x-amz-version-id": version,
                                 "x-amz-request-id": uuid.uuid4().hex})

    def _s3_CreateMultipartUpload(self, s3: S3, bucket, key, query):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        upload_id = s3.create_upload(bucket, key, self._object_headers())
        self._xml(f"<InitiateMultipartUploadResult><Bucket>{escape(bucket)}</Bucket>"
                  f"<Key>{escape(key)}</Key><UploadId>{upload_id}</UploadId>"
                  "</InitiateMultipartUploadResult>")

    def _s3_UploadPart(self, s3: S3, bucket, key, query):
        number = query.get("partNumber", "")
        if not number.isdigit() or not 1 <= int(number) <= 10000:
            raise S3Error(400, "InvalidArgument",
                          "Part number must be an integer between 1 and 10000.")
        s3.check_upload(query["uploadId"])
        path = s3.new_path()
        size, md5 = self._receive(path)
        s3.add_part(query["uploadId"], int(number), path, size, md5)
        self._respond(200, b"", {"ETag": f'"{md5}"', "x-amz-request-id": uuid.uuid4().hex})

    def _s3_CompleteMultipartUpload(self, s3: S3, bucket, key, query):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            requested = [(int(part.findtext("{*}PartNumber")), part.findtext("{*}ETag") or "")
                         for part in ET.fromstring(raw).iter() if part.tag.endswith("Part")]
        except (ET.ParseError, TypeError, ValueError):
            requested = []
        if not requested:
            raise S3Error(400, "MalformedXML", "The XML you provided was not well-formed.")
        self._refuse_an_existing_key(s3, bucket, key)
        plan = s3.plan_complete(query["uploadId"], requested)
        path, digest, size = s3.new_path(), hashlib.md5(), 0
        with open(path, "wb") as out:
            for part_path, part_size, part_md5 in plan["chosen"]:
                with open(part_path, "rb") as part:
                    shutil.copyfileobj(part, out, COPY_CHUNK)
                digest.update(bytes.fromhex(part_md5))
                size += part_size
        etag = f'"{digest.hexdigest()}-{len(plan["chosen"])}"'
        version = s3.commit(bucket, key, path, size, etag, plan["headers"])
        s3.finish_upload(query["uploadId"])
        self._xml(f"<CompleteMultipartUploadResult><Location>http://{self.headers.get('Host')}/"
                  f"{escape(bucket)}/{escape(key)}</Location><Bucket>{escape(bucket)}</Bucket>"
                  f"<Key>{escape(key)}</Key><ETag>{escape(etag)}</ETag>"
                  "</CompleteMultipartUploadResult>", {"x-amz-version-id": version})

    def _s3_AbortMultipartUpload(self, s3: S3, bucket, key, query):
        s3.abort(query["uploadId"])
        self._respond(204, b"", {"x-amz-request-id": uuid.uuid4().hex})

    def _s3_GetObject(self, s3: S3, bucket, key, query):
        meta, body = s3.open(bucket, key)
        with body:
            first, last, status = 0, meta["size"] - 1, 200
            headers = {**meta["headers"], "ETag": meta["etag"], "Accept-Ranges": "bytes",
                       "x-amz-version-id": meta["version"], "x-amz-request-id": uuid.uuid4().hex,
                       "Last-Modified": formatdate(meta["modified"], usegmt=True)}
            wanted = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
            if wanted and (wanted[1] or wanted[2]) and self.command == "GET":
                if wanted[1]:
                    first, last = int(wanted[1]), min(int(wanted[2] or last), last)
                else:  # suffix range: the last N bytes
                    first = max(meta["size"] - int(wanted[2]), 0)
                if first > last:
                    raise S3Error(416, "InvalidRange", "The requested range is not satisfiable")
                status = 206
                headers["Content-Range"] = f"bytes {first}-{last}/{meta['size']}"
            self._respond(status, b"", headers, length=last - first + 1)
            if self.command == "GET":
                body.seek(first)
                remaining = last - first + 1
                while remaining > 0:  # bounded by the object's size
                    data = body.read(min(remaining, COPY_CHUNK))
                    if not data:
                        break
                    self.wfile.write(data)
                    remaining -= len(data)

    _s3_HeadObject = _s3_GetObject  # the shared path skips the body for HEAD

    def _s3_ListObjectsV2(self, s3: S3, bucket, key, query):
        """One page, without continuation: enough for the tool's bucket check and small listings."""
        limit = int(query.get("max-keys", "1000"))
        found = s3.keys(bucket, query.get("prefix", ""))
        contents = "".join(f"<Contents><Key>{escape(k)}</Key><Size>{size}</Size></Contents>" for k, size in found[:limit])
        self._xml(f"<ListBucketResult><Name>{escape(bucket)}</Name><KeyCount>{min(len(found), limit)}</KeyCount>"
                  f"<MaxKeys>{limit}</MaxKeys><IsTruncated>{'true' if len(found) > limit else 'false'}</IsTruncated>"
                  f"{contents}</ListBucketResult>")

    def _s3_ListMultipartUploads(self, s3: S3, bucket, key, query):
        uploads = "".join(f"<Upload><Key>{escape(k)}</Key><UploadId>{escape(u)}</UploadId></Upload>"
                          for u, k in s3.open_uploads(bucket, query.get("prefix", "")))
        self._xml(f"<ListMultipartUploadsResult><Bucket>{escape(bucket)}</Bucket>{uploads}</ListMultipartUploadsResult>")

    def _s3_DeleteObject(self, s3: S3, bucket, key, query):
        s3.delete(bucket, key)
        self._respond(204, b"", {"x-amz-request-id": uuid.uuid4().hex})

    def _s3_HeadBucket(self, s3: S3, bucket, key, query):
        self._respond(200, b"", {"x-amz-bucket-region": REGION,
                                 "x-amz-request-id": uuid.uuid4().hex})
