"""Sync servers for the tests, on 127.0.0.1.

- :class:`GpodderServer`: the real gpodder.net API v2 implementation of
  ``gpodder-fastapi-router`` (GPL-3.0-or-later) under uvicorn, behind :class:`Faults`, an
  ASGI layer that records every request and can fail chosen ones (before the server
  sees them, or after it processed them, losing the answer).
- :class:`NextcloudStandIn`: the four routes of Nextcloud's GPodder Sync app with its
  quirks: Basic auth only, no devices, ``since`` strictly greater-than on the action's
  own timestamp, the last week only when ``since`` is missing, actions answered in
  uppercase with ``-1`` for unknown numbers, one row per episode, a crash on zoned
  timestamps (as before 3.11), and an empty answer to subscription uploads.
- :class:`Phone`: raw HTTP shaped like AntennaPod's: Basic on login then the session
  cookie only, its own device, zone-less UTC timestamps, actions in batches of 30.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx


def utc(at: int) -> str:
    return datetime.fromtimestamp(at, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int = 0

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Fault:
    method: str
    path: str            # a part of the path
    status: int = 503
    after: bool = False  # let the server process it, then lose its answer
    retry_after: str | None = None
    times: int = 1


class Faults:
    """ASGI middleware: records requests; answers matching ones with an error."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.rules: list[Fault] = []
        self.seen: list[Seen] = []

    def fail(self, method: str, path: str, **kwargs: Any) -> Fault:
        rule = Fault(method, path, **kwargs)
        self.rules.append(rule)
        return rule

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        seen = Seen(scope["method"], scope["path"],
                    {k.decode().lower(): v.decode() for k, v in scope["headers"]}, body)
        self.seen.append(seen)
        replay_done = False

        async def replay() -> dict:
            nonlocal replay_done
            if replay_done:
                return {"type": "http.disconnect"}
            replay_done = True
            return {"type": "http.request", "body": body, "more_body": False}

        rule = next((r for r in self.rules if r.times and r.method == scope["method"]
                     and r.path in scope["path"]), None)
        if rule is None:
            async def recording_send(message: dict) -> None:
                if message["type"] == "http.response.start":
                    seen.status = message["status"]
                await send(message)
            await self.app(scope, replay, recording_send)
            return
        rule.times -= 1
        if rule.after:
            async def swallow(message: dict) -> None:
                pass
            await self.app(scope, replay, swallow)
        seen.status = rule.status
        headers = [(b"content-type", b"text/plain")]
        if rule.retry_after is not None:
            headers.append((b"retry-after", rule.retry_after.encode()))
        await send({"type": "http.response.start", "status": rule.status, "headers": headers})
        await send({"type": "http.response.body", "body": b"injected failure"})


