"""Verdicts of the monitoring checks on one location report: pure functions of the report and the config."""

from __future__ import annotations

from kraken_core.config import KrakenConfig
from kraken_core.config.monitoring import DEFAULT_PILE_UP_LIMIT
from kraken_core.monitoring.location_health import LocationReport, min_free_space_gb
from kraken_core.monitoring.pump_pressure import PUMP_PRESSURE_NORMAL, PressureSample, pump_pressure_verdict
from kraken_core.monitoring.verdict import Verdict  # noqa: F401 - where the health assets import it from

MOUNT_OK = "mount_ok"
FREE_SPACE = "free_space"
HEARTBEAT_FRESH = "heartbeat_fresh"
NO_PILE_UP = "no_status_pile_up"
NOT_STALLED = "not_stalled"
NO_NEW_RAW_FILE_ERRORS = "no_new_raw_file_errors"
NO_NEW_UPLOAD_FAILURES = "no_new_upload_failures"
NO_REUSED_FILE_NAMES = "no_reused_file_names"
NO_INSTRUMENT_FILE_PILE_UP = "no_instrument_file_pile_up"

LOCATION_CHECKS = (
    MOUNT_OK,
    FREE_SPACE,
    HEARTBEAT_FRESH,
    NO_PILE_UP,
    NOT_STALLED,
    NO_NEW_RAW_FILE_ERRORS,
    NO_NEW_UPLOAD_FAILURES,
    NO_REUSED_FILE_NAMES,
    NO_INSTRUMENT_FILE_PILE_UP,
    PUMP_PRESSURE_NORMAL,
)


def pile_up_limit(config: KrakenConfig, instrument_id: str, status: str) -> int:
    own = config.instruments[instrument_id].monitoring.pile_up_limits
    if status in own:
        return own[status]
    return config.monitoring.pile_up_limits.get(status, DEFAULT_PILE_UP_LIMIT)


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"


def check_mount(report: LocationReport) -> Verdict:
    if report.mount_ok:
        return Verdict(MOUNT_OK, report.name, True, f"{report.name}: {report.path} is mounted and readable")
    return Verdict(
        MOUNT_OK, report.name, False,
        f"{report.details}. Nothing is read from or written to it until it is back; check the share on the worker host",
        {"path": report.path},
    )


def check_free_space(config: KrakenConfig, report: LocationReport) -> Verdict | None:
    if report.free_gb is None:
        return None
    return free_space_verdict(report.name, report.kind == "instrument", report.free_gb,
                              min_free_space_gb(config, report.name), report.path)


def free_space_verdict(name: str, is_instrument: bool, free_gb: float, threshold: float, path: str) -> Verdict:
    """The one judgement of free space: the `free_space` check and the companion's status page both use it, with
    the threshold of `min_free_space_gb` (the companion reads it from the heartbeat, which records it)."""
    metadata = {"free_gb": round(free_gb, 1), "threshold_gb": threshold, "path": path}
    if free_gb >= threshold:
        return Verdict(FREE_SPACE, name, True, f"{name}: {free_gb:.1f} GB free (threshold {threshold:g} GB)",
                       metadata)
    what_to_do = (
        "free space on the instrument PC (files already backed up can be purged)"
        if is_instrument
        else f"free space on the {name} file system or extend it"
    )
    return Verdict(
        FREE_SPACE, name, False,
        f"{name}: only {free_gb:.1f} GB free, below the {threshold:g} GB threshold ({path}); {what_to_do}",
        metadata,
    )


def check_heartbeat(config: KrakenConfig, report: LocationReport) -> Verdict | None:
    if report.record is None:
        return None
    max_age_s = config.monitoring.heartbeat_max_age_m * 60
    age = report.heartbeat_age_s()
    writer = f"the watcher of {report.name}" if report.kind == "instrument" else "the location_heartbeat sensor"
    if age is None:
        return Verdict(HEARTBEAT_FRESH, report.name, False,
                       f"{report.name}: no heartbeat in kraken_status yet; check that {writer} is running")
    metadata = {"heartbeat_age_s": round(age, 1), "max_age_s": max_age_s}
    if age <= max_age_s:
        return Verdict(HEARTBEAT_FRESH, report.name, True, f"{report.name}: heartbeat {_hours(age)} old", metadata)
    return Verdict(
        HEARTBEAT_FRESH, report.name, False,
        f"{report.name}: last heartbeat {_hours(age)} ago (limit {_hours(max_age_s)}); check that {writer} is "
        f"running and the Dagster daemon is up",
        metadata,
    )


def check_pile_up(config: KrakenConfig, report: LocationReport) -> Verdict | None:
    if report.kind != "instrument" or report.record is None:
        return None
    counts = report.record.status_counts
    piled = {s: n for s, n in sorted(counts.items()) if n > pile_up_limit(config, report.name, s)}
    metadata = {"status_counts": counts}
    if not piled:
        return Verdict(NO_PILE_UP, report.name, True, f"{report.name}: no status pile-up", metadata)
    listing = ", ".join(f"{n} in {s} (limit {pile_up_limit(config, report.name, s)})" for s, n in piled.items())
    return Verdict(
        NO_PILE_UP, report.name, False,
        f"{report.name}: files are piling up: {listing}; look for failed or stuck runs of this instrument",
        {**metadata, "piled_up": piled},
    )


