"""The one panel interface every driver implements."""

from __future__ import annotations

from typing import Protocol

from ..frame import Frame


class DriverError(RuntimeError):
    """A driver could not open or show; the service logs it, reports it and retries."""


class Driver(Protocol):
    """A panel output. open() may raise; show() may raise; close() is idempotent.

    show() is called off the asyncio loop (in the service's driver thread), so a slow
    serial write or a DMA wait never stalls the node.
    """

    name: str

    def open(self) -> None: ...

    def show(self, frame: Frame) -> None: ...

    def close(self) -> None: ...
