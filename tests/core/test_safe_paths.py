"""Names from people at instruments: what is refused, and that the refusal says what to do."""

import pytest

from kraken_assets.raw_file import raw_file
from kraken_core.record.raw_files import get_raw_file
from kraken_core.safe_paths import UnsafePathError, check_plain_name
from kraken_core.simulator import write_thermo
from tests.conftest import config_dict
from tests.support.pipeline import materialize_partition, register, resources_for, write_config_file


@pytest.mark.parametrize("name", ["20240301 PRJ1 ünïcode 'q' $(x) `y`;.raw", "a.d", "..a", "a..raw"])
def test_plain_names_are_accepted(name):
    assert check_plain_name(name, "raw file name") == name


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("20240301_PRJ1\\a.raw", "contains a backslash (\\)"),
        ("sub/a.raw", "contains a slash (/)"),
        ("a\x00.raw", "contains a NUL character"),
        ("..", "'..' means a folder"),
        (".", "'.' means a folder"),
        ("", "it is empty"),
    ],
)
def test_refused_raw_file_name_says_what_is_wrong_and_to_rename_it_on_the_instrument_pc(name, problem):
    with pytest.raises(UnsafePathError) as err:
        check_plain_name(name, "raw file name")
    message = str(err.value)
    assert message.startswith(f"refusing raw file name {name!r}: ") and problem in message
    assert "names may not contain a slash (/), a backslash (\\) or a NUL character" in message
    assert "rename the file on the instrument PC" in message


def test_other_names_get_the_rule_without_the_instrument_advice():
    with pytest.raises(UnsafePathError) as err:
        check_plain_name("a\\b", "instrument id")
    assert "refusing instrument id 'a\\\\b': it contains a backslash" in str(err.value)
    assert "instrument PC" not in str(err.value)


def test_backslash_in_a_raw_file_name_reaches_the_record_with_what_to_do(mounts, tmp_path, services, mongo_db,
                                                                          config, instance):
    resources = resources_for(write_config_file(tmp_path / "alphakraken.yaml", config_dict(mounts)), services,
                              mongo_db.name)
    write_thermo(config.instrument_folder("thermo1"), "20240301_PRJ1\\a.raw", 1000)
    [rid] = register(mongo_db, config, "thermo1")
    assert not materialize_partition([raw_file], rid, resources, instance).success
    doc = get_raw_file(mongo_db, rid)
    assert doc["status"] == "error"
    assert "contains a backslash" in doc["status_details"]
    assert "rename the file on the instrument PC" in doc["status_details"]
