"""The backup section of an AlphaKraken YAML (its deployment guide's keys) is read as the same settings."""

import pydantic
import pytest

ALPHAKRAKEN_BACKUP = {
    "backup_type": "local",
    "purging_verification_type": "force_local",
    "s3": {"region": "eu-central-1", "bucket_prefix": "alphakraken", "auto_create_buckets": False},
}


def test_alphakraken_backup_section_is_accepted(make_config):
    config = make_config(backup=ALPHAKRAKEN_BACKUP)
    assert config.backup.backup_type == "pool"
    assert config.backup.s3.region_name == "eu-central-1"
    assert config.lifecycle.purging_verification_type == "pool"


def test_alphakraken_s3_values(make_config):
    config = make_config(backup={**ALPHAKRAKEN_BACKUP, "backup_type": "s3", "purging_verification_type": "s3"})
    assert (config.backup.backup_type, config.lifecycle.purging_verification_type) == ("s3", "s3")


def test_contradicting_or_unknown_values_are_refused(make_config):
    with pytest.raises(pydantic.ValidationError, match="contradicts lifecycle.purging_verification_type"):
        make_config(backup=ALPHAKRAKEN_BACKUP, lifecycle={"purging_verification_type": "s3"})
    with pytest.raises(pydantic.ValidationError, match="expected one of local, s3, force_local"):
        make_config(backup={**ALPHAKRAKEN_BACKUP, "purging_verification_type": "cloud"})
    with pytest.raises(pydantic.ValidationError):
        make_config(backup={**ALPHAKRAKEN_BACKUP, "backup_type": "tape"})
