"""A small Discord stand-in on aiohttp, bound to 127.0.0.1: gateway and the REST endpoints the bot calls.

It runs its own event loop in a thread, so tests stay plain synchronous code: they dispatch gateway events
(`dispatch`), wait for the bot's requests (`wait_for`), and assert on the real payloads discord.py sent.

Several bot processes may connect as shards of one bot: each gateway socket identifies as a shard (IDENTIFY's
`shard`, [id, count]; [0, 1] if absent), gets READY for that shard and a GUILD_CREATE only for the guilds Discord
would put on it (`(guild_id >> 22) % count`), and has its own session and sequence numbers.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from aiohttp import WSMsgType, web

from tests.payloads import APP_ID, BOT_ID, GUILD_ID, guild_payload, message_payload, snowflake, user_payload

HEARTBEAT_MS = 41_250


@dataclass
class Session:
    """One shard's gateway session: the socket serving it now (a resume moves it to a new one) and its sequence."""

    id: str
    shard: tuple[int, int]  # [shard id, shard count], as in IDENTIFY
    socket: web.WebSocketResponse
    sequence: int = 0
    since: float = field(default_factory=time.monotonic)  # when it identified or last resumed

    @property
    def connected(self) -> bool:
        return not self.socket.closed

    def owns(self, guild_id: int) -> bool:
        return (guild_id >> 22) % self.shard[1] == self.shard[0]


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: Any

    @property
    def message(self) -> dict[str, Any]:
        """The message a request sends: a callback's `data`, or the body itself."""
        body = self.body if isinstance(self.body, dict) else {}
        return body.get("data", body) if "type" in body and "data" in body else body

    @property
    def custom_ids(self) -> list[str]:
        rows = self.message.get("components") or []
        return [c["custom_id"] for row in rows for c in row.get("components", []) if "custom_id" in c]

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.message.get("embeds") or []


