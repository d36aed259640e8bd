"""Escaping and number formatting shared by the page and its charts.

Everything that reaches the page from the API (ids, names, descriptions, reasons)
goes through :func:`esc` or :func:`attrs`; nothing is inserted raw.
"""

from __future__ import annotations

import html
import math
from datetime import datetime, timedelta
from typing import Any

#: What a cell shows for "no value": an en dash.
DASH = "\u2013"


def esc(value: Any) -> str:
    """``value`` as text safe inside an element or a quoted attribute."""
    return html.escape("" if value is None else str(value), quote=True)


def attrs(**values: Any) -> str:
    """`` name="value"`` pairs, escaped; ``data_x`` becomes ``data-x``; ``class_``
    becomes ``class``; None and False are left out, True is a bare attribute."""
    out = []
    for key, value in values.items():
        if value is None or value is False:
            continue
        name = key.rstrip("_").replace("_", "-")
        out.append(f" {name}" if value is True else f' {name}="{esc(value)}"')
    return "".join(out)


def num(value: int | float | None) -> str:
    """``1234567`` -> ``1,234,567``; None -> an en dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def pct(value: float | None, digits: int = 1) -> str:
    """``0.2534`` -> ``25.3%``; None -> an en dash."""
    if value is None or math.isnan(value):
        return DASH
    return f"{value * 100:.{digits}f}%"


def pp(value: float) -> str:
    """A difference of two shares in percentage points, signed: ``+1.2 pp``; ``±0.0 pp``
    when it rounds to zero."""
    if round(value * 100, 1) == 0:
        return "\u00b10.0 pp"
    return f"{value * 100:+.1f} pp"


def seconds(value: float) -> str:
    """A duration for people: ``7 ms``, ``4.21 s``, ``12.3 s``, ``2 min 5 s``."""
    if value < 1:
        return f"{value * 1000:.0f} ms"
    if value < 10:
        return f"{value:.2f} s"
    if value < 120:
        return f"{value:.1f} s"
    minutes, secs = divmod(round(value), 60)
    return f"{minutes} min {secs} s"


def days(value: float | None) -> str:
    if value is None:
        return DASH
    if value < 1:
        hours = value * 24
        return f"{hours:.0f} h" if hours >= 1 else "< 1 h"
    return f"{value:.0f} d" if value >= 10 else f"{value:.1f} d"


def when(value: datetime | None) -> str:
    """A UTC timestamp to the second, ``2026-11-30 11:37:58 UTC``."""
    if value is None:
        return DASH
    return value.strftime("%Y-%m-%d %H:%M:%S UTC")


def short(value: datetime | None) -> str:
    """A UTC timestamp to the minute, ``2026-11-30 11:37``."""
    return DASH if value is None else value.strftime("%Y-%m-%d %H:%M")


def duration(value: timedelta) -> str:
    """``timedelta(days=7)`` -> ``7 days``; ``timedelta(hours=36)`` -> ``1 day 12 hours``."""
    total = int(value.total_seconds())
    d, rest = divmod(total, 24 * 3600)
    h, rest = divmod(rest, 3600)
    m, sec = divmod(rest, 60)
    parts = [plural(n, unit) for n, unit in ((d, "day"), (h, "hour"), (m, "minute"), (sec, "second")) if n]
    return " ".join(parts[:2]) or "0 seconds"


def plural(count: int, noun: str) -> str:
    """``plural(1, "split")`` -> ``1 split``; ``plural(2, "split")`` -> ``2 splits``."""
    return f"{num(count)} {noun}{'' if count == 1 else 's'}"


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis."""
    return text if len(text) <= limit else text[: max(1, limit - 1)] + "…"


__all__ = [
    "DASH",
    "attrs",
    "clip",
    "days",
    "duration",
    "esc",
    "iso",
    "num",
    "pct",
    "plural",
    "pp",
    "seconds",
    "short",
    "when",
]
