"""Worker processes that parse feeds, each parse within a budget.

feedparser holds the GIL for the whole parse, so a parsing thread would still stall a
UI's event loop; separate processes do not, and on two cores they parse twice as fast.

The workers (:mod:`library.parseworker`) are plain child processes fed through pipes and
managed here, not by ``concurrent.futures``, because:

- a parse that runs past its time budget must stop: its worker is killed and replaced
  (an executor cannot cancel a running task, and its worker would stay busy);
- a worker must never outlive the program: it exits when its stdin closes, which the
  kernel does when this process dies, even by kill -9 (an executor's workers and
  multiprocessing's resource tracker kept running, 35-75 MB each);
- a worker's memory is capped, so a feed that needs more fails alone.

One thread per worker takes parses from a shared queue, the largest body first. Workers
start on the first parse (a refresh where nothing changed starts none; a command may
start them sooner: :mod:`library.parserstart`) and are shared for the life of the
program. They are started afresh (``python -m``), never forked: forking a process that
runs threads (libVLC's, Textual's) can deadlock the child.
"""

from __future__ import annotations

import atexit
import heapq
import os
import selectors
import subprocess
import threading
import time
from concurrent.futures import Future

from library import parserstart
from library.parse import FeedParseError, ParsedFeed
from library.parsewire import HEADER, REQUEST, ParseJob, job_bytes, read_answer
from library.record import Record

# A worker imports feedparser before it takes work: seconds on a busy machine at most.
STARTUP_TIMEOUT_S = 60.0


class ParseBudget(Record, frozen=True):
    """What one feed's parse may take (``[refresh]`` ``parse_timeout_s``,
    ``max_episodes``, ``parse_memory_mb``). Only the newest ``max_episodes`` are kept."""

    timeout_s: float = 30.0
    max_episodes: int = 10_000
    memory_mb: float = 300.0


class ParseBudgetExceeded(FeedParseError):
    """The parse was stopped. ``kind``: 'parse_timeout', 'parse_memory' or 'parser_died'."""


def submit_parse(body: bytes, budget: ParseBudget = ParseBudget(),
                 job: ParseJob | None = None) -> "Future[ParsedFeed | None]":
    """Parse ``body`` in a worker process; the future raises :class:`FeedParseError` when
    it is no feed, :class:`ParseBudgetExceeded` when the budget ran out, and gives None
    when the body is the one ``job.known_hash`` names (see :class:`ParseJob`; the
    budget's ``max_episodes`` counts unless a job is given)."""
    job = job or ParseJob(budget.max_episodes)
    with _lock:
        return _the_pool().submit(body, budget, job)


def start_workers(budget: ParseBudget = ParseBudget()) -> None:
    """Start the worker processes now rather than with the first parse: a caller that
    knows it will parse (the first refresh of new subscriptions) lets them import while
    it fetches, instead of making the first bodies wait for them."""
    with _lock:
        _the_pool().start_workers(budget.memory_mb)


def _the_pool() -> "_Pool":
    global _pool
    if _pool is None:
        _pool = _Pool(parserstart.pool_size())
    return _pool


@atexit.register
def shutdown() -> None:
    """Stop the workers at once (also called at interpreter exit); parses not yet
    started are cancelled."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown()


class _LargestFirst:
    """The pool's work: requests to start a worker first, then parses, the largest body
    first, then the requests to stop. Taking the largest pending parse first (rather than
    the one fetched first) leaves the small ones for the end of a refresh, so that the
    workers finish together instead of one parsing a big feed while the other waits."""

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, int, object]] = []
        self._count = 0  # (in the order put, among equals; never compares the tasks)
        self._ready = threading.Condition(threading.Lock())

    def put(self, task: object, rank: int, size: int = 0) -> None:
        with self._ready:
            self._count += 1
            heapq.heappush(self._heap, (rank, -size, self._count, task))
            self._ready.notify()

    def get(self) -> object:
        with self._ready:
            while not self._heap:
                self._ready.wait()
            return heapq.heappop(self._heap)[3]


_START, _PARSE, _STOP = range(3)  # (the ranks of a pool's tasks: the lowest is taken first)


class _Pool:
    def __init__(self, size: int) -> None:
        self._tasks = _LargestFirst()
        self._workers: set[_Worker] = set()
        self._workers_lock = threading.Lock()
        self._closing = False
        self._threads = [threading.Thread(target=self._serve, name=f"podterm-parse-{n}",
                                          daemon=True) for n in range(size)]
        for thread in self._threads:
            thread.start()

    def submit(self, body: bytes, budget: ParseBudget,
               job: ParseJob) -> "Future[ParsedFeed | None]":
        future: Future[ParsedFeed | None] = Future()
        self._tasks.put((body, budget, job, future), _PARSE, len(body))
        return future

    def start_workers(self, memory_mb: float) -> None:
        """Have each thread start its worker, as its next parse would."""
        for _thread in self._threads:
            self._tasks.put(float(memory_mb), _START)

    def shutdown(self) -> None:
        self._closing = True
        with self._workers_lock:
            for worker in self._workers:
                worker.process.kill()  # busy or idle: nothing in a worker is worth keeping
        for _thread in self._threads:
            self._tasks.put(None, _STOP)
        for thread in self._threads:
            thread.join(timeout=10)

    def _serve(self) -> None:
        """One thread's loop: it owns one worker at a time, started when needed."""
        worker: _Worker | None = None
        while (task := self._tasks.get()) is not None:
            if isinstance(task, float):  # start_workers: a worker with this memory cap
                if worker is not None and worker.memory_mb != task:
                    worker = self._retire(worker)
                if worker is None and not self._closing:
                    try:
                        worker = self._start(task)
                    except ParseBudgetExceeded:
                        pass  # (the next parse tries again, and says why it failed)
                continue
            body, budget, job, future = task
            if self._closing:
                future.cancel()
            if not future.set_running_or_notify_cancel():
                continue
            result: ParsedFeed | None = None
            error: BaseException | None = None
            try:
                if worker is not None and worker.memory_mb != budget.memory_mb:
                    worker = self._retire(worker)
                if worker is None:
                    worker = self._start(budget.memory_mb)
                result = worker.parse(body, budget, job)
            except BaseException as exc:
                error = exc
            # A stopped worker is reaped before its parse is answered: whoever waits for
            # the answer finds no worker left behind.
            if worker is not None and not worker.usable:
                worker = self._retire(worker)
            if error is None:
                future.set_result(result)
            else:
                future.set_exception(error)
        if worker is not None:
            self._retire(worker)

    def _start(self, memory_mb: float) -> "_Worker":
        worker = _Worker(memory_mb)
        with self._workers_lock:
            self._workers.add(worker)
            if self._closing:
                worker.process.kill()
        try:
            worker.wait_until_ready()
        except ParseBudgetExceeded:
            self._retire(worker)
            raise
        return worker

    def _retire(self, worker: "_Worker") -> None:
        """Stop ``worker`` and forget it (returns None, for ``worker = self._retire(...)``)."""
        worker.stop()
        with self._workers_lock:
            self._workers.discard(worker)


