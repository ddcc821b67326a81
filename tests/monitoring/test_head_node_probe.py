"""The Slurm head-node probe opens real SSH sessions (Debian openssh-server on loopback, verified host keys)."""

from __future__ import annotations

import pytest

from kraken_assets.platform_services import ssh_head_node_probe
from kraken_core.monitoring.probes import probe_hosts
from kraken_core.monitoring.service_health import slurm_verdict
from kraken_resources.ssh import SshResource
from tests.support.platform import free_port


@pytest.fixture
def ssh(services) -> SshResource:
    if "SSH_PORT" not in services:
        pytest.fail("the test sshd is not running: start it with KRAKEN_TEST_SERVICES='mongo sshd' "
                    "tests/services/services.sh start")
    return SshResource(hosts=[f"{services['SSH_HOST']}:{services['SSH_PORT']}"], user=services["SSH_USER"],
                       key_file=services["SSH_KEY_PATH"], known_hosts_file=services["SSH_KNOWN_HOSTS"],
                       connect_timeout_s=5, retries=0)


def test_reachable_and_unreachable_head_nodes(ssh):
    up, down = ssh.hosts[0], f"127.0.0.1:{free_port()}"
    verdict = slurm_verdict(probe_hosts([up, down], ssh_head_node_probe(ssh)))
    assert not verdict.passed
    assert verdict.metadata == {"reachable": [up], "unreachable": [down]}
    assert down in verdict.description and "fewer head nodes" in verdict.description


def test_a_head_node_with_an_unknown_host_key_is_unreachable(ssh, tmp_path):
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    stranger = SshResource(**{**{n: getattr(ssh, n) for n in SshResource.model_fields}, "known_hosts_file": str(empty)})
    [result] = probe_hosts(ssh.hosts, ssh_head_node_probe(stranger))
    assert not result.ok and ssh.hosts[0] in result.details
    verdict = slurm_verdict([result])
    assert "no quantification job can be submitted" in verdict.description
