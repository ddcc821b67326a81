"""A MongoDB wire server (nx-27017) of the test's own, on a free port, that the test may stop and start again."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

from tests.support.platform import VENV_BIN, free_port, wait_for


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class OwnMongo:
    def __init__(self, workdir: Path):
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()

    def start(self) -> OwnMongo:
        subprocess.run(
            [str(VENV_BIN / "nx-27017"), "-d", "--host", "127.0.0.1", "-p", str(self.port),
             "--data-dir", str(self.dir / "data"), "--log-file", str(self.dir / "log"),
             "--pid-file", str(self.dir / "pid")],
            check=True, capture_output=True,
        )
        wait_for(lambda: _accepts(self.port), 30, f"nx-27017 on port {self.port}", interval=0.1)
        return self

    def stop(self) -> None:
        if (self.dir / "pid").exists():
            subprocess.run([str(VENV_BIN / "nx-27017"), "--stop", "--pid-file", str(self.dir / "pid")],
                           capture_output=True)
        wait_for(lambda: not _accepts(self.port), 30, f"nx-27017 on port {self.port} to stop", interval=0.1)
