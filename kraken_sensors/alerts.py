"""Alert sensors: failed runs, and asset check evaluations (a cursor over ended runs), posted to Slack."""

from collections.abc import Iterable

import dagster as dg

from kraken_core.config import KrakenConfig
from kraken_core.monitoring.alert_policy import Observation
from kraken_core.monitoring.links import check_url, run_url
from kraken_resources import KrakenConfigResource
from kraken_resources.slack import SlackAlertsResource
from kraken_sensors.alert_delivery import deliver
from kraken_sensors.check_evaluations import CheckCursor, newest_cursor, read_new_evaluations

ERROR_TEXT_LIMIT = 400


def check_observation(entry: dg.EventLogEntry, base_url: str) -> Observation:
    evaluation: dg.AssetCheckEvaluation = entry.dagster_event.event_specific_data
    metadata = evaluation.metadata
    asset = evaluation.asset_key.to_user_string()
    partition = evaluation.partition or entry.dagster_event.partition
    subject = metadata["subject"].value if "subject" in metadata else (partition or asset)
    kind = metadata["alert_kind"].value if "alert_kind" in metadata else "state"
    outcome = "passed" if evaluation.passed else "failed"
    return Observation(
        alert=f"{asset}:{evaluation.check_name}",
        subject=str(subject),
        failing=not evaluation.passed,
        text=evaluation.description or f"check {evaluation.check_name} of {asset} {outcome} for {subject}",
        link=check_url(base_url, evaluation.asset_key.path, evaluation.check_name),
        kind="event" if kind == "event" else "state",
        severity=evaluation.severity.value,
    )


def latest_per_subject(observations: Iterable[Observation]) -> list[Observation]:
    """Of several evaluations of one (alert, subject) in a batch, the one that counts: the last, except that a
    failing event is never hidden by a later passing one."""
    chosen: dict[str, Observation] = {}
    for obs in observations:
        earlier = chosen.get(obs.key)
        if earlier is not None and earlier.kind == "event" and earlier.failing and not obs.failing:
            continue
        chosen.pop(obs.key, None)
        chosen[obs.key] = obs
    return list(chosen.values())


def build_check_alerts(config: KrakenConfig) -> dg.SensorDefinition:
    @dg.sensor(
        name="asset_check_alerts",
        minimum_interval_seconds=config.monitoring.alert_interval_s,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            "Posts failing asset checks to Slack (once per check and subject per cooldown) and a resolved message "
            "when they pass again, once the run that evaluated them has ended. On its first tick it starts at the "
            "newest run end: history is not replayed."
        ),
    )
    def asset_check_alerts(
        context: dg.SensorEvaluationContext, kraken_config: KrakenConfigResource, slack: SlackAlertsResource
    ):
        cfg = kraken_config.get()
        graph_keys = context.repository_def.asset_graph.asset_check_keys if context.repository_def else ()
        check_keys = sorted(graph_keys, key=lambda key: key.to_user_string())
        if context.cursor is None:
            context.update_cursor(newest_cursor(context.instance).to_json())
            return dg.SkipReason("started; check evaluations from now on are alerted (history is not replayed)")
        records, cursor = read_new_evaluations(context.instance, check_keys, CheckCursor.from_json(context.cursor))
        summary = "no new check evaluations"
        if records:
            observations = latest_per_subject(check_observation(r, cfg.webserver_base_url) for r in records)
            summary = f"{len(records)} check evaluation(s): " + deliver(
                observations, ledger_name="asset_checks", instance=context.instance, config=cfg, slack=slack,
                log=context.log, env=kraken_config.env,
            )
        context.update_cursor(cursor.to_json())
        return dg.SkipReason(summary)

    return asset_check_alerts


def run_failure_observation(context: dg.RunFailureSensorContext, base_url: str) -> Observation:
    run = context.dagster_run
    instrument = run.tags.get("instrument")
    partition = run.tags.get("dagster/partition")
    errors = [e.event_specific_data.error.message.strip() for e in context.get_step_failure_events()
              if e.event_specific_data and e.event_specific_data.error]
    cause = errors[0] if errors else context.failure_event.message or "no error message"
    if len(cause) > ERROR_TEXT_LIMIT:
        cause = cause[:ERROR_TEXT_LIMIT] + "…"
    target = f" for {partition}" if partition else ""
    return Observation(
        alert="run_failure",
        subject=run.job_name + (f" on {instrument}" if instrument else ""),
        failing=True,
        text=f"run {run.run_id[:8]} of {run.job_name}{target} failed: {cause}",
        link=run_url(base_url, run.run_id),
        kind="event",
    )


def build_run_failure_alerts(config: KrakenConfig) -> dg.SensorDefinition:
    @dg.run_failure_sensor(
        name="run_failure_alerts",
        minimum_interval_seconds=config.monitoring.alert_interval_s,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            "Posts a failed run to Slack with a link to it; further failures of the same job and instrument within "
            "the cooldown are counted and reported with the next message."
        ),
    )
    def run_failure_alerts(
        context: dg.RunFailureSensorContext, kraken_config: KrakenConfigResource, slack: SlackAlertsResource
    ):
        cfg = kraken_config.get()
        summary = deliver([run_failure_observation(context, cfg.webserver_base_url)], ledger_name="run_failures",
                          instance=context.instance, config=cfg, slack=slack, log=context.log,
                          env=kraken_config.env)
        context.log.info(f"run {context.dagster_run.run_id}: {summary}")

    return run_failure_alerts
