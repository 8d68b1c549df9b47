"""Pit-box passwords: bcrypt, run off the event loop so a password check never delays a
flag, and repeated failures on a box answered ever more slowly."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import bcrypt

from .errors import ValidationError


class Passwords:
    #: bcrypt cost; 10 takes about 0.1 s on a Pi 4 and under a second on a Zero 2 W.
    rounds = 10
    #: First delay after a wrong password, doubled each time, up to `max_delay_s`.
    first_delay_s = 0.5
    max_delay_s = 8.0

    def __init__(self, current_hash: Callable[[str], str | None]):
        self.current_hash = current_hash
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bcrypt")
        self._failures: dict[str, int] = {}

    async def _run(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    async def hash(self, password: str) -> str:
        salt = bcrypt.gensalt(self.rounds)
        return (await self._run(bcrypt.hashpw, password.encode(), salt)).decode()

    async def verify(self, box_id: str, password: str, known_hash: str) -> None:
        """Return if the password matches; else wait (longer each time) and raise 403."""
        try:
            ok = await self._run(bcrypt.checkpw, password.encode(), known_hash.encode())
        except ValueError:
            ok = False
        if ok:
            self._failures.pop(box_id, None)
            return
        failures = self._failures[box_id] = self._failures.get(box_id, 0) + 1
        await asyncio.sleep(min(self.first_delay_s * 2 ** (failures - 1), self.max_delay_s))
        raise ValidationError("password", f"wrong password for pit box {box_id!r}", 403)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
