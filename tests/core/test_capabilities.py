"""Which optional capabilities a configuration switches on (and so which assets the Definitions hold)."""

from kraken_core.config.capabilities import lifecycle_configured, record_dump_configured, s3_configured


def test_s3_by_backup_type_or_by_an_s3_block(make_config):
    assert not s3_configured(make_config())
    assert s3_configured(make_config(backup={"backup_type": "s3"}))
    # pool backups, S3 described: an operator uploads by hand
    assert s3_configured(make_config(backup={"backup_type": "pool", "s3": {"bucket_prefix": "lab"}}))


def test_lifecycle_by_its_section_or_alphakraken_purging_key(make_config):
    assert not lifecycle_configured(make_config())
    assert not lifecycle_configured(make_config(instruments={"thermo1": {"type": "thermo"}}))
    assert lifecycle_configured(make_config(lifecycle={}))
    assert lifecycle_configured(make_config(backup={"purging_verification_type": "local"}))


def test_record_dump_by_its_section(make_config, tmp_path):
    assert not record_dump_configured(make_config())
    assert record_dump_configured(make_config(record_backup={"path": str(tmp_path / "dumps")}))
