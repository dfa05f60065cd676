"""A DNS server that changes its mind, for the DNS-rebinding tests (run by tests/netns.py
inside the test's network namespace)::

    python -m tests.dnsserver ADDRESS NAME FIRST THEN

Answers the first A query for NAME with FIRST and every later one with THEN (TTL 0, as a
rebinding attacker does), AAAA queries for NAME with no address, and anything else with
"no such name". Plain UDP on port 53, standard library only.
"""

from __future__ import annotations

import socket
import struct
import sys

A, AAAA = 1, 28


def question(query: bytes) -> tuple[str, int, int]:
    """(name, type, where the question ends) of a query."""
    labels, offset = [], 12
    while query[offset]:
        length = query[offset]
        labels.append(query[offset + 1:offset + 1 + length].decode("ascii", "replace"))
        offset += 1 + length
    qtype = struct.unpack_from("!H", query, offset + 1)[0]
    return ".".join(labels).lower(), qtype, offset + 5


def reply(query: bytes, address: str | None, known: bool) -> bytes:
    _name, _qtype, end = question(query)
    rcode = 0 if known else 3
    header = query[:2] + struct.pack("!HHHHH", 0x8180 | rcode, 1, 1 if address else 0, 0, 0)
    answer = b""
    if address:
        answer = b"\xc0\x0c" + struct.pack("!HHIH", A, 1, 0, 4) + socket.inet_aton(address)
    return header + query[12:end] + answer


def main() -> None:
    address, name, first, then = sys.argv[1], sys.argv[2].lower(), sys.argv[3], sys.argv[4]
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind((address, 53))
    asked = 0
    while True:
        query, client = server.recvfrom(4096)
        try:
            qname, qtype, _end = question(query)
        except (IndexError, struct.error):
            continue
        answer = None
        if qname == name and qtype == A:
            answer = first if asked == 0 else then
            asked += 1
        server.sendto(reply(query, answer, qname == name), client)


if __name__ == "__main__":
    main()
