"""S3 upload and ETag checksum costs, each as a ratio against a baseline measured in the same run.

1. Upload throughput of `S3ObjectStore.upload` (the path `raw_file_s3` takes: managed multipart with the
   configured chunk size, so the ETag is predictable) against boto3's plain `upload_file` of the same file
   with boto3's defaults. Target: ratio (ours / plain, MB/s) of at least 0.9.
2. The checksum pass with the multipart ETag (`file_digest(..., etag_part_size=...)`, one read, part hashes on
   a second core) against md5 alone. Target: at most 10% more wall time (ratio at most 1.10).

Needs the test S3 server: `KRAKEN_TEST_SERVICES="mongo ceph" tests/services/services.sh start`, then
`.venv/bin/python -m benchmarks.s3_upload [--size-mb 1024] [--chunk-mb 500 64] [--rounds 3]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import boto3

from kraken_core.checksum import file_digest
from kraken_core.s3_store import S3ObjectStore
from benchmarks.support import service_env

MB = 1024 * 1024


def write_file(path: Path, size: int) -> None:
    block = os.urandom(8 * MB)
    with open(path, "wb") as handle:
        for offset in range(0, size, len(block)):
            handle.write(block[: min(len(block), size - offset)])


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def upload_ratio(client, path: Path, size: int, chunk_mb: int, rounds: int) -> dict:
    bucket = f"bench-{uuid.uuid4().hex[:10]}"
    client.create_bucket(Bucket=bucket)
    store = S3ObjectStore(client, chunk_size=chunk_mb * MB)
    ours, plain = [], []
    try:
        for i in range(rounds):  # alternate, so drift on a shared machine hits both sides alike
            plain.append(timed(lambda: client.upload_file(str(path), bucket, f"plain-{i}")))
            client.delete_object(Bucket=bucket, Key=f"plain-{i}")
            ours.append(timed(lambda: store.upload(path, bucket, f"ours-{i}")))
            client.delete_object(Bucket=bucket, Key=f"ours-{i}")
    finally:
        client.delete_bucket(Bucket=bucket)
    ours_mb_s, plain_mb_s = size / MB / statistics.median(ours), size / MB / statistics.median(plain)
    return {"chunk_mb": chunk_mb, "ours_mb_s": ours_mb_s, "plain_mb_s": plain_mb_s, "ratio": ours_mb_s / plain_mb_s}


def checksum_ratio(path: Path, chunk_mb: int, rounds: int) -> dict:
    """Wall time of both passes; the CPU/wall figure of the ETag pass shows whether a second core was free
    (about 2 when it was): on a machine busy with other work the part hashes cannot run beside the md5."""
    file_digest(path)  # warm the page cache: both sides read from memory
    md5_only, with_etag, cores = [], [], []
    for _ in range(rounds):
        md5_only.append(timed(lambda: file_digest(path)))
        cpu = time.process_time()
        with_etag.append(timed(lambda: file_digest(path, etag_part_size=chunk_mb * MB)))
        cores.append((time.process_time() - cpu) / with_etag[-1])
    md5_s, etag_s = statistics.median(md5_only), statistics.median(with_etag)
    return {"chunk_mb": chunk_mb, "md5_s": md5_s, "md5_etag_s": etag_s, "ratio": etag_s / md5_s,
            "cores": statistics.median(cores)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--chunk-mb", type=int, nargs="+", default=[500, 64])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=["upload", "checksum"], help="run one of the two measurements")
    args = parser.parse_args(argv)
    services = service_env()
    if "S3_ENDPOINT_URL" not in services and args.only != "checksum":
        print("the test S3 server is not running: KRAKEN_TEST_SERVICES=\"mongo ceph\" tests/services/services.sh start",
              file=sys.stderr)
        return 2
    client = boto3.client("s3", endpoint_url=services.get("S3_ENDPOINT_URL"), region_name="us-east-1",
                          aws_access_key_id=services.get("S3_ACCESS_KEY_ID"),
                          aws_secret_access_key=services.get("S3_SECRET_ACCESS_KEY"))
    size = args.size_mb * MB
    ok = True
    with tempfile.TemporaryDirectory(prefix="kraken-bench-s3-") as tmp:
        path = Path(tmp) / "raw.bin"
        write_file(path, size)
        print(f"file: {args.size_mb} MB, {args.rounds} rounds each, medians; S3 at {services.get('S3_ENDPOINT_URL')}; "
              f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
        for chunk_mb in args.chunk_mb if args.only != "checksum" else []:
            up = upload_ratio(client, path, size, chunk_mb, args.rounds)
            ok &= up["ratio"] >= 0.9
            print(f"upload  chunk {chunk_mb:4d} MB: ours {up['ours_mb_s']:6.1f} MB/s, boto3 upload_file "
                  f"{up['plain_mb_s']:6.1f} MB/s, ratio {up['ratio']:.2f} (target >= 0.90)")
        for chunk_mb in args.chunk_mb if args.only != "upload" else []:
            ck = checksum_ratio(path, chunk_mb, args.rounds)
            ok &= ck["ratio"] <= 1.10
            print(f"checksum chunk {chunk_mb:4d} MB: md5 {ck['md5_s']:.2f} s, md5+ETag {ck['md5_etag_s']:.2f} s, "
                  f"ratio {ck['ratio']:.2f} (target <= 1.10), cores used {ck['cores']:.2f}")
    print("all targets met" if ok else "a target was missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
