"""The record's indexes are created by the code location's start-up step, not by a sensor tick."""

from kraken_assets.instance_pools import ensure_record_indexes, record_settings
from kraken_core.record.connection import MongoSettings
from kraken_core.record.indexes import INDEXES


def test_start_up_creates_every_index(services, mongo_db):
    settings = record_settings({"MONGO_HOST": services["MONGO_HOST"], "MONGO_PORT": services["MONGO_PORT"],
                                "MONGO_DB": mongo_db.name})
    assert ensure_record_indexes(settings).endswith("ensured")
    for collection, models in INDEXES.items():
        # compared by fields: the test server records every direction as ascending
        fields = {tuple(name for name, _ in info["key"]) for info in mongo_db[collection].index_information().values()}
        assert {tuple(m.document["key"]) for m in models} <= fields, collection


def test_unreachable_record_does_not_stop_the_start_up():
    done = ensure_record_indexes(MongoSettings(host="127.0.0.1", port=1, timeout_ms=200))
    assert "not ensured" in done and "next start-up" in done


def test_settings_follow_the_mongo_resource_variables():
    settings = record_settings({"MONGO_HOST": "db", "MONGO_PORT": "27018", "MONGO_DB": "k", "MONGO_USER": "w",
                                "MONGO_PASSWORD": "secret"})
    assert settings.describe() == "mongodb://w@db:27018/k" and settings.password == "secret"
    assert record_settings({}).describe() == "mongodb://127.0.0.1:27017/krakendb"
