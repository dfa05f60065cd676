"""DNS rebinding: a public server sends podterm to a name whose DNS answers a public
address the first time and 127.0.0.1 after that (TTL 0, as an attacker's DNS does).
podterm must connect to the address it checked, so the private server is never asked.

The DNS server (tests/dnsserver.py) and a second public web server run in the test's
network namespace (tests/netns.py). The code under test runs in a subprocess with a
mount namespace of its own, where /etc/resolv.conf names that DNS server: podterm
resolves names with the system's resolver, exactly as it does for real.
"""

from __future__ import annotations

import json
import shutil
import socket
import struct
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from tests.downloads.conftest import audio
from tests.feedgen import rss, show
from tui.demo.server import LoopbackServer

ROOT = Path(__file__).resolve().parent.parent.parent
NAME = "rebind.podterm.test"
START_TIMEOUT_S = 20.0


@dataclass
class Rebinding:
    base: str                  # http://NAME:port: public to the first lookup only
    private: LoopbackServer    # what the later lookups lead to (same port, 127.0.0.1)
    resolv: Path               # a resolv.conf naming the changeable DNS server

    def run(self, code: str, *args: str) -> dict:
        """Run ``code`` (Python, prints one JSON document) with this DNS."""
        return _run(self.resolv, code, *args)


