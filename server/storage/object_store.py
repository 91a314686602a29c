"""Artefacts copied to S3-compatible object storage, so every replica can serve every replica's images.

With `object_store.url` set, each artefact the service saves (upload, annotated images, crops, results
JSON) is written to the local output root as before and then put in the bucket under its path relative
to the root (`<prefix>/detected_vehicle_images/<name>.jpg`). `/images/{path}` (gRPC `GetImage`) serves the
local file when this replica has it, else the object. A failed upload is a `storage_warning` of that
read, never a lost read; the retention sweep deletes expired objects too. boto3 is the client (the AWS
SDK, which speaks to any S3-compatible server: MinIO, SeaweedFS, Ceph, AWS).
"""

from __future__ import annotations

import errno
import logging
import time
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

log = logging.getLogger(__name__)

MISSING = {"NoSuchKey", "404", "NotFound"}


def _error(message: str) -> OSError:
    """An OSError whose strerror is the message (the storage warning shows strerror)."""
    return OSError(errno.EIO, message)


@dataclass(frozen=True)
class StoredObject:
    """An object's bytes and type."""

    data: bytes
    content_type: str


class ObjectStore:
    """One bucket (and key prefix) of an S3-compatible server."""

    def __init__(self, url: str, bucket: str, *, prefix: str = "", region: str = "us-east-1", access_key: str = "",
                 secret_key: str = "", timeout_s: float = 10.0, client: Any = None) -> None:
        self.url = url
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        config = Config(connect_timeout=timeout_s, read_timeout=timeout_s, retries={"max_attempts": 2},
                        s3={"addressing_style": "path"})
        self._client = client or boto3.client(
            "s3", endpoint_url=url, region_name=region, config=config,
            aws_access_key_id=access_key or "anonymous", aws_secret_access_key=secret_key or "anonymous")

    def key(self, relative: str) -> str:
        """The object key of an artefact path relative to the output root."""
        return f"{self.prefix}/{relative}" if self.prefix else relative

    def ensure_bucket(self) -> None:
        """Create the bucket when it does not exist (OSError when the server cannot be used)."""
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in MISSING:
                raise _error(f"object store bucket {self.bucket}: {exc}") from exc
            self._call(self._client.create_bucket, Bucket=self.bucket)
        except BotoCoreError as exc:
            raise _error(f"object store at {self.url}: {exc}") from exc

    def put(self, relative: str, data: bytes, content_type: str) -> None:
        """Store one artefact (OSError when the upload fails)."""
        self._call(self._client.put_object, Bucket=self.bucket, Key=self.key(relative), Body=data,
                   ContentType=content_type)

    def get(self, relative: str) -> StoredObject | None:
        """One artefact, or None when the bucket has no such object (OSError when the server fails)."""
        try:
            answer = self._client.get_object(Bucket=self.bucket, Key=self.key(relative))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in MISSING:
                return None
            raise _error(f"object store: {exc}") from exc
        except BotoCoreError as exc:
            raise _error(f"object store at {self.url}: {exc}") from exc
        return StoredObject(answer["Body"].read(), str(answer.get("ContentType") or "application/octet-stream"))

    def delete_older_than(self, max_age_s: float) -> int:
        """Delete the artefacts last written more than max_age_s ago; how many."""
        cutoff = time.time() - max_age_s
        deleted = 0
        paginator = self._client.get_paginator("list_objects_v2")
        pages = paginator.paginate(Bucket=self.bucket, **({"Prefix": f"{self.prefix}/"} if self.prefix else {}))
        try:
            for page in pages:
                old = [{"Key": o["Key"]} for o in page.get("Contents", [])
                       if o["LastModified"].timestamp() < cutoff]
                for start in range(0, len(old), 1000):
                    self._call(self._client.delete_objects, Bucket=self.bucket,
                               Delete={"Objects": old[start:start + 1000], "Quiet": True})
                    deleted += len(old[start:start + 1000])
        except (BotoCoreError, ClientError) as exc:
            raise _error(f"object store sweep: {exc}") from exc
        return deleted

    @staticmethod
    def _call(method: Any, **kwargs: Any) -> Any:
        try:
            return method(**kwargs)
        except (BotoCoreError, ClientError) as exc:
            raise _error(f"object store: {exc}") from exc
