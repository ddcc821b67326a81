"""The S3 ETag recorded in `file_info[rel][2]`: `md5` (one part) or `md5-N` (N parts), optionally followed by
`__<part size in MB>` as AlphaKraken writes it (`etag__100`): the multipart ETag depends on the part size, so
AlphaKraken keeps it beside the value. Both forms are read; the bare ETag is what S3 answers to a HEAD."""

from __future__ import annotations

from dataclasses import dataclass

PART_SIZE_SEPARATOR = "__"


@dataclass(frozen=True)
class RecordedEtag:
    etag: str
    part_size_mb: int | None = None

    @property
    def parts(self) -> int:
        count = self.etag.rsplit("-", 1)[1] if "-" in self.etag else "1"
        return int(count) if count.isdigit() else 1


def parse_recorded_etag(value: str) -> RecordedEtag:
    """The bare ETag and, when recorded as AlphaKraken does, the part size it was computed with."""
    text = str(value).strip().strip('"')
    etag, sep, part = text.rpartition(PART_SIZE_SEPARATOR)
    if sep and etag and part.isdigit():
        return RecordedEtag(etag, int(part))
    return RecordedEtag(text)
