"""The personal access tokens the emulator accepts, and the apps each may use."""

from __future__ import annotations

from collections.abc import Iterable

from connector.emulator.options import EmulatorOptions

__all__ = ["Accounts"]


class Accounts:
    """PAT -> the app ids it may use (None: every app of the emulated user)."""

    def __init__(self) -> None:
        self._pats: dict[str, frozenset[str] | None] = {}

    def clear(self) -> None:
        self._pats = {}

    def add(self, pat: str, apps: Iterable[str] | None = None) -> None:
        """Accept ``pat``; ``apps`` limits it to those app ids (None or empty: every app)."""
        limited = frozenset(apps or ())
        self._pats[pat] = limited or None

    def add_from(self, options: EmulatorOptions) -> None:
        """Accept the options' ``pat`` (every app) and each of its ``extra_pats``."""
        self.add(options.pat)
        for pat, apps in (options.extra_pats or {}).items():
            self.add(pat, apps)

    def remove(self, pat: str) -> None:
        """Stop accepting ``pat`` (unknown: nothing to do)."""
        self._pats.pop(pat, None)

    def knows(self, pat: str) -> bool:
        return pat in self._pats

    def apps_of(self, pat: str) -> frozenset[str] | None:
        """The app ids ``pat`` may use, None for every app. KeyError for an unknown PAT."""
        return self._pats[pat]
