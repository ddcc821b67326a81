"""Run one lifecycle step over every instrument: a failure on one instrument never stops the others."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pymongo.database import Database

from kraken_core.config.schema import KrakenConfig
from kraken_core.lifecycle.mode import LifecycleMode
from kraken_core.lifecycle.outcomes import FileOutcome, InstrumentReport
from kraken_core.locations import check_location
from kraken_core.record.lifecycle_log import record_file_event


class StepRecorder:
    """Writes every outcome of a step to `instrument_file_log`, with the mode the run was in."""

    def __init__(self, db: Database, step: str, mode: LifecycleMode, run_id: str | None):
        self.db, self.step, self.mode, self.run_id = db, step, mode, run_id

    def outcome(self, instrument_id: str, outcome: FileOutcome) -> None:
        record_file_event(
            self.db, raw_file_id=outcome.raw_file_id, instrument_id=instrument_id, step=self.step,
            action=outcome.action, reason=outcome.reason, destructive=self.mode.destructive, run_id=self.run_id,
            bytes=outcome.bytes, files=outcome.files, error=outcome.error,
        )

    def intent(self, instrument_id: str, raw_file_id: str, action: str, reason: str, size: int,
               paths: list[str]) -> None:
        """What is about to happen to these files, written before it happens (a crash mid-way leaves a trace)."""
        record_file_event(
            self.db, raw_file_id=raw_file_id, instrument_id=instrument_id, step=self.step, action=action,
            reason=reason, destructive=self.mode.destructive, run_id=self.run_id, bytes=size, files=len(paths),
            paths=paths,
        )

    def instrument(self, report: InstrumentReport) -> None:
        if report.error or report.skipped:
            record_file_event(
                self.db, raw_file_id=None, instrument_id=report.instrument_id, step=self.step,
                action="instrument_error" if report.error else "instrument_skipped",
                reason=report.error or report.skipped or "", destructive=self.mode.destructive, run_id=self.run_id,
                error=bool(report.error),
            )


def instrument_ready(
    config: KrakenConfig, report: InstrumentReport, enabled: bool, disabled_by: str, verb: str
) -> bool:
    """False (with the reason in `report.skipped`) when the step is disabled or the instrument share is away."""
    instrument_id = report.instrument_id
    if not enabled:
        report.skipped = f"{verb} is disabled for {instrument_id} ({disabled_by})"
        return False
    health = check_location(config.instrument_location(instrument_id), instrument_id)
    if not health.ok:
        report.skipped = f"{health.details}; nothing is touched until it is back"
        return False
    return True


def run_per_instrument(
    instrument_ids: Iterable[str], step: str, work: Callable[[InstrumentReport], None], recorder: StepRecorder
) -> list[InstrumentReport]:
    reports = []
    for instrument_id in instrument_ids:
        report = InstrumentReport(instrument_id, step)
        try:
            work(report)
        except Exception as err:
            report.error = f"{step} stopped for instrument {instrument_id}: {type(err).__name__}: {err}"
        try:
            recorder.instrument(report)
        except Exception as err:
            report.error = report.error or f"could not record the {step} of instrument {instrument_id}: {err}"
        reports.append(report)
    return reports
