"""Everything a running emulator holds, and what may change it while it runs: the
state, the live options, faults, the rate limiter and the request log."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from connector.emulator.asgi import ANSWERED_KEY, FAULT_KEY, RPC_KEY, Scope
from connector.emulator.backend.state import EmulatorState
from connector.emulator.faults import FaultInjector
from connector.emulator.options import EmulatorOptions, apply_options
from connector.emulator.ratelimit import RateLimiter
from connector.emulator.requestlog import RequestLog
from connector.emulator.routing import route_table, validate_status_body

__all__ = ["EmulatorRuntime"]


class EmulatorRuntime:
    """The state, live options, faults, limiter and log of one emulator.

    ``start_options`` is what ``reset`` returns the live ``options`` to.
    """

    def __init__(self, options: EmulatorOptions, state: EmulatorState | None = None) -> None:
        if state is None:
            state = EmulatorState(dataclasses.replace(options))
        self.state = state
        self.options: EmulatorOptions = state.options
        self.start_options = dataclasses.replace(self.options)
        self.faults = FaultInjector(self.options)
        self.limiter = RateLimiter(self.options.rate_limit)
        self.log = RequestLog(self.options.request_log_size)

    def rpc_of(self, method: str, path: str) -> str | None:
        """The official RPC name a request maps to, or None."""
        match = route_table().match(method, path)
        return match.method.name if match is not None else None

    def check_answer(self, scope: Scope, http_status: int, content_type: bytes, body: bytes) -> None:
        """With ``validate_responses``: record a violation for a ``/v2`` answer that is
        not a Clarifai JSON body (only the injected ``http_503_html`` fault may be HTML),
        or whose body, produced outside the API (rate limiter, injected faults), does
        not parse as an official status response. The API checks its own answers."""
        if not self.options.validate_responses:
            return
        fault = scope.get(FAULT_KEY)
        error: str | None = None
        if b"json" not in content_type:
            if fault != "http_503_html":
                shown = content_type.decode("latin-1") or "none"
                error = f"HTTP {http_status} answered with content type {shown}, not JSON"
        elif not scope.get(ANSWERED_KEY):
            try:
                data = json.loads(body)
            except ValueError as exc:
                error = f"HTTP {http_status}: the body is not JSON: {exc}"
            else:
                error = validate_status_body(data) if isinstance(data, dict) else "the body is not a JSON object"
        if error is not None:
            self.state.violations.append(
                {
                    "rpc": scope.get(RPC_KEY) or self.rpc_of(scope["method"], scope["path"]),
                    "verb": scope["method"],
                    "path": scope["path"],
                    "error": error,
                }
            )

    def reset(self, seed: str | None = None, seed_inputs: int | None = None, **overrides: Any) -> None:
        """Return options to the start options plus ``overrides``, then reseed the state
        and clear faults, scripted faults, the rate limiter, the log and violations.

        Options are validated first; a bad override raises ValueError and changes nothing.
        """
        changes = dict(overrides)
        if seed is not None:
            changes["seed"] = seed
        if seed_inputs is not None:
            changes["seed_inputs"] = seed_inputs
        candidate = dataclasses.replace(self.start_options)
        apply_options(candidate, changes)
        for field in dataclasses.fields(EmulatorOptions):
            setattr(self.options, field.name, getattr(candidate, field.name))
        self.state.reset(self.options.seed, self.options.seed_inputs)  # clears violations too
        self.faults.reset()
        self.limiter.configure(self.options.rate_limit)
        self.log.clear(self.options.request_log_size)

    def set_options(self, changes: dict[str, Any]) -> None:
        """Change live options (validated first, all or nothing); keeps the accepted
        PATs, faults, limiter and log in step."""
        old_pat = self.options.pat
        apply_options(self.options, changes)
        if "pat" in changes or "extra_pats" in changes:
            with self.state.lock:
                if self.options.pat != old_pat:
                    self.state.accounts.remove(old_pat)
                self.state.accounts.add_from(self.options)
        if "rate_limit" in changes:
            self.limiter.configure(self.options.rate_limit)
        if "random_seed" in changes:
            self.faults.rng.seed(self.options.random_seed)
        if "request_log_size" in changes:
            self.log.clear(self.options.request_log_size)
