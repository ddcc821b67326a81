"""Size, md5 and S3 multipart ETag of a file, computed in one read (links are never followed)."""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from kraken_core.instrument_files import FileIdentity, InstrumentFile, as_instrument_file, identity_of

DEFAULT_BUFFER = 8 * 1024 * 1024


@dataclass(frozen=True)
class FileDigest:
    size: int
    md5: str
    etag: str | None = None
    identity: FileIdentity | None = None  # (st_dev, st_ino) of the file that was read


class MultipartEtag:
    """The ETag S3 gives a multipart upload: md5 of the parts' md5s plus `-N`; plain md5 for a single part."""

    def __init__(self, part_size: int):
        if part_size <= 0:
            raise ValueError("part size must be positive")
        self.part_size = part_size
        self._part_digests: list[bytes] = []
        self._current = hashlib.md5()
        self._current_len = 0

    def update(self, data: bytes | memoryview) -> None:
        view = memoryview(data)
        while view:
            take = min(len(view), self.part_size - self._current_len)
            self._current.update(view[:take])
            self._current_len += take
            view = view[take:]
            if self._current_len == self.part_size:
                self._part_digests.append(self._current.digest())
                self._current = hashlib.md5()
                self._current_len = 0

    def hexdigest(self) -> str:
        parts = list(self._part_digests)
        if self._current_len or not parts:
            parts.append(self._current.digest())
        if len(parts) == 1:
            return parts[0].hex()
        return f"{hashlib.md5(b''.join(parts)).hexdigest()}-{len(parts)}"


def file_digest(path: Path | InstrumentFile, etag_part_size: int | None = None,
                buffer_size: int = DEFAULT_BUFFER) -> FileDigest:
    """Read `path` once (a link or a swapped instrument file is refused before anything is read)."""
    with as_instrument_file(path).open() as handle:
        return stream_digest(handle, etag_part_size, buffer_size)


def stream_digest(handle: BinaryIO, etag_part_size: int | None = None, buffer_size: int = DEFAULT_BUFFER) -> FileDigest:
    """Read an opened file to its end, the next chunk being read while the current one is hashed.

    With `etag_part_size`, the ETag's part hashes run on a second core beside the md5.
    """
    md5 = hashlib.md5()
    etag = MultipartEtag(etag_part_size) if etag_part_size else None
    size = 0
    buffers = [bytearray(buffer_size), bytearray(buffer_size)]
    with ThreadPoolExecutor(max_workers=2) as helpers:
        turn = 0
        next_read = helpers.submit(handle.readinto, buffers[turn])
        while n := next_read.result():
            chunk = memoryview(buffers[turn])[:n]
            next_read = helpers.submit(handle.readinto, buffers[turn ^ 1])
            part_hashes = helpers.submit(etag.update, chunk) if etag is not None else None
            md5.update(chunk)
            if part_hashes is not None:
                part_hashes.result()
            size += n
            turn ^= 1
    return FileDigest(size=size, md5=md5.hexdigest(), etag=etag.hexdigest() if etag else None,
                      identity=identity_of(os.fstat(handle.fileno())))