class GpodderServer:
    """gpodder-fastapi-router on 127.0.0.1 (a fixed port, so it can be restarted)."""

    def __init__(self, database: Path, port: int = 0) -> None:
        self.database = database
        self.port = port or _free_port()
        self.faults: Faults | None = None
        self._server = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "GpodderServer":
        import uvicorn
        from fastapi import FastAPI
        from gpodder_router import GPodderConfig, attach

        app = FastAPI()
        attach(app, config=GPodderConfig(database_url=f"sqlite+aiosqlite:///{self.database}",
                                         bcrypt_rounds=4, enable_dashboard=False,
                                         base_url=self.url))
        self.faults = Faults(app)
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self._server = uvicorn.Server(uvicorn.Config(self.faults, log_level="warning",
                                                     lifespan="on"))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        daemon=True, name="gpodder-server")
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:  # waits for start-up, not for time to pass
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the gpodder test server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(timeout=30)
            self._server = None

    def register(self, user: str, password: str) -> None:
        reply = httpx.post(f"{self.url}/api/2/auth/{user}/register.json",
                           json={"password": password}, trust_env=False)
        assert reply.status_code == 201, reply.text

    def __enter__(self) -> "GpodderServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Phone:
    """A phone app talking to a gpodder server the way AntennaPod does."""

    def __init__(self, base: str, user: str, password: str,
                 device: str = "antennapod-phone") -> None:
        self.user, self.device = user, device
        self.http = httpx.Client(base_url=base, trust_env=False)
        reply = self.http.post(f"/api/2/auth/{user}/login.json", auth=(user, password))
        assert reply.status_code == 200 and "sessionid" in self.http.cookies
        self._ok(self.http.post(f"/api/2/devices/{user}/{device}.json",
                                json={"caption": "Phone", "type": "mobile"}))

    def subscribe(self, add: list[str] = (), remove: list[str] = ()) -> dict:
        return self._ok(self.http.post(f"/api/2/subscriptions/{self.user}/{self.device}.json",
                                       json={"add": list(add), "remove": list(remove)}))

    def subscriptions(self) -> set[str]:
        return set(self._ok(self.http.get(f"/subscriptions/{self.user}/{self.device}.json")))

    def upload(self, actions: list[dict]) -> None:
        for start in range(0, len(actions), 30):
            self._ok(self.http.post(f"/api/2/episodes/{self.user}.json",
                                    json=actions[start:start + 30]))

    def actions(self, since: int = 0) -> list[dict]:
        return self._ok(self.http.get(f"/api/2/episodes/{self.user}.json",
                                      params={"since": since}))["actions"]

    def play(self, podcast: str, episode: str, guid: str | None, position: int, total: int,
             at: int, started: int = 0) -> dict:
        action = {"podcast": podcast, "episode": episode, "device": self.device,
                  "action": "play", "timestamp": utc(at), "started": started,
                  "position": position, "total": total}
        if guid:
            action["guid"] = guid
        return action

    @staticmethod
    def _ok(reply: httpx.Response) -> Any:
        assert reply.status_code == 200, (reply.status_code, reply.text)
        return reply.json() if reply.content else None


@dataclass
class _Row:
    podcast: str
    episode: str
    guid: str | None
    action: str
    at: int
    started: int
    position: int
    total: int


@dataclass
class NextcloudState:
    user: str
    password: str
    subscriptions: dict[str, tuple[bool, int]] = field(default_factory=dict)
    actions: list[_Row] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    clock: Any = time.time  # the server's own time; tests may fix it


class NextcloudStandIn:
    """Nextcloud's GPodder Sync app, as far as its clients can tell (see the module)."""

    BASE = "/index.php/apps/gpoddersync"

    def __init__(self, user: str = "alice", password: str = "app-password") -> None:
        self.state = NextcloudState(user, password)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "NextcloudStandIn":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def upload(self, actions: list[dict]) -> None:
        """What another client (a phone) uploads, stored as the app stores it."""
        with self.state.lock:
            for item in actions:
                _upsert(self.state, item)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        state = self.state
        base = self.BASE

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                seen = Seen(method, parts.path, {k.lower(): v for k, v in self.headers.items()},
                            body)
                state.seen.append(seen)
                expected = "Basic " + base64.b64encode(
                    f"{state.user}:{state.password}".encode()).decode()
                if self.headers.get("authorization") != expected:
                    return self._reply(seen, 401, {"message": "unauthorized"})
                query = parse_qs(parts.query)
                now = int(state.clock())
                with state.lock:
                    route = (method, parts.path.removeprefix(base))
                    if route == ("GET", "/subscriptions"):
                        since = int(query["since"][0]) if "since" in query else now - 7 * 86400
                        pick = lambda on: [u for u, (s, at) in state.subscriptions.items()
                                           if s == on and at > since]
                        return self._reply(seen, 200, {"add": pick(True), "remove": pick(False),
                                                       "timestamp": now})
                    if route == ("POST", "/subscription_change/create"):
                        changes = json.loads(body)
                        for url in changes.get("add", []):
                            state.subscriptions[url] = (True, now)
                        for url in changes.get("remove", []):
                            state.subscriptions[url] = (False, now)
                        return self._reply(seen, 200, None)
                    if route == ("GET", "/episode_action"):
                        since = int(query.get("since", ["0"])[0])
                        return self._reply(seen, 200, {"actions": [
                            {"id": n, "podcast": r.podcast, "episode": r.episode, "guid": r.guid,
                             "action": r.action.upper(), "timestamp": utc(r.at),
                             "started": r.started, "position": r.position, "total": r.total}
                            for n, r in enumerate(state.actions) if r.at > since],
                            "timestamp": now})
                    if route == ("POST", "/episode_action/create"):
                        items = json.loads(body)
                        if any(_zoned(item.get("timestamp", "")) for item in items):
                            crash = {"message": "DateTime::createFromFormat"}
                            return self._reply(seen, 500, crash)
                        for item in items:
                            _upsert(state, item)
                        return self._reply(seen, 200, {"timestamp": now})
                return self._reply(seen, 404, {"message": "no such route"})

            def _reply(self, seen: Seen, status: int, document: Any) -> None:
                seen.status = status
                data = b"" if document is None else json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


