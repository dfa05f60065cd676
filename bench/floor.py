"""The stdlib floor: the least work any refresh must do, as a yardstick for podterm.

Run by bench_peers.py:  python bench/floor.py STATE.json

16 threads fetch every URL in STATE.json with http.client (keep-alive per thread and
host, gzip), parse each body with ElementTree and read each item's guid, title,
enclosure and duration. Nothing is stored. With validators saved by an earlier run in
STATE.json it sends If-None-Match / If-Modified-Since (a warm refresh). Prints one JSON
line: feeds fetched, not modified, items seen, failures.
"""

from __future__ import annotations

import gzip
import http.client
import json
import queue
import sys
import threading
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

THREADS = 16
ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"


def main(state_path: str) -> None:
    with open(state_path) as f:
        state = json.load(f)
    jobs: queue.Queue = queue.Queue()
    for url in state["urls"]:
        jobs.put(url)
    validators = state.setdefault("validators", {})
    totals = {"fetched": 0, "not_modified": 0, "items": 0, "failed": 0}
    lock = threading.Lock()

    def worker() -> None:
        connections: dict[str, http.client.HTTPConnection] = {}
        while True:
            try:
                url = jobs.get_nowait()
            except queue.Empty:
                break
            parts = urlsplit(url)
            conn = connections.get(parts.netloc)
            if conn is None:
                conn = connections[parts.netloc] = http.client.HTTPConnection(parts.netloc,
                                                                              timeout=30)
            headers = {"Accept-Encoding": "gzip"}
            etag, modified = validators.get(url, (None, None))
            if etag:
                headers["If-None-Match"] = etag
            if modified:
                headers["If-Modified-Since"] = modified
            try:
                conn.request("GET", parts.path, headers=headers)
                response = conn.getresponse()
                body = response.read()
            except OSError:
                with lock:
                    totals["failed"] += 1
                continue
            if response.status == 304:
                with lock:
                    totals["not_modified"] += 1
                continue
            if response.getheader("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            items = 0
            for item in ET.fromstring(body).iter("item"):
                item.findtext("guid"), item.findtext("title"), item.findtext(ITUNES + "duration")
                enclosure = item.find("enclosure")
                if enclosure is not None:
                    enclosure.get("url")
                items += 1
            with lock:
                totals["fetched"] += 1
                totals["items"] += items
                validators[url] = (response.getheader("ETag"),
                                   response.getheader("Last-Modified"))
        for conn in connections.values():
            conn.close()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with open(state_path, "w") as f:
        json.dump(state, f)
    print(json.dumps(totals))


if __name__ == "__main__":
    main(sys.argv[1])
