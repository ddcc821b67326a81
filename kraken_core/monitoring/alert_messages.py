"""The text of Slack messages: environment name in every message, `<!channel>` only in production, a link to
the Dagster UI page, and a digest instead of a flood when many alerts arrive at once.

Whatever comes from the record or the instruments (file names, status details, subjects) is escaped as Slack's
mrkdwn asks (`&`, `<`, `>`), so a file named `<!channel>` or `<http://evil|click>` is shown as written, never as a
mention or a link; only the platform's own mention and links are markup."""

from __future__ import annotations

from dataclasses import dataclass

from kraken_core.monitoring.alert_policy import Notice

TITLES = {
    "mount_ok": "Location not mounted",
    "free_space": "Low disk space",
    "heartbeat_fresh": "Stale heartbeat",
    "no_status_pile_up": "Files piling up",
    "not_stalled": "Instrument stalled",
    "no_new_raw_file_errors": "Raw files in error",
    "no_new_upload_failures": "S3 uploads failed",
    "mongo_reachable": "MongoDB unreachable",
    "slurm_head_nodes_reachable": "Slurm head nodes unreachable",
    "run_failure": "Run failed",
    "stale_copy_recovered": "Copy recovered after a crash",
    "quality_metrics_in_bounds": "Quality metrics out of bounds",
    "qc_series_in_control": "QC series out of control",
    "no_instrument_file_pile_up": "Instrument files piling up",
    "pump_pressure_normal": "Evosep pump pressure",
    "companion_healthy": "Companion app unhealthy",
    "local_disk_free": "Worker disk almost full",
    "remover_heartbeat_fresh": "File remover not running",
    "acquisition_complete": "Acquisition failed",
}
DIGEST_MAX_LINES = 30


@dataclass(frozen=True)
class Message:
    text: str
    notices: tuple[Notice, ...]


def escape_mrkdwn(text: str) -> str:
    """Text shown literally in a Slack message: `&`, `<` and `>` as Slack's HTML entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def title(alert: str) -> str:
    """`location_health:free_space` → "Low disk space"; unknown alerts keep their name."""
    name = alert.rsplit(":", 1)[-1]
    return TITLES.get(name, name.replace("_", " "))


def _link(notice: Notice) -> str:
    link = notice.observation.link
    return f" <{link}|open in Dagster>" if link else ""


def _icon(notice: Notice) -> str:
    if notice.kind == "resolved":
        return ":white_check_mark:"
    return ":warning:" if notice.observation.severity == "WARN" else ":red_circle:"


def _pages(notices: tuple[Notice, ...], production: bool) -> bool:
    return production and any(n.kind != "resolved" and n.observation.severity != "WARN" for n in notices)


def format_notice(notice: Notice) -> str:
    obs = notice.observation
    head = f"{_icon(notice)} *{escape_mrkdwn(title(obs.alert))}* ({escape_mrkdwn(obs.subject)})"
    text = escape_mrkdwn(obs.text.removeprefix(f"{obs.subject}: "))
    if notice.kind == "resolved":
        return f"{head} resolved: {text}{_link(notice)}"
    if notice.kind == "reminder":
        seen = f", seen {notice.seen_since_last} more time(s) since the last message" if notice.seen_since_last else ""
        return f"{head} still failing{seen}: {text}{_link(notice)}"
    more = f" ({notice.seen_since_last} more since the last message)" if notice.seen_since_last else ""
    return f"{head}{more}: {text}{_link(notice)}"


def _wrap(env: str, production: bool, body: str, notices: tuple[Notice, ...]) -> Message:
    mention = "<!channel> " if _pages(notices, production) else ""
    return Message(f"{mention}[{env}] {body}", notices)


def compose(notices: list[Notice], env: str, production: bool, max_messages: int) -> list[Message]:
    """One message per notice; beyond `max_messages`, the rest go into one digest message."""
    if len(notices) <= max_messages:
        return [_wrap(env, production, format_notice(n), (n,)) for n in notices]
    single, rest = notices[: max_messages - 1], tuple(notices[max_messages - 1 :])
    lines = [f"• {format_notice(n)}" for n in rest[:DIGEST_MAX_LINES]]
    if len(rest) > DIGEST_MAX_LINES:
        lines.append(f"• … and {len(rest) - DIGEST_MAX_LINES} more; see the asset checks in Dagster")
    digest = f"{len(rest)} more alert updates at once:\n" + "\n".join(lines)
    return [*(_wrap(env, production, format_notice(n), (n,)) for n in single), _wrap(env, production, digest, rest)]
