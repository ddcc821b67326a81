"""The SSH key and known_hosts file the platform reaches the cluster with must be private to their owner.

A private key others can read is a key others can use; a known_hosts file others can write lets them make the
platform trust their host. OpenSSH refuses such a key itself; paramiko does not, so the platform checks both
before it connects, and names the file and the fix.
"""

from __future__ import annotations

import os
import stat


def _mode(path: str) -> int | None:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return None


def ssh_file_problems(key_file: str | None, known_hosts_file: str | None) -> list[str]:
    """What is wrong with the permissions of the key and the known_hosts file; empty when both are safe."""
    problems = []
    if key_file and (mode := _mode(key_file)) is not None and mode & 0o077:
        problems.append(f"SSH private key {key_file} can be read or written by others (mode {mode:04o}, expected "
                        f"0600 or 0400); the platform refuses to use it. Fix: chmod 600 {key_file}")
    if known_hosts_file and (mode := _mode(known_hosts_file)) is not None and mode & 0o022:
        problems.append(f"SSH known_hosts file {known_hosts_file} is writable by group or others (mode {mode:04o}), "
                        f"so anyone could add a host key the platform would trust; the platform refuses to use "
                        f"it. Fix: chmod go-w {known_hosts_file} (0644)")
    return problems
