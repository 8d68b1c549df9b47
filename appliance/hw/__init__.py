"""Hardware: LED flag panels, start and pit-exit lights, marshal buttons.

Rendering (`render`) is pure and apart from driving (`drivers`); `HardwareService` ties
them to a node. Nothing here imports a C module or touches GPIO at import time.
"""

from .frame import Frame, Layout
from .render import View, render
from .service import HardwareService

__all__ = ["Frame", "HardwareService", "Layout", "View", "render"]
