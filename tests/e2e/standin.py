"""A small Discord stand-in on aiohttp, bound to 127.0.0.1: gateway and the REST endpoints the bot calls.

It runs its own event loop in a thread, so tests stay plain synchronous code: they dispatch gateway events
(`dispatch`), wait for the bot's requests (`wait_for`), and assert on the real payloads discord.py sent.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from aiohttp import WSMsgType, web

from tests.payloads import APP_ID, BOT_ID, GUILD_ID, guild_payload, message_payload, snowflake, user_payload

HEARTBEAT_MS = 41_250


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
        self.sessions: dict[str, int] = {}  # session id -> last sequence sent
        self._changed = threading.Condition()
        self._socket: web.WebSocketResponse | None = None
        self._session_id: str | None = None
        self._sequence = 0
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

    def dispatch(self, event: str, data: dict[str, Any]) -> None:
        asyncio.run_coroutine_threadsafe(self._dispatch(event, data), self._loop).result(timeout=5)

    def drop_connection(self) -> None:
        """Close the gateway as Discord does when it restarts a node: resumable code 4000."""
        asyncio.run_coroutine_threadsafe(self._close(4000), self._loop).result(timeout=5)

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

    def wait_gateway(self, op: int, *, after: int = 0, timeout: float = 15.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for payload in self.gateway_log[after:]:
                    if payload.get("op") == op:
                        return payload
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no gateway op {op} within {timeout}s; saw {[p.get('op') for p in self.gateway_log]}")
                self._changed.wait(left)

    # Gateway ---------------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._socket = socket
        await socket.send_json({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_MS}, "s": None, "t": None})
        async for frame in socket:
            if frame.type != WSMsgType.TEXT:
                continue
            payload = json.loads(frame.data)
            self._note_gateway(payload)
            op = payload.get("op")
            if op == 1:
                await socket.send_json({"op": 11, "d": None, "s": None, "t": None})
            elif op == 2:
                await self._ready(payload["d"])
            elif op == 6:
                await self._resume(payload["d"])
        return socket

    def _note_gateway(self, payload: dict[str, Any]) -> None:
        with self._changed:
            self.gateway_log.append(payload)
            self._changed.notify_all()

    async def _ready(self, identify: dict[str, Any]) -> None:
        self._session_id = "session-" + snowflake()
        self._sequence = 0
        await self._dispatch("READY", {
            "v": 10, "user": user_payload(BOT_ID, bot=True), "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
            "session_id": self._session_id, "resume_gateway_url": f"ws://127.0.0.1:{self.port}/gateway",
            "application": {"id": str(APP_ID), "flags": 0}, "shard": [0, 1],
        })
        await self._dispatch("GUILD_CREATE", guild_payload())

    async def _resume(self, resume: dict[str, Any]) -> None:
        if resume.get("session_id") != self._session_id:
            await self._socket.send_json({"op": 9, "d": False, "s": None, "t": None})  # type: ignore[union-attr]
            return
        await self._dispatch("RESUMED", {})

    async def _dispatch(self, event: str, data: dict[str, Any]) -> None:
        assert self._socket is not None and not self._socket.closed, "the bot is not connected"
        self._sequence += 1
        await self._socket.send_json({"op": 0, "t": event, "s": self._sequence, "d": data})

    async def _close(self, code: int) -> None:
        if self._socket is not None:
            await self._socket.close(code=code, message=b"stand-in dropped the connection")

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
