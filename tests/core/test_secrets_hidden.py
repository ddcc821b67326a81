"""Settings objects that hold a password, token or key never show it when printed (repr, str, f-strings)."""

import secrets

from kraken_core.record.connection import MongoSettings
from kraken_resources.mongo import MongoResource
from kraken_resources.s3 import KrakenS3Resource
from kraken_resources.slack import SlackAlertsResource
from kraken_resources.ssh import SshResource


def printed(thing) -> str:
    return f"{thing!r} {thing!s} {thing}"


def test_no_settings_object_prints_its_secret_and_the_code_still_gets_it():
    secret = secrets.token_hex(16)
    objects = [
        MongoSettings(user="kraken", password=secret),
        MongoResource(user="kraken", password=secret),
        SshResource(hosts=["head1"], user="kraken", password=secret, known_hosts_file="/k"),
        SlackAlertsResource(token=secret),
        KrakenS3Resource(aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key=secret, aws_session_token=secret),
    ]
    for thing in objects:
        assert secret not in printed(thing), type(thing).__name__
    assert MongoResource(user="kraken", password=secret).settings().password == secret
    assert "kraken" in repr(objects[0]) and "AKIAEXAMPLE" in repr(objects[-1]), "what is not secret stays visible"


def test_a_settings_object_without_a_secret_prints_none():
    assert "password=None" in repr(MongoResource()) and "token=None" in repr(SlackAlertsResource())
