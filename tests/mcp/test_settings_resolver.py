"""Settings resolution per instrument and raw file, by AlphaKraken's scope rules."""

from __future__ import annotations

from mcp_server.settings_resolver import resolve_settings


def _assignment(name, **fields):
    return {"settings": {"name": name, "version": 1}, **fields}


def test_scopes_exclusions_and_raw_file_filters():
    assignments = [
        _assignment("everywhere", scopes=["*"], excluded_scopes=["bruker"]),
        _assignment("tims", scopes=["bruker"]),
        _assignment("astral_only", scopes=["astral1"]),
        _assignment("plasma", scopes=["*"], raw_file_id_filter=["plasma"], raw_file_id_exclude_filter=["blank"]),
        _assignment("everywhere", scopes=["thermo"]),
    ]

    def names(instrument, vendor, raw_file_id=None):
        return [s["name"] for s in resolve_settings(assignments, instrument, vendor, raw_file_id)]

    assert names("astral1", "thermo") == ["everywhere", "astral_only", "plasma"]
    assert names("tims1", "bruker") == ["tims", "plasma"]
    assert names("astral1", "thermo", "x_plasma_01.raw") == ["everywhere", "astral_only", "plasma"]
    assert names("astral1", "thermo", "x_hela_01.raw") == ["everywhere", "astral_only"]
    assert names("astral1", "thermo", "plasma_blank.raw") == ["everywhere", "astral_only"]
    assert names("zeno1", None) == ["everywhere", "plasma"]
