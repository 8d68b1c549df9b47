"""Microdot with a deadline on reading each request, so that slow or half-open clients
cannot pin the server: the request line, headers and body must arrive within
`read_timeout_s`. A WebSocket lifts the deadline once upgraded (its liveness is the
hub's heartbeat)."""

from __future__ import annotations

import asyncio
import time

from microdot import Microdot


class DeadlineReader:
    """Wraps an asyncio StreamReader; records when bytes last arrived."""

    def __init__(self, reader: asyncio.StreamReader, timeout_s: float):
        self._reader = reader
        self.deadline: float | None = time.monotonic() + timeout_s
        self.last_read = time.monotonic()

    async def _io(self, coro):
        if self.deadline is None:
            data = await coro
        else:
            data = await asyncio.wait_for(coro, max(0.0, self.deadline - time.monotonic()))
        self.last_read = time.monotonic()
        return data

    async def readline(self):
        return await self._io(self._reader.readline())

    async def read(self, n: int = -1):
        return await self._io(self._reader.read(n))

    async def readexactly(self, n: int):
        return await self._io(self._reader.readexactly(n))


class DeadlineMicrodot(Microdot):
    read_timeout_s = 10.0

    async def handle_request(self, reader, writer):
        try:
            await super().handle_request(DeadlineReader(reader, self.read_timeout_s), writer)
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError, ValueError):
            # a client too slow, gone, or speaking something other than HTTP
            writer.close()