class _Ended(Exception):
    """The worker closed its end of the pipe: it exited or was killed."""


class _TimedOut(Exception):
    pass


class _Worker:
    """One parser process and the pipes to it. Used by one thread at a time."""

    def __init__(self, memory_mb: float) -> None:
        self.memory_mb = memory_mb
        self.usable = True
        try:
            self.process = parserstart.adopt(memory_mb) or parserstart.spawn(memory_mb)
        except OSError as exc:
            raise ParseBudgetExceeded("parser_died",
                                      f"the parser process could not start: {exc}") from None
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.process.stdout, selectors.EVENT_READ)

    def wait_until_ready(self) -> None:
        try:
            self._read_frame(time.monotonic() + STARTUP_TIMEOUT_S)
        except (_Ended, _TimedOut):
            self.process.kill()
            self.usable = False
            raise ParseBudgetExceeded(
                "parser_died", f"the parser process could not start ({self._how_it_ended()})"
            ) from None

    def parse(self, body: bytes, budget: ParseBudget, job: ParseJob) -> ParsedFeed | None:
        """The parsed feed; None if it was not parsed, being the one ``job.known_hash``
        names."""
        job_data = job_bytes(job)
        try:
            assert self.process.stdin is not None
            self.process.stdin.write(REQUEST.pack(len(body), len(job_data)))
            self.process.stdin.write(job_data)
            self.process.stdin.write(body)
            self.process.stdin.flush()
        except BrokenPipeError:
            pass  # it gave up reading (out of memory) or died: its answer or its end says
        try:
            frame = self._read_frame(time.monotonic() + budget.timeout_s)
            kind, payload = read_answer(frame)
        except _TimedOut:
            self.process.kill()
            self.usable = False
            raise ParseBudgetExceeded(
                "parse_timeout", f"parsing took longer than {budget.timeout_s:g} s "
                                 "([refresh] parse_timeout_s)") from None
        except _Ended:
            self.usable = False
            raise ParseBudgetExceeded(
                "parser_died", f"the parser process ended unexpectedly "
                               f"({self._how_it_ended()})") from None
        if kind == "ok":
            return payload
        if kind == "unchanged":
            return None
        # After running out of memory or an unexpected error the worker exits.
        self.usable = isinstance(payload, FeedParseError)
        if kind == "memory":
            raise ParseBudgetExceeded(
                "parse_memory", f"parsing needs more than {budget.memory_mb:g} MB of memory "
                                "([refresh] parse_memory_mb)")
        raise payload

    def stop(self) -> None:
        """End the process (closing its stdin ends an idle one) and release its pipes."""
        try:
            assert self.process.stdin is not None
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._selector.close()
        assert self.process.stdout is not None
        self.process.stdout.close()

    def _read_frame(self, deadline: float) -> bytearray:
        (length,) = HEADER.unpack(self._read_exactly(HEADER.size, deadline))
        return self._read_exactly(length, deadline)

    def _read_exactly(self, count: int, deadline: float) -> bytearray:
        """``count`` bytes, read straight into their place (growing a buffer by each
        piece, and reading more than a pipe holds into a new bytes object, copied them
        once or twice more)."""
        assert self.process.stdout is not None
        descriptor = self.process.stdout.fileno()
        data = bytearray(count)
        view, done = memoryview(data), 0
        while done < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _TimedOut
            if not self._selector.select(remaining):
                continue
            got = os.readv(descriptor, [view[done:]])
            if not got:
                raise _Ended
            done += got
        view.release()
        return data

    def _how_it_ended(self) -> str:
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return "it stopped answering"
        if code < 0:
            return f"killed by signal {-code}"
        return f"exit code {code}"


_lock = threading.Lock()
_pool: _Pool | None = None
