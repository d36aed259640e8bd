"""Debian's Chromium for the browser tests: found at /usr/bin/chromium, or installed
with apt-get when missing (the test setup's job, never ``playwright install``).

    python -m tests.support.chromium     # install it ahead of a test run

Playwright for Python drives it (:func:`visit`) with :data:`LAUNCH_ARGS`; nothing is
downloaded by Playwright itself (never ``playwright install``).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

logger = logging.getLogger(__name__)

#: Where Debian's ``chromium`` package puts the browser.
CHROMIUM = Path("/usr/bin/chromium")

#: Headless, no sandbox (containers run as root), and none of Chromium's own network
#: traffic (updates, sync, first-run pages), so a test sees only the page's requests.
LAUNCH_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def in_ci() -> bool:
    """True on CI (``CI=true``), where a missing browser must fail a run, not skip."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def ensure_chromium(timeout: float = 900.0) -> tuple[Path | None, str]:
    """The browser's path, installing Debian's ``chromium`` with apt-get if needed.

    Returns ``(path, "")`` when it is there, or ``(None, why)`` when it is not and
    cannot be installed (no apt-get, not root, the install failed). Idempotent: an
    installed browser is found without running anything."""
    if CHROMIUM.exists():
        return CHROMIUM, ""
    apt = shutil.which("apt-get")
    if apt is None:
        return None, f"{CHROMIUM} is missing and there is no apt-get to install Debian's chromium"
    prefix: list[str] = []
    if os.geteuid() != 0:
        sudo = shutil.which("sudo")
        if sudo is None:
            return None, f"{CHROMIUM} is missing; installing it needs root (apt-get install chromium)"
        prefix = [sudo, "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    steps = (
        [*prefix, apt, "update", "-qq"],
        [*prefix, apt, "install", "-y", "-qq", "--no-install-recommends", "chromium"],
    )
    for cmd in steps:
        logger.info("installing the browser: %s", " ".join(cmd))
        try:
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return None, f"{' '.join(cmd)} failed: {exc}"
        if done.returncode != 0:
            tail = " ".join((done.stderr or done.stdout).split()[-30:])
            return None, f"{' '.join(cmd)} exited with {done.returncode}: {tail}"
    if not CHROMIUM.exists():
        return None, f"apt-get installed chromium but {CHROMIUM} is still missing"
    return CHROMIUM, ""


@dataclasses.dataclass
class Visit:
    """What a page did when opened: every request the browser made for it, its
    console messages (type, text), uncaught errors, dialogs opened, and the number of
    ``script`` elements in the rendered DOM."""

    requests: list[str]
    console: list[tuple[str, str]]
    errors: list[str]
    dialogs: list[str]
    scripts: int
    title: str
    #: The rendered text of the page (``document.body.innerText``).
    text: str

    @property
    def console_errors(self) -> list[str]:
        return [text for kind, text in self.console if kind in ("error", "warning")]


def visit(
    path: Path,
    *,
    browser: Path = CHROMIUM,
    screenshot: Path | None = None,
    sections: Mapping[str, Path] | None = None,
    width: int = 1200,
) -> Visit:
    """Open the local file ``path`` in headless Chromium (Playwright for Python), wait
    until it has loaded, and record what it did; save a full-page ``screenshot`` and
    one image per element id of ``sections`` if asked."""
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    console: list[tuple[str, str]] = []
    errors: list[str] = []
    dialogs: list[str] = []
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(browser), args=list(LAUNCH_ARGS))
        try:
            page = chromium.new_page(viewport={"width": width, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            page.on("console", lambda m: console.append((m.type, m.text)))
            page.on("pageerror", lambda e: errors.append(str(e)))

            def on_dialog(dialog: object) -> None:
                dialogs.append(getattr(dialog, "message", ""))
                dialog.dismiss()  # type: ignore[attr-defined]

            page.on("dialog", on_dialog)
            page.goto(path.resolve().as_uri(), wait_until="load")
            page.wait_for_load_state("networkidle")
            scripts = int(page.evaluate("document.querySelectorAll('script').length"))
            title = str(page.title())
            text = str(page.evaluate("document.body.innerText"))
            if screenshot is not None:
                page.screenshot(path=str(screenshot), full_page=True)
            for ident, target in (sections or {}).items():
                page.locator(f"#{ident}").screenshot(path=str(target))
        finally:
            chromium.close()
    return Visit(requests, console, errors, dialogs, scripts, title, text)


def main() -> int:
    path, why = ensure_chromium()
    if path is None:
        print(f"error: {why}", file=sys.stderr)
        return 1
    print(f"chromium: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
