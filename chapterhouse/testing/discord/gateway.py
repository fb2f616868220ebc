"""Discord's gateway: the websocket a bot connects to after logging in.

HELLO, IDENTIFY → READY (guild unavailable) then GUILD_CREATE, heartbeat ACKs,
RESUME → replay + RESUMED, member chunk requests, and `zlib-stream` compression
when the client asks for it. Events are numbered per session and kept, so a
client that reconnects and resumes gets what it missed, as from Discord.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import zlib
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from chapterhouse.testing.discord.world import World


@dataclass(eq=False)
class _Session:
    id: str
    token: str
    identify: dict[str, Any]
    seq: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)
    conn: _Connection | None = None


@dataclass(eq=False)
class _Connection:
    ws: web.WebSocketResponse
    compressor: Any = None
    session: _Session | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class Gateway(World):
    """The gateway websocket over the world."""

    def __init__(
        self, *, heartbeat_interval: int = 41250, compress: bool = True, **world: Any
    ) -> None:
        super().__init__(**world)
        self.heartbeat_interval = heartbeat_interval
        self.compress = compress
        self.identifies: list[dict[str, Any]] = []
        self.gateway_received: list[dict[str, Any]] = []
        """Every frame the client sent on the gateway (heartbeats included)."""
        self._sessions: dict[str, _Session] = {}
        self._connections: set[_Connection] = set()

    # -- gateway ---------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(timeout=2.0, max_msg_size=16 * 1024 * 1024)
        await ws.prepare(request)
        wants_zlib = request.query.get("compress") == "zlib-stream" and self.compress
        conn = _Connection(ws, zlib.compressobj() if wants_zlib else None)
        self._connections.add(conn)
        try:
            hello = {"heartbeat_interval": self.heartbeat_interval}
            await self._send(conn, {"op": 10, "d": hello, "s": None, "t": None})
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue  # ETF and binary frames are not spoken here
                frame = json.loads(msg.data)
                async with self._changed:
                    self.gateway_received.append(frame)
                    self._changed.notify_all()
                await self._on_frame(conn, frame)
        finally:
            self._connections.discard(conn)
            if conn.session is not None and conn.session.conn is conn:
                conn.session.conn = None
            async with self._changed:
                self._changed.notify_all()
        return ws

    async def _send(self, conn: _Connection, payload: dict[str, Any]) -> None:
        async with conn.lock:
            await self._send_locked(conn, payload)

    async def _send_locked(self, conn: _Connection, payload: dict[str, Any]) -> None:
        text = json.dumps(payload, separators=(",", ":"))
        if conn.compressor is None:
            await conn.ws.send_str(text)
        else:
            data = conn.compressor.compress(text.encode()) + conn.compressor.flush(
                zlib.Z_SYNC_FLUSH
            )
            await conn.ws.send_bytes(data)

    async def _on_frame(self, conn: _Connection, frame: dict[str, Any]) -> None:
        op, data = frame.get("op"), frame.get("d") or {}
        if op == 1:  # heartbeat
            await self._send(conn, {"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:  # identify
            await self._identify(conn, data)
        elif op == 6:  # resume
            await self._resume(conn, data)
        elif op == 8:  # request guild members
            await self._member_chunk(conn, data)
        elif op not in (3, 4):  # presence and voice state updates are just recorded
            await conn.ws.close(code=4001, message=b"Unknown opcode.")

    async def _identify(self, conn: _Connection, data: dict[str, Any]) -> None:
        if self.token is not None and data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        session = _Session(id=f"{self.snowflake():x}", token=data.get("token", ""), identify=data)
        self._sessions[session.id] = session
        session.conn, conn.session = conn, session
        self.identifies.append(data)
        ready: dict[str, Any] = {
            "v": 10,
            "user": self._me(),
            "guilds": [{"id": str(self.guild_id), "unavailable": True}],
            "session_id": session.id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": self._app_flags()},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "user_settings": {},
            "geo_ordered_rtc_regions": ["us-east"],
        }
        if "shard" in data:
            ready["shard"] = data["shard"]
        await self._dispatch_to(session, "READY", ready)
        await self._dispatch_to(session, "GUILD_CREATE", self.guild_create())
        async with self._changed:
            self._changed.notify_all()

    def _app_flags(self) -> int:
        return int(self.application_object()["flags"])

    async def _resume(self, conn: _Connection, data: dict[str, Any]) -> None:
        session = self._sessions.get(data.get("session_id", ""))
        if session is None or data.get("token") != session.token:
            await self._send(conn, {"op": 9, "d": False, "s": None, "t": None})
            return
        if session.conn is not None and session.conn is not conn:
            with contextlib.suppress(Exception):
                await session.conn.ws.close(code=4000)
        session.conn, conn.session = conn, session
        last = data.get("seq") or 0
        async with conn.lock:
            for frame in session.sent:
                if frame["s"] > last:
                    await self._send_locked(conn, frame)
        await self._dispatch_to(session, "RESUMED", {})
        async with self._changed:
            self._changed.notify_all()

    async def _member_chunk(self, conn: _Connection, data: dict[str, Any]) -> None:
        if conn.session is None or int(data.get("guild_id", 0)) != self.guild_id:
            return
        wanted = {int(u) for u in data.get("user_ids") or []}
        query = (data.get("query") or "").lower()
        members = [
            self.member(user_id)
            for user_id in self.member_ids
            if (not wanted or user_id in wanted)
            and self.user(user_id)["username"].lower().startswith(query)
        ][: data.get("limit") or None]
        chunk: dict[str, Any] = {
            "guild_id": str(self.guild_id),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [str(u) for u in wanted if u not in self.member_ids],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        await self._dispatch_to(conn.session, "GUILD_MEMBERS_CHUNK", chunk)

    async def _dispatch_to(self, session: _Session, event: str, data: Any) -> None:
        """Number the event in the session; send it if connected (else kept for RESUME)."""
        conn = session.conn
        if conn is None:
            session.seq += 1
            session.sent.append({"op": 0, "t": event, "s": session.seq, "d": data})
            return
        async with conn.lock:
            session.seq += 1
            frame = {"op": 0, "t": event, "s": session.seq, "d": data}
            session.sent.append(frame)
            with contextlib.suppress(ConnectionResetError):
                await self._send_locked(conn, frame)

    async def wait_connected(self, timeout: float = 10.0) -> None:
        """Until a client has identified (or resumed) and is connected."""
        await self.wait(lambda: any(s.conn is not None for s in self._sessions.values()), timeout)

    async def dispatch(self, event: str, data: Any) -> None:
        """Send an op-0 dispatch (`t`=event) to every session, with its next sequence."""
        await self.wait_connected()
        for session in list(self._sessions.values()):
            if session.conn is not None:
                await self._dispatch_to(session, event, data)

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT: the client closes and RESUMEs."""
        for conn in list(self._connections):
            await self._send(conn, {"op": 7, "d": None, "s": None, "t": None})

    async def invalidate_session(self, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION to every connection."""
        for conn in list(self._connections):
            await self._send(conn, {"op": 9, "d": resumable, "s": None, "t": None})

    async def close_gateway(self, code: int = 1001) -> None:
        """Close every gateway socket with `code` (default 1001, going away), as Discord
        does when it stops or drops a connection."""
        for conn in list(self._connections):
            with contextlib.suppress(Exception):
                await conn.ws.close(code=code, message=b"closed by the fake")
