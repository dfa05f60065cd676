"""An HTTP server for a "public" address, run inside a network namespace by tests/netns.py.

podterm treats 127.0.0.1 as private, so the rule "a public server may not send podterm
into the private network" needs a server somewhere else. This one serves the files of a
folder, and redirects every ``/to/<quoted base>/<rest>`` to ``<base>/<rest>``::

    python -m tests.public_origin ADDRESS PORT FOLDER [CERT_AND_KEY_PEM NAME]

With a certificate it speaks HTTPS only, and completes only handshakes whose SNI names
NAME: a client that connects to the address and forgets the name fails.
"""

from __future__ import annotations

import ssl
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

CONTENT_TYPES = {".xml": "application/rss+xml", ".html": "text/html", ".wav": "audio/wav",
                 ".json": "application/json"}


class Handler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path.startswith("/to/"):
            base, _, rest = self.path[len("/to/"):].partition("/")
            self.send_response(302)
            self.send_header("Location", unquote(base) + "/" + rest)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().do_GET()

    def guess_type(self, path: str) -> str:  # type: ignore[override]
        return CONTENT_TYPES.get(Path(path).suffix, "application/octet-stream")

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    address, port, folder = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    server = ThreadingHTTPServer((address, port),
                                 lambda *a: Handler(*a, directory=folder))
    server.daemon_threads = True
    if len(sys.argv) > 5:
        certificate, name = sys.argv[4], sys.argv[5]
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(certificate)
        context.sni_callback = lambda _sock, sni, _ctx: \
            None if sni == name else ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever(poll_interval=0.05)


if __name__ == "__main__":
    main()
