"""Evosep pump pressure from MSQC metrics in the record: one alert on a rising series, resolved when the pressure
is back; 480 bar and more on its own. Records in the test MongoDB, the health asset materialized, the sensor
evaluated, the message received by the Slack stand-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kraken_core.locations import LocationHealth
from kraken_core.quanting.metric_names import EVOSEP_PUMP_HP_PRESSURE_MAX
from kraken_core.record.kraken_status import write_heartbeat
from kraken_core.record.raw_files import register_raw_file
from kraken_core.statuses import RawFileStatus


class Acquisitions:
    """Raw files of one instrument, one every 20 minutes up to now, each with an AlphaDIA and an MSQC document."""

    def __init__(self, db, instrument_id: str = "thermo1"):
        self.db, self.instrument_id, self.count = db, instrument_id, 0
        self.start = datetime.now(UTC) - timedelta(hours=6)

    def add(self, *bars: float, name: str = EVOSEP_PUMP_HP_PRESSURE_MAX) -> None:
        for bar in bars:
            rid = f"20260301_{self.instrument_id}_HeLa_{self.count:03d}.raw"
            register_raw_file(self.db, raw_file_id=rid, original_name=rid, collision_flag=None,
                              instrument_id=self.instrument_id, project_id="PRJ1", status=RawFileStatus.DONE,
                              created_at=self.start + timedelta(minutes=5 * self.count))
            self.db.metrics.insert_many([
                {"raw_file": rid, "type": "alphadia", "settings_name": "hela", "settings_version": 1,
                 "proteins": 6100, "gradient_length": 44.0, "created_at_": datetime.now(UTC)},
                {"raw_file": rid, "type": "msqc", "settings_name": "msqc", "settings_version": 1,
                 name: bar, "ms1_scans": 5400, "created_at_": datetime.now(UTC)},
            ])
            self.count += 1


def pump_texts(slack) -> list[str]:
    return [t for t in slack.texts() if "Evosep pump pressure" in t]


def test_rising_pressure_alerts_once_and_resolves_when_back(harness, instance, slack, mongo_db):
    write_heartbeat(mongo_db, "thermo1", "instrument", LocationHealth("/x", True, "ok", 1.0))
    harness.set_free_space(thermo1=1000)
    runs = Acquisitions(mongo_db)
    runs.add(400, 401, 400, 402, 401, 401, name="msqc_" + EVOSEP_PUMP_HP_PRESSURE_MAX)  # an older AlphaKraken's
    harness.evaluate_check_alerts(instance)
    harness.measure(instance, "thermo1")
    harness.evaluate_check_alerts(instance)
    assert pump_texts(slack) == []

    runs.add(405, 410, 415, 420, 426)  # 426 is 25 bar above the sample 5 before it
    for _ in range(3):
        harness.measure(instance, "thermo1")
        harness.evaluate_check_alerts(instance)
    [alert] = pump_texts(slack)
    assert alert.startswith("[test] :red_circle: *Evosep pump pressure* (thermo1)")
    assert "rose by 25.0 bar over the last 5 samples (limit 20 bar)" in alert
    assert "20260301_thermo1_HeLa_010.raw" in alert and "20260301_thermo1_HeLa_005.raw" in alert
    assert "checkDetail=pump_pressure_normal" in alert

    runs.add(421, 418, 415, 412, 410)  # back: at most 20 bar above the sample 5 before
    harness.measure(instance, "thermo1")
    harness.evaluate_check_alerts(instance)
    assert len(pump_texts(slack)) == 2
    resolved = pump_texts(slack)[1]
    assert "resolved" in resolved and "pump pressure 410.0 bar in 20260301_thermo1_HeLa_015.raw" in resolved


def test_480_bar_alerts_with_the_raw_file(harness, instance, slack, mongo_db):
    write_heartbeat(mongo_db, "thermo1", "instrument", LocationHealth("/x", True, "ok", 1.0))
    harness.set_free_space(thermo1=1000)
    runs = Acquisitions(mongo_db)
    runs.add(470, 479)
    harness.evaluate_check_alerts(instance)
    harness.measure(instance, "thermo1")
    harness.evaluate_check_alerts(instance)
    runs.add(492)
    harness.measure(instance, "thermo1")
    harness.evaluate_check_alerts(instance)
    [alert] = pump_texts(slack)
    assert "492.0 bar in 20260301_thermo1_HeLa_002.raw" in alert and "at or above 480 bar" in alert
