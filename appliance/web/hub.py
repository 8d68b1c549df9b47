"""The WebSocket hub: every `/ws` client gets `state_init`, then every change.

Each client has a bounded queue and its own sender task, so one slow phone cannot delay a
flag for the others: a client whose queue overflows is dropped (it reconnects and gets a
fresh `state_init`). A heartbeat pings every client and drops those silent too long.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

from microdot.websocket import WebSocket

log = logging.getLogger(__name__)


class Client:
    def __init__(self, ws: WebSocket, queue_size: int):
        self.ws = ws
        self.queue: asyncio.Queue[bytes] = asyncio.Queue(queue_size)

    @property
    def reader(self):
        return self.ws.request.sock[0]

    def drop(self) -> None:
        self.ws.request.sock[1].close()


class Hub:
    queue_size = 64

    def __init__(self, ping_s: float = 10.0, dead_s: float = 30.0):
        self.clients: set[Client] = set()
        self.ping_s, self.dead_s = ping_s, dead_s
        self.dropped = 0
        self._heartbeat: asyncio.Task | None = None

    def start(self) -> None:
        self._heartbeat = asyncio.get_running_loop().create_task(self._beat())

    def stop(self) -> None:
        if self._heartbeat:
            self._heartbeat.cancel()
        for client in list(self.clients):
            client.drop()

    def publish(self, message: dict) -> None:
        self.publish_text(json.dumps(message, separators=(",", ":")))

    def publish_text(self, text: str) -> None:
        """Queue one message for every client, framed once for all of them."""
        frame = bytes(WebSocket._encode_websocket_frame(WebSocket.TEXT, text))
        for client in list(self.clients):
            try:
                client.queue.put_nowait(frame)
            except asyncio.QueueFull:
                log.warning("dropping a /ws client that does not keep up")
                self._drop(client)

    def _drop(self, client: Client) -> None:
        self.clients.discard(client)
        self.dropped += 1
        client.drop()

    async def serve(self, ws: WebSocket, first_message: str) -> None:
        """Run one client until it goes: send from its queue, read (and ignore) its frames."""
        ws.request.sock[0].deadline = None
        client = Client(ws, self.queue_size)
        self.clients.add(client)
        sender = asyncio.get_running_loop().create_task(self._send(client))
        try:
            await ws.send(first_message)
            while True:
                await ws.receive()
        finally:
            sender.cancel()
            self.clients.discard(client)

    async def _send(self, client: Client) -> None:
        try:
            while True:
                await client.ws.request.sock[1].awrite(await client.queue.get())
        except (OSError, ConnectionError):
            self._drop(client)

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.ping_s)
            now = time.monotonic()
            for client in list(self.clients):
                if now - client.reader.last_read > self.dead_s:
                    log.info("dropping a silent /ws client")
                    self._drop(client)
                else:
                    try:
                        await client.ws.send(b"", WebSocket.PING)
                    except (OSError, ConnectionError):
                        self._drop(client)
