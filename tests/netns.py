"""A server on a public-looking address: a network namespace the test creates itself.

A veth pair joins the test's network to a new namespace; the namespace side gets an
address from 203.0.113.0/24 (TEST-NET-3: never routed on the internet, and not in
podterm's private ranges), and tests/public_origin.py serves there. Needs root and
iproute2 (CI has both); without them the tests that use it skip and say why. Everything
is deleted afterwards.
"""

from __future__ import annotations

import fcntl
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
PORT = 8080
START_TIMEOUT_S = 20.0
LOCK = "/tmp/podterm-test-netns.lock"


class PublicOrigin:
    """The running server: files in :attr:`folder` are served at :meth:`url`."""

    def __init__(self, address: str, folder: Path, namespace: str) -> None:
        self.address, self.folder, self.namespace = address, folder, namespace

    def url(self, path: str) -> str:
        return f"http://{self.address}:{PORT}{path}"

    def add(self, name: str, body: bytes) -> str:
        (self.folder / name).write_bytes(body)
        return self.url("/" + name)

    def redirecting_to(self, base: str) -> str:
        """An address here whose every path redirects (302) to the same path at ``base``."""
        return self.url("/to/" + quote(base.rstrip("/"), safe=""))

    def start(self, module: str, *args: str) -> subprocess.Popen[bytes]:
        """Run ``python -m module args`` inside the namespace (the caller stops it)."""
        return subprocess.Popen(["ip", "netns", "exec", self.namespace, sys.executable,
                                 "-m", module, *args], cwd=ROOT)


class Namespace:
    """Create with :meth:`start`, always :meth:`close`."""

    def __init__(self, folder: Path) -> None:
        tag = f"{os.getpid() % 10000}{random.randrange(1000)}"
        self.name, self.host_link, self.ns_link = f"ptns{tag}", f"pth{tag}", f"ptn{tag}"
        self.folder = folder
        self.server: subprocess.Popen[bytes] | None = None
        self.created = False

    def start(self) -> PublicOrigin:
        """Set up the namespace and the server; raises RuntimeError saying what failed."""
        if os.geteuid() != 0:
            raise RuntimeError("creating a network namespace needs root")
        if shutil.which("ip") is None:
            raise RuntimeError("the `ip` command (iproute2) is not installed")
        ns = ["ip", "netns", "exec", self.name]
        self._run("ip", "netns", "add", self.name)
        self.created = True
        self._run("ip", "link", "add", self.host_link, "type", "veth", "peer", "name",
                  self.ns_link)
        self._run("ip", "link", "set", self.ns_link, "netns", self.name)
        with open(LOCK, "w") as lock:  # test runs side by side (xdist) pick other blocks
            fcntl.flock(lock, fcntl.LOCK_EX)
            block = self._free_block()
            self.origin = PublicOrigin(f"203.0.113.{block + 2}", self.folder, self.name)
            self._run("ip", "addr", "add", f"203.0.113.{block + 1}/30", "dev", self.host_link)
        self._run("ip", "link", "set", self.host_link, "up")
        self._run(*ns, "ip", "addr", "add", f"{self.origin.address}/30", "dev", self.ns_link)
        self._run(*ns, "ip", "link", "set", self.ns_link, "up")
        self._run(*ns, "ip", "link", "set", "lo", "up")
        self.server = subprocess.Popen(
            [*ns, sys.executable, "-m", "tests.public_origin", self.origin.address, str(PORT),
             str(self.origin.folder)], cwd=ROOT)
        self._wait_until_listening()
        return self.origin

    def close(self) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=10)
        if self.created:
            subprocess.run(["ip", "netns", "del", self.name], capture_output=True)
            # Deleting the namespace deletes the pair, but asynchronously: do it now.
            subprocess.run(["ip", "link", "del", self.host_link], capture_output=True)

    @staticmethod
    def _free_block() -> int:
        """The first /30 of 203.0.113.0/24 that no interface of this machine uses."""
        shown = subprocess.run(["ip", "-o", "-4", "addr", "show"], capture_output=True,
                               text=True).stdout
        used = {int(octet) // 4 * 4 for octet in re.findall(r"203\.0\.113\.(\d+)/", shown)}
        free = [block for block in range(4, 252, 4) if block not in used]
        if not free:
            raise RuntimeError("every test address block of 203.0.113.0/24 is in use")
        return free[0]

    def _run(self, *command: str) -> None:
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"`{' '.join(command)}` failed: {result.stderr.strip()}")

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                socket.create_connection((self.origin.address, PORT), timeout=1).close()
                return
            except OSError:
                if self.server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the server in the namespace did not start") from None
                time.sleep(0.05)