def _run(resolv: Path, code: str, *args: str) -> dict:
    """Run ``code`` in a process whose system resolver asks the DNS server in ``resolv``."""
    result = subprocess.run(
        ["unshare", "--mount", "--", "sh", "-c",
         'mount --bind "$0" /etc/resolv.conf && exec "$@"', str(resolv),
         sys.executable, "-c", code, *args],
        capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _wait(check, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.05)


def _http_ready(address: str, port: int) -> bool:
    try:
        socket.create_connection((address, port), timeout=1).close()
        return True
    except OSError:
        return False


def _dns_ready(address: str) -> bool:
    query = struct.pack("!HHHHHH", 7, 0x0100, 1, 0, 0, 0) + b"\x05ready\x04test\x00" + \
        struct.pack("!HH", 1, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.settimeout(0.2)
        try:
            probe.sendto(query, (address, 53))
            return probe.recv(512)[:2] == query[:2]
        except OSError:
            return False


@contextmanager
def _named_server(public_origin, folder: Path, name: str, first: str, then: str, port: int,
                  *tls: str) -> Iterator[Path]:
    """A DNS server answering ``name`` with ``first``, then ``then``, and a web server
    (HTTPS when ``tls`` gives a certificate and the SNI name) on ``port`` of the public
    address; yields a resolv.conf naming that DNS server."""
    if shutil.which("unshare") is None:
        pytest.skip("the `unshare` command (util-linux) is not installed")
    address = public_origin.address
    web = public_origin.start("tests.public_origin", address, str(port),
                              str(public_origin.folder), *tls)
    dns = public_origin.start("tests.dnsserver", address, name, first, then)
    try:
        _wait(lambda: _http_ready(address, port), "the second public web server")
        _wait(lambda: _dns_ready(address), "the DNS server")
        resolv = folder / "resolv.conf"
        resolv.write_text(f"nameserver {address}\noptions attempts:2 timeout:3\n")
        yield resolv
    finally:
        for process in (web, dns):
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def rebinding(public_origin, tmp_path) -> Iterator[Rebinding]:
    with LoopbackServer() as private:
        port = int(private.url("").rsplit(":", 1)[1])
        with _named_server(public_origin, tmp_path, NAME, public_origin.address, "127.0.0.1",
                           port) as resolv:
            yield Rebinding(f"http://{NAME}:{port}", private, resolv)


FETCH = """
import asyncio, json, sys
from library.fetch import FetchLimits, fetch_feed, make_client
async def main():
    limits = FetchLimits(timeout_s=30)
    async with make_client(limits, 2) as client:
        result = await fetch_feed(client, sys.argv[1], limits)
    print(json.dumps({"outcome": result.outcome, "error": result.error,
                      "body": result.body.decode("utf-8", "replace")}))
asyncio.run(main())
"""


def test_a_feed_fetch_connects_to_the_address_it_checked(rebinding, public_origin):
    """Feeds go through library/http11.py: a second lookup after the check (connecting
    by name) would reach the private server."""
    public_origin.add("rebound.xml", rss(show("The public show", 1)))
    rebinding.private.add("/rebound.xml", rss(show("Router admin", 1)), "text/xml")
    url = public_origin.redirecting_to(rebinding.base) + "/rebound.xml"
    result = rebinding.run(FETCH, url)
    assert dict(rebinding.private.hits) == {}, "the request reached the private address"
    assert result["outcome"] == "ok" and "The public show" in result["body"]


DOWNLOAD = """
import asyncio, json, sys
from pathlib import Path
from library.download_fetch import Transfer, TransferError, download, make_download_client
async def main():
    job = Transfer(sys.argv[1], sys.argv[2], Path(sys.argv[3]), None, 10_000_000)
    async with make_download_client(30.0, 2) as client:
        try:
            size = await download(client, job, lambda *a: None, lambda n: None)
        except TransferError as exc:
            print(json.dumps({"error": str(exc)}))
            return
    print(json.dumps({"size": size}))
asyncio.run(main())
"""


def test_a_download_connects_to_the_address_it_checked(rebinding, public_origin, tmp_path):
    """The feed is on a public host, so the enclosure it names must be public too."""
    body = audio(5000)
    public_origin.add("rebound.mp3", body)
    rebinding.private.add("/rebound.mp3", audio(7000, seed=1), "audio/mpeg")
    target = tmp_path / "episode.mp3"
    result = rebinding.run(DOWNLOAD, f"{rebinding.base}/rebound.mp3",
                           public_origin.url("/feed.xml"), str(target))
    assert dict(rebinding.private.hits) == {}, "the request reached the private address"
    assert result == {"size": len(body)} and target.read_bytes() == body


SEARCH = """
import json, sys
from library.directory import DirectorySettings, search_all
settings = DirectorySettings(["apple"], sys.argv[1], "http://127.0.0.1:9", "", "",
                             "http://127.0.0.1:9")
listings, problems = search_all(settings, "x")
print(json.dumps({"found": [l.candidate.title for l in listings], "problems": problems}))
"""


def test_a_directory_search_connects_to_the_address_it_checked(rebinding, public_origin):
    answer = {"results": [{"collectionName": "Found", "artistName": "A",
                           "feedUrl": "https://example.org/feed"}]}
    public_origin.add("search", json.dumps(answer).encode())
    rebinding.private.add("/search", json.dumps({"results": []}).encode(), "application/json")
    result = rebinding.run(SEARCH, public_origin.redirecting_to(rebinding.base))
    assert dict(rebinding.private.hits) == {}, "the request reached the private address"
    assert result == {"found": ["Found"], "problems": []}


TLS_NAME = "secure.podterm.test"
TLS_PORT = 8443


@dataclass
class SecureName:
    base: str      # https://TLS_NAME:TLS_PORT, a public address, certificate for the name
    resolv: Path
    trust: str     # code that makes podterm trust the test's certificate authority

    def run(self, code: str, *args: str) -> dict:
        return _run(self.resolv, self.trust + code, *args)


@pytest.fixture
def secure_name(public_origin, tmp_path) -> Iterator[SecureName]:
    """A public HTTPS server known by name only: its certificate is for the name, and it
    refuses a handshake without the name in SNI."""
    trustme = pytest.importorskip("trustme")
    authority = trustme.CA()
    certificate, ca = tmp_path / "server.pem", tmp_path / "ca.pem"
    authority.issue_cert(TLS_NAME).private_key_and_cert_chain_pem.write_to_path(str(certificate))
    authority.cert_pem.write_to_path(str(ca))
    # podterm trusts certifi's bundle (never the environment); here, the test's authority.
    trust = f"import certifi\ncertifi.where = lambda: {str(ca)!r}\n"
    with _named_server(public_origin, tmp_path, TLS_NAME, public_origin.address, public_origin.address,
                       TLS_PORT, str(certificate), TLS_NAME) as resolv:
        yield SecureName(f"https://{TLS_NAME}:{TLS_PORT}", resolv, trust)


def test_a_checked_https_request_sends_the_name_and_verifies_its_certificate(
        secure_name, public_origin):
    """Connecting to the checked address must not lose the name: SNI and the certificate
    check are for the name (the server refuses a handshake without it)."""
    public_origin.add("secure.xml", rss(show("The secure show", 1)))
    url = public_origin.redirecting_to(secure_name.base) + "/secure.xml"
    result = secure_name.run(FETCH, url)
    assert result["outcome"] == "ok", result["error"]
    assert "The secure show" in result["body"]


def test_a_checked_blocking_https_request_sends_the_name_too(secure_name, public_origin):
    answer = {"results": [{"collectionName": "Secure", "artistName": "A",
                           "feedUrl": "https://example.org/feed"}]}
    public_origin.add("search", json.dumps(answer).encode())
    result = secure_name.run(SEARCH, public_origin.redirecting_to(secure_name.base))
    assert result == {"found": ["Secure"], "problems": []}
