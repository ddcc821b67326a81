"""Text from the record (file names, status details) reaches Slack as text: a file named like a mention or a link
is shown as written, through the real local Slack endpoint the alerts are delivered to."""

from __future__ import annotations

from kraken_core.locations import LocationHealth
from kraken_core.monitoring.webhooks import teams_text
from kraken_core.record.kraken_status import write_heartbeat
from kraken_core.statuses import RawFileStatus
from tests.monitoring.test_record_alerts import add_raw_file

NAME = "20240301_PRJ1 <!channel> & <!here>.raw"
DETAILS = "backup failed: see <http://evil.example|click here>"


def test_a_file_name_like_a_mention_or_a_link_is_escaped_in_the_slack_message(harness, instance, slack, mongo_db):
    write_heartbeat(mongo_db, "thermo1", "instrument", LocationHealth("/x", True, "ok", 1.0))
    harness.set_free_space(thermo1=1000)
    add_raw_file(mongo_db, NAME, RawFileStatus.ERROR, DETAILS)
    harness.evaluate_check_alerts(instance)
    harness.measure(instance, "thermo1")
    harness.evaluate_check_alerts(instance)

    [message] = slack.messages
    text = message.text
    assert "20240301_PRJ1 &lt;!channel&gt; &amp; &lt;!here&gt;.raw" in text
    assert "<!channel>" not in text and "<!here>" not in text
    assert "<http://evil" not in text and "|open in Dagster>" in text, "only the platform's own link is a link"
    assert "backup failed: see &lt;http://evil.example|click here&gt;" in text
    shown_in_teams = teams_text(text)
    assert "<!channel> & <!here>" in shown_in_teams and "[click here](http://evil.example)" not in shown_in_teams
