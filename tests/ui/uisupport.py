"""Browser test helpers: Playwright for Python driving Debian's chromium, headless.

No browser is ever downloaded: the tests use /usr/bin/chromium (tests/install-system-deps.sh
installs it) and skip with the reason when it is missing. Screenshots of every view at phone
size are kept in tests/artifacts/ui/.
"""

from __future__ import annotations

import os
import shutil


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
