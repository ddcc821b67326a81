"""What a lifecycle run did, or would do, per raw file and per instrument."""

from __future__ import annotations

from dataclasses import dataclass, field

@dataclass(frozen=True)
class FileOutcome:
    raw_file_id: str
    action: str
    reason: str
    bytes: int = 0
    error: bool = False
    files: int = 0

    @property
    def counts_as_freed(self) -> bool:
        return self.action in {"deleted", "would_delete"}


@dataclass
class InstrumentReport:
    instrument_id: str
    step: str
    outcomes: list[FileOutcome] = field(default_factory=list)
    free_before: int | None = None
    free_after: int | None = None
    need_bytes: int = 0
    skipped: str | None = None
    error: str | None = None
    aborted: bool = False

    @property
    def errors(self) -> int:
        return sum(1 for o in self.outcomes if o.error) + (1 if self.error else 0)

    @property
    def freed_bytes(self) -> int:
        return sum(o.bytes for o in self.outcomes if o.counts_as_freed)

    def count(self, *actions: str) -> int:
        return sum(1 for o in self.outcomes if o.action in actions)

    def failed(self, max_errors: int) -> bool:
        return self.error is not None or self.aborted or self.errors >= max_errors

    def refusals(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.action == "refused"]
