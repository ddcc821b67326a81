"""The platform refuses an SSH private key others can read, and a known_hosts file others can write, naming the
file and the fix; with owner-only files it connects to the real test sshd."""

import shutil

import pytest

from kraken_assets.platform_services import ssh_head_node_probe
from kraken_resources.ssh import InsecureSshFilesError, SshResource


@pytest.fixture
def ssh_files(services, tmp_path):
    if "SSH_PORT" not in services:
        pytest.fail("the test sshd is not running: start it with KRAKEN_TEST_SERVICES='mongo sshd' "
                    "tests/services/services.sh start")
    key, known_hosts = tmp_path / "id_ed25519", tmp_path / "known_hosts"
    shutil.copyfile(services["SSH_KEY_PATH"], key)
    shutil.copyfile(services["SSH_KNOWN_HOSTS"], known_hosts)
    key.chmod(0o600)
    known_hosts.chmod(0o644)

    def resource() -> SshResource:
        return SshResource(hosts=[f"{services['SSH_HOST']}:{services['SSH_PORT']}"], user=services["SSH_USER"],
                           key_file=str(key), known_hosts_file=str(known_hosts), connect_timeout_s=5, retries=0)

    return key, known_hosts, resource


def test_owner_only_files_connect(ssh_files):
    _, _, resource = ssh_files
    with resource().session() as session:
        assert session.run("echo connected").stdout.strip() == "connected"


def test_a_key_readable_by_others_is_refused_naming_the_path_and_the_fix(ssh_files):
    key, _, resource = ssh_files
    key.chmod(0o644)
    with pytest.raises(InsecureSshFilesError) as refused:
        resource().session().__enter__()
    assert f"SSH private key {key} can be read or written by others (mode 0644" in str(refused.value)
    assert f"Fix: chmod 600 {key}" in str(refused.value)
    [probe] = [ssh_head_node_probe(resource())(resource().hosts[0])]
    assert not probe.ok and f"chmod 600 {key}" in probe.details, "the head-node check says it too"


def test_a_known_hosts_file_writable_by_others_is_refused(ssh_files):
    _, known_hosts, resource = ssh_files
    known_hosts.chmod(0o666)
    with pytest.raises(InsecureSshFilesError, match=f"known_hosts file {known_hosts} is writable by group or others "
                                                    f"\\(mode 0666\\).*chmod go-w {known_hosts}"):
        resource().session().__enter__()