class DiscordStandIn:
    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.gateway_log: list[dict[str, Any]] = []  # what the bot sent on the gateway
        self.sessions: dict[str, Session] = {}  # every session ever identified, for resumes
        self.shards: dict[int, Session] = {}  # shard id -> its newest session
        self._changed = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="discord-stand-in", daemon=True)
        self.port = 0

    # Lifecycle -----------------------------------------------------------------------------------

    def start(self) -> DiscordStandIn:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=5)
        return self

    async def _start(self) -> None:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # What tests call -----------------------------------------------------------------------------

    def dispatch(self, event: str, data: dict[str, Any], *, shard: int | None = None) -> None:
        """Send an event on shard `shard`'s socket; by default on the socket of the guild's shard (if the data has
        a guild_id and that shard is connected), else on the connected socket that identified or resumed last."""
        async def send() -> None:  # routed on the stand-in's loop, which alone changes the sessions
            await self._dispatch(self._route(data, shard), event, data)
        asyncio.run_coroutine_threadsafe(send(), self._loop).result(timeout=5)

    def drop_connection(self, *, shard: int | None = None) -> None:
        """Close a gateway socket (`shard`'s, else the one `dispatch` would use) as Discord does when it restarts a
        node: resumable code 4000."""
        async def close() -> None:
            await self._route({}, shard).socket.close(code=4000, message=b"stand-in dropped the connection")
        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=5)

    def wait_for(self, predicate: Callable[[Request], bool], *, after: int = 0, timeout: float = 15.0) -> Request:
        """The first request from index `after` on that satisfies `predicate`, waiting for it if needed."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for request in self.requests[after:]:
                    if predicate(request):
                        return request
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [f"{r.method} {r.path}" for r in self.requests[after:]]
                    raise AssertionError(f"no matching request within {timeout}s; saw {seen}")
                self._changed.wait(left)

    def wait_gateway(self, op: int, *, after: int = 0, shard: int | None = None, timeout: float = 15.0) -> dict[str, Any]:
        """The first payload with `op` the bot sent from index `after` on (for an IDENTIFY, from shard `shard`).
        When an IDENTIFY or RESUME is returned, its READY (and GUILD_CREATE) or RESUMED was already sent."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for payload in self.gateway_log[after:]:
                    if payload.get("op") == op and (shard is None or _identified_shard(payload)[0] == shard):
                        return payload
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no gateway op {op} within {timeout}s; saw {[p.get('op') for p in self.gateway_log]}")
                self._changed.wait(left)

    # Gateway ---------------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_json({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_MS}, "s": None, "t": None})
        async for frame in socket:
            if frame.type != WSMsgType.TEXT:
                continue
            payload = json.loads(frame.data)
            op = payload.get("op")
            if op == 1:
                await socket.send_json({"op": 11, "d": None, "s": None, "t": None})
            elif op == 2:
                await self._ready(socket, payload)
            elif op == 6:
                await self._resume(socket, payload["d"])
            self._note_gateway(payload)  # after the answer: a test waiting for it may dispatch right away
        return socket

    def _note_gateway(self, payload: dict[str, Any]) -> None:
        with self._changed:
            self.gateway_log.append(payload)
            self._changed.notify_all()

    def _route(self, data: dict[str, Any], shard: int | None) -> Session:
        if shard is not None:
            session = self.shards.get(shard)
        else:
            connected = [s for s in self.shards.values() if s.connected]
            guild_id = int(data.get("guild_id") or 0)
            owner = [s for s in connected if guild_id and s.owns(guild_id)]
            session = owner[0] if owner else max(connected, key=lambda s: s.since, default=None)
        assert session is not None and session.connected, f"shard {shard} of the bot is not connected"
        return session

    async def _ready(self, socket: web.WebSocketResponse, identify: dict[str, Any]) -> None:
        session = Session("session-" + snowflake(), _identified_shard(identify), socket)
        self.sessions[session.id] = self.shards[session.shard[0]] = session
        guilds = [guild_payload()] if session.owns(GUILD_ID) else []  # the one guild, if it is on this shard
        await self._dispatch(session, "READY", {
            "v": 10, "user": user_payload(BOT_ID, bot=True), "guilds": [{"id": g["id"], "unavailable": True} for g in guilds],
            "session_id": session.id, "resume_gateway_url": f"ws://127.0.0.1:{self.port}/gateway",
            "application": {"id": str(APP_ID), "flags": 0}, "shard": list(session.shard),
        })
        for guild in guilds:
            await self._dispatch(session, "GUILD_CREATE", guild)

    async def _resume(self, socket: web.WebSocketResponse, resume: dict[str, Any]) -> None:
        session = self.sessions.get(resume.get("session_id"))
        if session is None:
            await socket.send_json({"op": 9, "d": False, "s": None, "t": None})
            return
        session.socket, session.since = socket, time.monotonic()
        self.shards[session.shard[0]] = session
        await self._dispatch(session, "RESUMED", {})

    async def _dispatch(self, session: Session, event: str, data: dict[str, Any]) -> None:
        assert session.connected, "the bot is not connected"
        session.sequence += 1
        await session.socket.send_json({"op": 0, "t": event, "s": session.sequence, "d": data})

    # REST ------------------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body = await _body(request)
        with self._changed:
            self.requests.append(Request(request.method, path, dict(request.query), body))
            self._changed.notify_all()
        if path.endswith("/callback") and request.query.get("with_response") not in ("1", "true", "True"):
            return web.Response(status=204)  # Discord answers a callback with a body only when asked to
        # discord.py reads a body as JSON only when the content type is exactly this, with no charset.
        return web.Response(body=json.dumps(self._answer(request.method, path, body)).encode(),
                            headers={"Content-Type": "application/json"})

    def _answer(self, method: str, path: str, body: Any) -> Any:
        if path == "/users/@me":
            return user_payload(BOT_ID, bot=True)
        if path == "/oauth2/applications/@me":
            return {"id": str(APP_ID), "name": "JSS helper", "description": "", "icon": None, "bot_public": False,
                    "bot_require_code_grant": False, "owner": user_payload(1), "team": None, "verify_key": "k", "flags": 0}
        if path in ("/gateway", "/gateway/bot"):
            return {"url": f"ws://127.0.0.1:{self.port}/gateway", "shards": 1,
                    "session_start_limit": {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}}
        if method == "PUT" and path.endswith("/commands"):
            return [{**command, "id": snowflake(), "application_id": str(APP_ID), "version": snowflake()} for command in body or []]
        if path.endswith("/callback"):
            message = message_payload(body.get("data") if isinstance(body, dict) else {})
            return {"interaction": {"id": snowflake(), "type": 2, "response_message_id": message["id"]},
                    "resource": {"type": body.get("type", 4), "message": message}}
        if method in ("POST", "PATCH") and ("/messages" in path or path.startswith("/webhooks/")):
            return message_payload(body if isinstance(body, dict) else {})
        return {}


def _identified_shard(payload: dict[str, Any]) -> tuple[int, int]:
    """The [id, count] an IDENTIFY names; shard 0 of 1 when it names none (or it is no IDENTIFY)."""
    data = payload.get("d")
    shard = data.get("shard") if isinstance(data, dict) else None
    return (int(shard[0]), int(shard[1])) if shard else (0, 1)


async def _body(request: web.Request) -> Any:
    if request.content_type == "application/json":
        return await request.json()
    if request.content_type.startswith("multipart/"):
        reader = await request.multipart()
        async for part in reader:
            if part.name == "payload_json":
                return json.loads(await part.text())
        return {}
    text = await request.text()
    return json.loads(text) if text else None