def _zoned(timestamp: str) -> bool:
    return timestamp.endswith("Z") or "+" in timestamp or timestamp[19:20] == "-"


def _upsert(state: NextcloudState, item: dict) -> None:
    """One row per episode, replaced by each upload (the app's unique key)."""
    at = int(datetime.fromisoformat(item["timestamp"]).replace(tzinfo=timezone.utc).timestamp())
    row = _Row(item["podcast"], item["episode"], item.get("guid"), item["action"], at,
               item.get("started", -1), item.get("position", -1), item.get("total", -1))
    state.actions = [r for r in state.actions if r.episode != row.episode] + [row]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Library:
    """A podterm library (its own SQLite file) that syncs as one device."""

    def __init__(self, path: Path, server: str, user: str, password: str, device: str = "",
                 api: str = "gpodder") -> None:
        from library.refreshsettings import RefreshSettings
        from library.store import connect
        from library.sync.settings import SyncSettings

        self.path = path
        self.conn = connect(path)
        self.settings = SyncSettings(server=server, api=api, username=user, password=password,
                                     device=device)
        self.refresh_settings = RefreshSettings(concurrency=4, per_host=2, timeout_s=10,
                                                max_feed_mb=5)
        self.sleeps: list[float] = []

    def sync(self, **kwargs: Any):
        from library.refresh import refresh
        from library.sync.engine import sync

        kwargs.setdefault("fetch_new", lambda db, ids: refresh(db, ids, self.refresh_settings))
        kwargs.setdefault("sleep", self.sleeps.append)
        return sync(self.conn, self.settings, **kwargs)

    def subscribe(self, url: str) -> int:
        from library.feeds import add_feed
        from library.refresh import refresh

        feed_id, _ = add_feed(self.conn, url)
        [outcome] = refresh(self.path, [feed_id], self.refresh_settings)
        assert outcome.outcome == "updated", outcome.error
        return feed_id

    def refresh_all(self) -> None:
        from library.refresh import refresh

        refresh(self.path, [row[0] for row in self.conn.execute("SELECT id FROM feeds")],
                self.refresh_settings)

    def feeds(self) -> set[str]:
        return {row[0] for row in self.conn.execute("SELECT url FROM feeds")}

    def episode(self, guid: str):
        from library.episodes import get_episode

        row = self.conn.execute("SELECT id FROM episodes WHERE guid = ?", (guid,)).fetchone()
        assert row is not None, f"no episode {guid!r}"
        return get_episode(self.conn, row[0])

    def listening(self) -> dict[str, tuple[bool, int]]:
        """Every episode's state by guid: played, or the whole seconds listened."""
        return {row["guid"]: (bool(row["played"]), 0 if row["played"] else int(row["position_s"]))
                for row in self.conn.execute("SELECT guid, played, position_s FROM episodes")}

    def outbox(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM sync_outbox").fetchone()[0]

    def close(self) -> None:
        self.conn.close()
