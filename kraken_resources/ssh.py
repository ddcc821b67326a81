"""SSH to the cluster's head nodes over paramiko: verified host keys, failover, timeouts, retries.

Host keys are checked against a known_hosts file with paramiko's RejectPolicy: an unknown or changed key is
refused, never added. A private key others can read, or a known_hosts file others can write, is refused before
any connection (`kraken_core.ssh_files`). Errors name the host and the command, never a password or key.
"""

from __future__ import annotations

import shlex
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import ClassVar

import dagster as dg
import paramiko

from kraken_core.ssh_files import ssh_file_problems
from kraken_resources.hidden_secrets import HidesSecrets

_TRANSPORT_ERRORS = (paramiko.SSHException, OSError, EOFError, socket.timeout)


class SshUnavailableError(RuntimeError):
    """No configured head node accepted a connection."""


class InsecureSshFilesError(SshUnavailableError):
    """The private key or the known_hosts file is open to others; nothing is connected until it is fixed."""


class SshCommandError(RuntimeError):
    """A remote command failed or timed out."""


@dataclass(frozen=True)
class CommandResult:
    host: str
    command: str
    exit_code: int
    stdout: str
    stderr: str


def _short(command: str, limit: int = 240) -> str:
    return command if len(command) <= limit else command[:limit] + " ..."


def split_host(host: str, default_port: int) -> tuple[str, int]:
    if ":" in host:
        name, port = host.rsplit(":", 1)
        return name, int(port)
    return host, default_port


class SshSession:
    """One connection to the first head node that answers; reused for every command of a tick or a run."""

    def __init__(self, resource: SshResource):
        self._resource = resource
        self._client: paramiko.SSHClient | None = None
        self.host: str | None = None
        self.round_trips = 0

    def _connect_one(self, host: str) -> paramiko.SSHClient:
        r = self._resource
        name, port = split_host(host, r.port)
        client = paramiko.SSHClient()
        client.load_host_keys(r.known_hosts_file)
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        client.connect(
            name, port=port, username=r.user, key_filename=r.key_file or None, password=r.password or None,
            timeout=r.connect_timeout_s, banner_timeout=r.connect_timeout_s, auth_timeout=r.connect_timeout_s,
            allow_agent=False, look_for_keys=False,
        )
        return client

    def connect(self) -> SshSession:
        r = self._resource
        if unsafe := ssh_file_problems(r.key_file, r.known_hosts_file):
            raise InsecureSshFilesError("; ".join(unsafe))
        problems = []
        for attempt in range(r.retries + 1):
            for host in r.hosts:
                try:
                    self._client = self._connect_one(host)
                    self.host = host
                    return self
                except paramiko.BadHostKeyException:
                    problems.append(f"{host}: host key does not match {r.known_hosts_file}")
                except paramiko.AuthenticationException:
                    problems.append(f"{host}: authentication as {r.user} refused")
                except paramiko.SSHException as err:
                    problems.append(f"{host}: {err}")
                except OSError as err:
                    problems.append(f"{host}: {err.strerror or err}")
            if attempt < r.retries:
                time.sleep(r.backoff_s * (2**attempt))
        raise SshUnavailableError(
            f"no head node reachable as {r.user} ({'; '.join(problems[-len(r.hosts):])}); "
            f"check the cluster, quanting.ssh_hosts and {r.known_hosts_file}"
        )

    def _require(self) -> paramiko.SSHClient:
        if self._client is None or not (self._client.get_transport() and self._client.get_transport().is_active()):
            self.connect()
        return self._client

    def run(self, command: str, *, check: bool = True, timeout: float | None = None) -> CommandResult:
        """Run one command in a login shell on the head node. A broken connection before the command was sent
        fails over to the next host; once sent, a command is never repeated (it might have run)."""
        timeout = timeout or self._resource.command_timeout_s
        wrapped = f"bash -lc {shlex.quote(command)}"
        try:
            client = self._require()
            stdin, stdout, stderr = client.exec_command(wrapped, timeout=timeout)
        except _TRANSPORT_ERRORS:
            self._client = None
            client = self._require()
            stdin, stdout, stderr = client.exec_command(wrapped, timeout=timeout)
        self.round_trips += 1
        stdin.close()
        try:
            out = stdout.read().decode(errors="replace")
            err = stderr.read().decode(errors="replace")
            code = stdout.channel.recv_exit_status()
        except socket.timeout:
            raise SshCommandError(f"{self.host}: `{_short(command)}` did not finish within {timeout:.0f} s") from None
        result = CommandResult(self.host or "?", command, code, out, err)
        if check and code != 0:
            raise SshCommandError(
                f"{self.host}: `{_short(command)}` exited {code}: {err.strip()[-500:] or out.strip()[-500:]}"
            )
        return result

    def put_file(self, data: bytes, remote_path: str, mode: int = 0o755) -> None:
        """Write a file atomically (temporary name, then rename) over SFTP."""
        client = self._require()
        temporary = f"{remote_path}.tmp-{int(time.time() * 1000)}"
        try:
            with client.open_sftp() as sftp:
                with sftp.open(temporary, "wb") as handle:
                    handle.write(data)
                sftp.chmod(temporary, mode)
                sftp.posix_rename(temporary, remote_path)
        except (OSError, paramiko.SSHException) as err:
            raise SshCommandError(f"{self.host}: cannot write {remote_path} over SFTP: {err}") from err
        self.round_trips += 1

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


class SshResource(HidesSecrets, dg.ConfigurableResource):
    """Head nodes in failover order (`host` or `host:port`), the user, and a key file or password."""

    secret_fields: ClassVar[frozenset[str]] = frozenset({"password"})

    hosts: list[str]
    port: int = 22
    user: str
    key_file: str | None = None
    password: str | None = None
    known_hosts_file: str
    connect_timeout_s: float = 10.0
    command_timeout_s: float = 120.0
    retries: int = 2
    backoff_s: float = 1.0

    @contextmanager
    def session(self) -> Iterator[SshSession]:
        session = SshSession(self).connect()
        try:
            yield session
        finally:
            session.close()
