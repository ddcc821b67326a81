"""Routing and webhook bodies on their own: which channel an alert goes to, and the Slack and Teams shapes."""

from __future__ import annotations

from kraken_core.config.monitoring import MonitoringConfig
from kraken_core.monitoring.alert_policy import Notice, Observation
from kraken_core.monitoring.alert_routing import BUSINESS, OPERATORS, route, webhook_format
from kraken_core.monitoring.webhooks import teams_body, teams_text, webhook_host

TWO_CHANNELS = MonitoringConfig(slack_channel="#kraken-ops", business_slack_channel="#lab-qc")


def notice(alert: str, subject: str = "thermo1") -> Notice:
    return Notice(Observation(alert, subject, True, f"{subject}: something"), "alert")


def audiences(notices: list[Notice], monitoring: MonitoringConfig) -> dict[str, list[str]]:
    return {channel.audience: [n.observation.alert for n in group] for channel, group in route(notices, monitoring)}


def test_scientists_get_raw_file_errors_failed_qc_and_pump_pressure_operators_the_rest():
    notices = [notice("location_health:no_new_raw_file_errors"), notice("location_health:free_space"),
               notice("quality_metrics:quality_metrics_in_bounds", "a.raw"), notice("run_failure", "job"),
               notice("location_health:pump_pressure_normal"), notice("platform_services:local_disk_free", "worker")]
    assert audiences(notices, TWO_CHANNELS) == {
        BUSINESS: ["location_health:no_new_raw_file_errors", "quality_metrics:quality_metrics_in_bounds",
                   "location_health:pump_pressure_normal"],
        OPERATORS: ["location_health:free_space", "run_failure", "platform_services:local_disk_free"],
    }


def test_without_a_business_channel_everything_goes_to_the_operators_in_one_group():
    [(channel, group)] = route([notice("location_health:no_new_raw_file_errors"), notice("run_failure", "job")],
                               MonitoringConfig(slack_channel="#kraken-ops"))
    assert channel.slack_channel == "#kraken-ops" and len(group) == 2


def test_business_alerts_are_configurable():
    monitoring = TWO_CHANNELS.model_copy(update={"business_alerts": ["free_space"]})
    assert audiences([notice("location_health:free_space")], monitoring) == {BUSINESS: ["location_health:free_space"]}


def test_webhook_format_auto_is_slack_only_for_slack_hooks():
    assert webhook_format("https://hooks.slack.com/services/T/B/x", "auto") == "slack"
    assert webhook_format("https://lab.webhook.office.com/webhookb2/x", "auto") == "teams"
    assert webhook_format("http://127.0.0.1:9/x", "slack") == "slack"


def test_teams_card_carries_the_text_in_teams_markdown_and_the_link_as_a_button():
    text = ("<!channel> [production] :red_circle: *Evosep pump pressure* (tims1): rose by 25.0 bar "
            "<http://ui:3000/assets/location_health?view=checks&checkDetail=pump_pressure_normal|open in Dagster>")
    body = teams_body(text)
    assert body["type"] == "message"
    [attachment] = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    [block] = card["body"]
    assert block["text"] == ("[production] 🔴 **Evosep pump pressure** (tims1): rose by 25.0 bar "
                             "[open in Dagster](http://ui:3000/assets/location_health?view=checks&checkDetail="
                             "pump_pressure_normal)")
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "open in Dagster",
                                "url": "http://ui:3000/assets/location_health?view=checks&checkDetail=pump_pressure_normal"}]


def test_teams_text_keeps_stars_inside_words_and_names_the_webhook_only_by_host():
    assert teams_text("file *a*b.raw and *Title*") == "file *a*b.raw and **Title**"
    token_path = "/".join(["services", "EXAMPLE", "EXAMPLE", "made-up-at-test-time"])
    assert webhook_host(f"https://hooks.slack.com/{token_path}") == "hooks.slack.com"
