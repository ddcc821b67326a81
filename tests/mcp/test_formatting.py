"""Numbers to 5 significant digits and datetimes in ISO 8601 UTC, whatever their source."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from bson import ObjectId

from mcp_server.formatting import plain, round_significant


def test_numbers_keep_five_significant_digits():
    assert round_significant(0.123456789) == 0.12346
    assert round_significant(123456.789) == 123460.0
    assert round_significant(-0.000987654321) == -0.00098765
    assert round_significant(2_000_000_123) == 2_000_000_000 and isinstance(round_significant(7), int)
    assert round_significant(0) == 0


def test_datetimes_are_iso_utc_and_documents_become_plain_json():
    berlin = timezone(timedelta(hours=2))
    doc = {
        "at": datetime(2025, 6, 1, 14, 30, 15, 999000, tzinfo=berlin),
        "naive": datetime(2025, 6, 1, 12, 0),
        "id": ObjectId("0123456789abcdef01234567"),
        "nested": [{"x": 1.0000049}, (True, None, float("nan"))],
    }
    assert plain(doc) == {
        "at": "2025-06-01T12:30:15Z",
        "naive": "2025-06-01T12:00:00Z",
        "id": "0123456789abcdef01234567",
        "nested": [{"x": 1.0}, [True, None, None]],
    }
    assert plain(datetime(2025, 1, 1, tzinfo=UTC)) == "2025-01-01T00:00:00Z"
