"""Browser test helpers: Playwright for Python driving Debian's chromium, headless.

No browser is ever downloaded: the tests use /usr/bin/chromium (tests/install-system-deps.sh
installs it) and skip with the reason when it is missing. Screenshots of every view at phone
size are kept in tests/artifacts/ui/.
"""

from __future__ import annotations

import os
import shutil

from support import free_udp_port  # noqa: F401  (the UI tests import it from here)

CHROMIUM = os.environ.get("RACEFLAGS_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-dev-shm-usage"]
ARTIFACTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                         "artifacts", "ui")
PHONE = {"viewport": {"width": 375, "height": 812}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}


class Pages:
    """New phone-sized (or kiosk) pages; page errors fail the test."""

    def __init__(self, browser):
        self.browser = browser
        self.contexts = []
        self.errors: list[str] = []

    def phone(self, url: str, **kw):
        return self._open(url, dict(PHONE, **kw))

    def kiosk(self, url: str, width: int = 640, height: int = 360):
        return self._open(url, {"viewport": {"width": width, "height": height}})

    def _open(self, url: str, options: dict):
        ctx = self.browser.new_context(**options)
        ctx.set_default_timeout(8000)
        self.contexts.append(ctx)
        page = ctx.new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"{url}: {exc}"))
        page.goto(url)
        return page

    def close(self):
        for ctx in self.contexts:
            ctx.close()


def shot(page, name: str) -> str:
    """Keep a screenshot as a test artifact; returns its path."""
    os.makedirs(ARTIFACTS, exist_ok=True)
    path = os.path.join(ARTIFACTS, name + ".png")
    page.screenshot(path=path, full_page=True)
    return path


def live(page, timeout: float = 8000):
    page.wait_for_selector('#conn[data-status="live"]', timeout=timeout)
    return page


def docs_copy(src: str, name: str) -> None:
    """With RACEFLAGS_UPDATE_DOCS=1, copy a screenshot into docs/ (for the README)."""
    if os.environ.get("RACEFLAGS_UPDATE_DOCS") == "1":
        docs = os.path.join(os.path.dirname(os.path.dirname(ARTIFACTS)), "..", "docs")
        os.makedirs(docs, exist_ok=True)
        shutil.copyfile(src, os.path.join(docs, name))


def mesh_config(path, discovery_port: int | None = None, fast: bool = False) -> str:
    """A node config on its own discovery port, so that the nodes of one test mesh only with
    each other (never with another test's, or a developer's, node on the default port)."""
    timing = ("announce_interval_s = 0.2\nanti_entropy_s = 0.3\npeer_timeout_s = 1.0\n"
              "link_timeout_s = 1.0\n") if fast else ""
    with open(path, "w") as fh:
        fh.write(f"[mesh]\ndiscovery_port = {discovery_port or free_udp_port()}\n"
                 f'broadcast = "127.255.255.255"\n{timing}')
    return str(path)


def wait_js(page, expression: str, timeout: float = 5.0, what: str = ""):
    """Poll a JS expression until truthy (page.wait_for_function evaluates strings with
    eval, which the pages' Content-Security-Policy forbids)."""
    import time
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s: {what or expression}")
        page.wait_for_timeout(50)
