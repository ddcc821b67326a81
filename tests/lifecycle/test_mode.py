"""Destructive actions need ENV=production AND production: true AND no dry run."""

import pytest

from kraken_core.lifecycle.mode import lifecycle_mode


@pytest.mark.parametrize(
    ("env", "production", "dry_run", "config_dry_run", "destructive"),
    [
        ("production", True, False, False, True),
        ("production", True, True, False, False),
        ("production", True, False, True, False),
        ("production", False, False, False, False),
        ("sandbox", True, False, False, False),
        ("local", True, False, False, False),
        ("test", False, False, False, False),
    ],
)
def test_only_production_env_and_config_together_allow_destructive_runs(
    make_config, env, production, dry_run, config_dry_run, destructive
):
    config = make_config(production=production, lifecycle={"dry_run": config_dry_run})
    mode = lifecycle_mode(env, config, dry_run=dry_run)
    assert mode.destructive is destructive
    if not destructive:
        assert mode.reason


def test_move_delay_must_be_minutes_or_minus_one(make_config):
    with pytest.raises(ValueError, match="-1 to never move"):
        make_config(instruments={"thermo1": {"type": "thermo", "lifecycle": {"file_move_delay_m": -0.5}}})
    config = make_config(instruments={"thermo1": {"type": "thermo", "lifecycle": {"file_move_delay_m": -1}}})
    assert not config.instruments["thermo1"].lifecycle.moves_files
