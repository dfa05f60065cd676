"""A sync a UI can walk away from: a transport and a sleep for
:func:`~library.sync.engine.sync` that end at once when an event is set.

httpx blocks its thread until the server answers or the timeout passes (30 s, for each
of three attempts), and retries wait 1 then 2 s. A UI that quits must not wait for that:
Python waits for its worker threads before the process ends. Here each request runs on a
daemon thread of its own while the calling thread waits for it *or* for ``stop``,
whichever comes first; once ``stop`` is set, requests and retries end with an error at
once. A request left behind finishes or times out on its own, and nothing waits for it.

Stopping a sync anywhere loses nothing (see :mod:`library.sync.engine`): outbox rows
go only once the server accepted them, and each step's writes are one transaction.
"""

from __future__ import annotations

import threading
from typing import Callable

import httpx

from library.sync.settings import SyncError

POLL_S = 0.1
STOPPED = "podterm is closing"


class StoppableTransport(httpx.BaseTransport):
    """httpx's own transport (as ``httpx.Client(trust_env=False)`` makes it), each
    request on a daemon thread, abandoned when ``stop`` is set."""

    def __init__(self, stop: threading.Event) -> None:
        self._inner = httpx.HTTPTransport(trust_env=False)
        self._stop = stop
        self._lock = threading.Lock()
        self._in_flight = 0
        self._close_pending = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self._stop.is_set():
            raise httpx.ConnectError(STOPPED, request=request)
        done = threading.Event()
        outcome: dict[str, object] = {}
        with self._lock:
            self._in_flight += 1
        threading.Thread(target=self._send, args=(request, outcome, done), daemon=True,
                         name="podterm-sync-request").start()
        while not done.wait(POLL_S):
            if self._stop.is_set():
                raise httpx.ConnectError(STOPPED, request=request)
        if "error" in outcome:
            raise outcome["error"]  # type: ignore[misc]
        return outcome["response"]  # type: ignore[return-value]

    def _send(self, request: httpx.Request, outcome: dict[str, object],
              done: threading.Event) -> None:
        try:
            response = self._inner.handle_request(request)
            response.read()  # the body too: reading it can block as long as the headers
            outcome["response"] = response
        except BaseException as exc:  # handed to the waiting thread, if it still waits
            outcome["error"] = exc
        finally:
            with self._lock:
                self._in_flight -= 1
                close = self._close_pending and not self._in_flight
            done.set()
            if close:
                self._inner.close()

    def close(self) -> None:
        """Close the connections now, or once the request left behind is done with them."""
        with self._lock:
            if self._in_flight:
                self._close_pending = True
                return
        self._inner.close()


def stoppable_sleep(stop: threading.Event) -> Callable[[float], None]:
    """A ``sleep`` for retries that ends the sync (with :class:`SyncError`) when ``stop``
    is set, instead of waiting on."""

    def sleep(seconds: float) -> None:
        if stop.wait(seconds):
            raise SyncError(f"sync stopped: {STOPPED}")

    return sleep
