"""``gatewright proxy`` as a subprocess on a free port, as a user runs it; ``stop`` sends SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys


class ProxyProcess:
    def __init__(self, *args: str) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        command = [sys.executable, "-m", "gatewright", "proxy", "--port", "0", *args]
        self.process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env)
        assert self.process.stderr is not None
        first = self.process.stderr.readline()  # "gatewright proxy: <api> on http://127.0.0.1:N -> ..."
        assert " on http://" in first, first
        self.url = first.split(" on ", 1)[1].split(" ->", 1)[0]

    def stop(self) -> tuple[int, str]:
        """SIGTERM, then the exit code and everything it wrote to stderr after its first line."""
        self.process.send_signal(signal.SIGTERM)
        _, err = self.process.communicate(timeout=60)
        return self.process.returncode, err
