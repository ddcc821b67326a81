"""An S3 bucket seen through a boto3 client: HEAD, managed multipart upload, bucket creation; clear errors.

Uploads use boto3's managed transfer with `multipart_chunksize` equal to the chunk size the local ETag was
computed with, and a threshold one byte above it, so a file of at most one chunk is a single PUT (ETag = md5)
and a larger one has `ceil(size / chunk)` parts (ETag = md5 of the part md5s + `-N`), as `MultipartEtag` expects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)

CREDENTIAL_ERRORS = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "403"}
_FULL_PUBLIC_ACCESS_BLOCK = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
BUCKET_MARKER_KEY = ".alphakraken-bucket"


class S3StoreError(RuntimeError):
    """S3 refused or could not be reached; the message names the endpoint, the object and what to do."""


@dataclass(frozen=True)
class RemoteObject:
    size: int
    etag: str


def _error_code(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Code") or err.response.get("ResponseMetadata", {}).get("HTTPStatusCode"))


class S3ObjectStore:
    def __init__(self, client, chunk_size: int, threads: int = 8):
        self.client = client
        self.chunk_size = chunk_size
        self.transfer = TransferConfig(
            multipart_threshold=chunk_size + 1, multipart_chunksize=chunk_size, max_concurrency=threads
        )

    @property
    def endpoint(self) -> str:
        return self.client.meta.endpoint_url

    def _credential_problem(self) -> str:
        """Ask the server why it refused: a HEAD answer has no body, a listing names the error code."""
        try:
            self.client.list_buckets()
        except ClientError as err:
            return _error_code(err)
        except BotoCoreError:
            pass
        return "AccessDenied"

    @contextmanager
    def _explained(self, what: str) -> Iterator[None]:
        try:
            yield
        except NoCredentialsError as err:
            raise S3StoreError(
                f"no S3 credentials for {what} at {self.endpoint}: set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY"
            ) from err
        except (EndpointConnectionError, ConnectionClosedError, ReadTimeoutError) as err:
            raise S3StoreError(
                f"S3 endpoint {self.endpoint} could not be reached for {what} ({type(err).__name__}); check that "
                f"the server is up and backup.s3.endpoint_url is right, then re-materialize"
            ) from err
        except ClientError as err:
            code = _error_code(err)
            if code in CREDENTIAL_ERRORS:
                code = self._credential_problem() if code in {"403", "AccessDenied"} else code
                raise S3StoreError(
                    f"S3 at {self.endpoint} refused {what} ({code}): the access key or secret is wrong, or the "
                    f"user may not write this bucket; check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY"
                ) from err
            raise S3StoreError(f"S3 at {self.endpoint} failed {what}: {code}: {err}") from err
        except BotoCoreError as err:
            raise S3StoreError(f"S3 at {self.endpoint} failed {what}: {err}") from err

    def head(self, bucket: str, key: str) -> RemoteObject | None:
        """Size and ETag of the object, or None when there is none."""
        with self._explained(f"HEAD s3://{bucket}/{key}"):
            try:
                answer = self.client.head_object(Bucket=bucket, Key=key)
            except ClientError as err:
                if _error_code(err) in {"404", "NoSuchKey", "NotFound"}:
                    return None
                raise
        return RemoteObject(size=int(answer["ContentLength"]), etag=answer["ETag"].strip('"'))

    def bucket_exists(self, bucket: str) -> bool:
        with self._explained(f"HEAD bucket {bucket}"):
            try:
                self.client.head_bucket(Bucket=bucket)
            except ClientError as err:
                if _error_code(err) in {"404", "NoSuchBucket", "NotFound"}:
                    return False
                raise
        return True

    def create_bucket(self, bucket: str, region_name: str | None = None) -> list[str]:
        """Create a private bucket with versioning, default encryption and a public-access block where the
        server supports them; returns what was and was not applied, for the log."""
        notes = []
        with self._explained(f"creating bucket {bucket}"):
            args = {"Bucket": bucket}
            if region_name and region_name != "us-east-1":
                args["CreateBucketConfiguration"] = {"LocationConstraint": region_name}
            try:
                self.client.create_bucket(**args)
            except ClientError as err:
                if _error_code(err) != "BucketAlreadyOwnedByYou":
                    raise
                return [f"bucket {bucket} was created meanwhile by another upload"]
        for name, apply in (
            ("versioning", lambda: self.client.put_bucket_versioning(
                Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})),
            ("default encryption (SSE-S3)", lambda: self.client.put_bucket_encryption(
                Bucket=bucket, ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})),
        ):
            notes.append(self._try_setting(bucket, name, apply))
        notes.append(self._block_public_access(bucket))
        return notes

    def _try_setting(self, bucket: str, name: str, apply: Callable[[], object]) -> str:
        try:
            apply()
        except ClientError as err:
            return f"{name} not supported by the server ({_error_code(err)}); bucket {bucket} created without it"
        return f"{name} enabled on {bucket}"

    def _block_public_access(self, bucket: str) -> str:
        """Full public-access block; some servers (Ceph RGW 16) then refuse every write, so a marker object
        is written to prove the bucket usable, and without `BlockPublicAcls` public ACLs are still ignored."""
        note = self._try_setting(bucket, "public-access block", lambda: self.client.put_public_access_block(
            Bucket=bucket, PublicAccessBlockConfiguration=_FULL_PUBLIC_ACCESS_BLOCK))
        if "not supported" in note:
            return note
        try:
            self.client.put_object(Bucket=bucket, Key=BUCKET_MARKER_KEY, Body=b"created by AlphaKraken\n")
        except ClientError as err:
            if _error_code(err) not in CREDENTIAL_ERRORS:
                raise
            self.client.put_public_access_block(
                Bucket=bucket, PublicAccessBlockConfiguration={**_FULL_PUBLIC_ACCESS_BLOCK, "BlockPublicAcls": False})
            with self._explained(f"writing {BUCKET_MARKER_KEY} to new bucket {bucket}"):
                self.client.put_object(Bucket=bucket, Key=BUCKET_MARKER_KEY, Body=b"created by AlphaKraken\n")
            return (f"public-access block on {bucket} without BlockPublicAcls (the server refuses writes with it); "
                    f"public ACLs are ignored")
        return note

    def upload(self, path: Path, bucket: str, key: str, on_bytes: Callable[[int], None] | None = None) -> None:
        with self._explained(f"upload of {path} to s3://{bucket}/{key}"):
            try:
                self.client.upload_file(str(path), bucket, key, Config=self.transfer, Callback=on_bytes)
            except Exception as err:
                # boto3 wraps ClientErrors of the parts in S3UploadFailedError; explain the original
                cause = err.__cause__ or err.__context__
                if isinstance(cause, (ClientError, BotoCoreError)):
                    raise cause from None
                raise