def check_instrument_file_pile_up(config: KrakenConfig, report: LocationReport,
                                  unfinished: dict[str, int] | None) -> Verdict | None:
    """AlphaKraken's instrument-file pile-up: too many raw files acquired hours ago whose files are still in the
    instrument folder unfinished (`unfinished`: their count per status). Unlike `no_status_pile_up` it counts
    only old files, over all statuses, and with the mover at work also files backed up but never moved."""
    if report.kind != "instrument" or unfinished is None:
        return None
    limit, hours = config.monitoring.instrument_file_pile_up_limit, config.monitoring.instrument_file_min_age_h
    total = sum(unfinished.values())
    metadata = {"unfinished_files": total, "per_status": unfinished, "limit": limit, "min_age_h": hours}
    what = f"raw file(s) acquired more than {hours:g} h ago unfinished in the instrument folder"
    if total <= limit:
        return Verdict(NO_INSTRUMENT_FILE_PILE_UP, report.name, True,
                       f"{report.name}: {total} {what} (limit {limit})", metadata)
    listing = ", ".join(f"{n} in {status}" for status, n in sorted(unfinished.items(), key=lambda item: -item[1]))
    return Verdict(
        NO_INSTRUMENT_FILE_PILE_UP, report.name, False,
        f"{report.name}: {total} {what} (limit {limit}): {listing}. Early statuses: look for stuck or failed runs "
        f"of this instrument; backed up (copying_done and later): the mover does not move them to Backup/, look "
        f"at the move_instrument_files runs and the instrument_file_log",
        metadata,
    )


def check_stall(config: KrakenConfig, report: LocationReport) -> Verdict | None:
    hours = config.instruments[report.name].monitoring.stall_alert_hours if report.kind == "instrument" else None
    age = report.newest_file_age_s()
    if hours is None or age is None:
        return None
    metadata = {"newest_file": report.record.newest_file, "newest_file_age_s": round(age, 1), "limit_h": hours}
    if age <= hours * 3600:
        return Verdict(NOT_STALLED, report.name, True, f"{report.name}: newest file {_hours(age)} old", metadata)
    return Verdict(
        NOT_STALLED, report.name, False,
        f"{report.name}: no new raw file for {_hours(age)} (limit {hours:g} h; newest {report.record.newest_file}); "
        f"check that the instrument is acquiring and its share is reachable",
        metadata,
    )


def check_new_files(check: str, subject: str, files: list[dict] | None, what: str, action: str) -> Verdict | None:
    """An event check: fails when files newly reached a bad state since the previous evaluation."""
    if files is None:
        return None
    ids = [doc["_id"] for doc in files]
    if not ids:
        return Verdict(check, subject, True, f"{subject}: no raw files newly {what}", {"raw_files": []}, "event")
    lines = "; ".join(f"{doc['_id']}: {doc.get('status_details') or 'no details'}" for doc in files[:10])
    more = f" (and {len(ids) - 10} more)" if len(ids) > 10 else ""
    return Verdict(
        check, subject, False,
        f"{subject}: {len(ids)} raw file(s) newly {what}: {lines}{more}. {action}",
        {"raw_files": ids},
        "event",
    )


def evaluate_location(
    config: KrakenConfig,
    report: LocationReport,
    raw_file_errors: list[dict] | None = None,
    upload_failures: list[dict] | None = None,
    reused_names: list[dict] | None = None,
    unfinished_files: dict[str, int] | None = None,
    pressure_samples: list[PressureSample] | None = None,
) -> list[Verdict]:
    """Every check that can be decided from what is known; a check that cannot (record unreachable) is left out."""
    pressure = None
    if report.kind == "instrument" and pressure_samples is not None:
        pressure = pump_pressure_verdict(report.name, pressure_samples, config.monitoring.pump_pressure)
    verdicts = [
        check_mount(report),
        check_free_space(config, report),
        check_heartbeat(config, report),
        check_pile_up(config, report),
        check_stall(config, report),
        check_new_files(NO_NEW_RAW_FILE_ERRORS, report.name, raw_file_errors, "in error",
                        "Open the raw file in the Dagster UI for the failed step, fix the cause, re-materialize it."),
        check_new_files(NO_NEW_UPLOAD_FAILURES, report.name, upload_failures, "failed to upload to S3",
                        "Check the S3 endpoint and credentials, then re-materialize raw_file_s3."),
        check_new_files(NO_REUSED_FILE_NAMES, report.name, reused_names, "registered under a name used before",
                        "Each is backed up as a raw file of its own, beside the earlier one; ask the instrument's "
                        "users to give every acquisition a new name, so results cannot be mixed up."),
        check_instrument_file_pile_up(config, report, unfinished_files),
        pressure,
    ]
    return [v for v in verdicts if v is not None]
