"""Inline SVG charts, written by hand: no plotting library, no script, no font or
stylesheet fetched. Each chart is an ``<svg role="img">`` with a ``<title>`` and a
``<desc>`` saying what it shows; the same numbers are in a table beside it, and shapes
and text labels, not colour alone, tell the series apart.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from connector.report.markup import attrs, clip, esc

#: A colour-blind safe palette (Okabe & Ito), darkest first.
BLUE, ORANGE, GREEN, VERMILION, SKY, PURPLE, GREY = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#56B4E9",
    "#CC79A7",
    "#6B7280",
)
INK, MUTED, TRACK = "#1f2933", "#52606d", "#e4e7eb"

#: Width of every chart's coordinate system; the page scales it to the column.
WIDTH = 720
FONT = 12


def _open(height: float, title: str, desc: str, class_: str, ident: str, width: int = WIDTH) -> str:
    """The ``<svg>`` start tag with its title and description (``ident`` must be unique
    in the page: the accessible name points at ``<ident>-t`` and ``<ident>-d``)."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg"{attrs(viewBox=f"0 0 {width} {height:.0f}", class_=class_)}'
        f'{attrs(role="img", aria_labelledby=f"{ident}-t {ident}-d")} width="{width}" height="{height:.0f}">'
        f"<title{attrs(id=f'{ident}-t')}>{esc(title)}</title><desc{attrs(id=f'{ident}-d')}>{esc(desc)}</desc>"
    )


def _text(
    x: float, y: float, text: str, *, anchor: str = "start", size: int = FONT, fill: str = INK, **extra: str
) -> str:
    return (
        f"<text{attrs(x=f'{x:.1f}', y=f'{y:.1f}', text_anchor=anchor, font_size=size, fill=fill, **extra)}>"
        f"{esc(text)}</text>"
    )


@dataclasses.dataclass(frozen=True)
class Bar:
    """One bar: its label, value, the text written after it, and a tooltip."""

    label: str
    value: float
    text: str
    tooltip: str = ""
    colour: str | None = None


def bar_chart(
    bars: Sequence[Bar],
    *,
    ident: str,
    title: str,
    desc: str,
    colour: str = BLUE,
    label_width: int = 170,
    width: int = WIDTH,
    class_: str = "chart",
) -> str:
    """Horizontal bars, one row per item, the value text after each bar."""
    row = 22
    top = 6
    height = top * 2 + row * max(len(bars), 1)
    peak = max((b.value for b in bars), default=0) or 1
    track = width - label_width - 110
    parts = [_open(height, title, desc, class_, ident, width)]
    for i, bar in enumerate(bars):
        y = top + i * row
        w = max(0.0, bar.value) / peak * track
        parts.append("<g>")
        parts.append(f"<title>{esc(bar.tooltip or f'{bar.label}: {bar.text}')}</title>")
        parts.append(_text(label_width - 8, y + 15, clip(bar.label, max(8, label_width // 7)), anchor="end"))
        parts.append(f'<rect x="{label_width}" y="{y + 4}" width="{track}" height="14" rx="2" fill="{TRACK}"/>')
        if w > 0:
            fill = bar.colour or colour
            parts.append(
                f'<rect x="{label_width}" y="{y + 4}" width="{max(w, 1.5):.1f}" height="14" rx="2" fill="{fill}"/>'
            )
        parts.append(_text(label_width + track + 8, y + 15, bar.text, fill=MUTED))
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


# -- markers: a shape per series, so colour is never the only clue ------------------------


def marker(shape: str, x: float, y: float, size: float, colour: str) -> str:
    """A marker at (x, y): ``circle``, ``ring`` (hollow circle), ``square``,
    ``diamond``, ``triangle``, ``cross`` or ``tick`` (a vertical bar)."""
    r = size / 2
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{colour}"/>'
    if shape == "ring":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r - 1:.1f}" fill="#fff" stroke="{colour}" stroke-width="2.5"/>'
    if shape == "square":
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{size:.1f}" height="{size:.1f}" fill="{colour}"/>'
    if shape == "diamond":
        pts = f"{x:.1f},{y - r:.1f} {x + r:.1f},{y:.1f} {x:.1f},{y + r:.1f} {x - r:.1f},{y:.1f}"
        return f'<polygon points="{pts}" fill="{colour}"/>'
    if shape == "triangle":
        pts = f"{x:.1f},{y - r:.1f} {x + r:.1f},{y + r:.1f} {x - r:.1f},{y + r:.1f}"
        return f'<polygon points="{pts}" fill="{colour}"/>'
    if shape == "cross":
        d = r * 0.8
        return (
            f'<path d="M{x - d:.1f} {y - d:.1f}L{x + d:.1f} {y + d:.1f}M{x + d:.1f} {y - d:.1f}L{x - d:.1f} {y + d:.1f}"'
            f' stroke="{colour}" stroke-width="3" stroke-linecap="round"/>'
        )
    if shape == "tick":
        return (
            f'<rect x="{x - 1.5:.1f}" y="{y - r - 2:.1f}" width="3" height="{size + 4:.1f}" fill="{colour}"'
            ' stroke="#fff" stroke-width="1" paint-order="stroke"/>'
        )
    raise ValueError(f"unknown marker shape {shape!r}")


@dataclasses.dataclass(frozen=True)
class Series:
    """A named series of a dot plot or timeline: its marker shape and colour."""

    name: str
    shape: str
    colour: str


def legend(series: Sequence[Series], *, title: str = "Legend") -> str:
    """A legend as HTML (text, so it reflows and reads aloud), each entry with its marker."""
    items = []
    for s in series:
        swatch = (
            f'<svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" focusable="false">'
            f"{marker(s.shape, 8, 8, 10, s.colour)}</svg>"
        )
        items.append(f"<li>{swatch} {esc(s.name)}</li>")
    return f'<ul class="legend"{attrs(aria_label=title)}>{"".join(items)}</ul>'


@dataclasses.dataclass(frozen=True)
class DotRow:
    """One row of a dot plot: a label and one value (0..1) per series (None = no dot)."""

    label: str
    values: tuple[float | None, ...]
    tooltip: str = ""


def dot_plot(
    rows: Sequence[DotRow], series: Sequence[Series], *, ident: str, title: str, desc: str, label_width: int = 170
) -> str:
    """Shares on a common axis: for each row, one marker per series (e.g. a concept's
    share in a split's source and in each target). The axis runs from 0 to the largest
    value, rounded up to a tenth."""
    row = 24
    top, axis = 8, 22
    height = top + row * max(len(rows), 1) + axis
    peak = max((v for r in rows for v in r.values if v is not None), default=0.0)
    tick = next((t for t in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25) if peak / t <= 8), 0.25)
    scale_max = max(tick, -(-peak // tick) * tick)
    track = WIDTH - label_width - 40
    parts = [_open(height, title, desc, "chart dots", ident)]
    for i, r in enumerate(rows):
        y = top + i * row + row / 2
        parts.append("<g>")
        parts.append(f"<title>{esc(r.tooltip or r.label)}</title>")
        parts.append(_text(label_width - 8, y + 4, clip(r.label, 26), anchor="end"))
        parts.append(
            f'<line x1="{label_width}" y1="{y:.1f}" x2="{label_width + track}" y2="{y:.1f}" stroke="{TRACK}" stroke-width="2"/>'
        )
        # The first series (the reference) is drawn last, so it stays visible on top.
        for s, v in reversed(list(zip(series, r.values, strict=False))):
            if v is not None:
                parts.append(marker(s.shape, label_width + v / scale_max * track, y, 11, s.colour))
        parts.append("</g>")
    base = top + row * max(len(rows), 1) + 4
    ticks = round(scale_max / tick)
    for k in range(ticks + 1):
        x = label_width + k / ticks * track
        parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{base:.1f}" stroke="{TRACK}" stroke-width="1"/>')
        parts.append(_text(x, base + 14, f"{k * tick * 100:.0f}%", anchor="middle", size=11, fill=MUTED))
    parts.append("</svg>")
    return "".join(parts)


@dataclasses.dataclass(frozen=True)
class Event:
    """One point of a timeline row: its series, a short label and a tooltip; ``flag``
    draws a dashed box around it (e.g. "a plan would delete it")."""

    series: Series
    label: str
    tooltip: str
    ring: bool = False
    flag: bool = False


def timeline(
    rows: Sequence[tuple[str, Sequence[Event], str]],
    *,
    ident: str,
    title: str,
    desc: str,
    ring_colour: str = BLUE,
    flag_colour: str = VERMILION,
    label_width: int = 150,
) -> str:
    """One row per ``(label, events oldest first, note)``: the events evenly spaced
    from left (oldest) to right (newest), each labelled below when there is room."""
    row = 50
    top = 6
    height = top * 2 + row * max(len(rows), 1)
    track = WIDTH - label_width - 20
    parts = [_open(height, title, desc, "chart timeline", ident)]
    for i, (label, events, note) in enumerate(rows):
        y = top + i * row + 18
        parts.append(_text(label_width - 10, y + 4, clip(label, 22), anchor="end"))
        if note:
            parts.append(_text(label_width - 10, y + 19, note, anchor="end", size=10, fill=MUTED))
        parts.append(
            f'<line x1="{label_width}" y1="{y}" x2="{label_width + track}" y2="{y}" stroke="{TRACK}" stroke-width="2"/>'
        )
        n = len(events)
        step = min(64.0, track / max(n, 1))
        show_labels = step >= 40
        for k, ev in enumerate(events):
            x = label_width + step * (k + 0.5)
            parts.append("<g>")
            parts.append(f"<title>{esc(ev.tooltip)}</title>")
            if ev.flag:
                parts.append(
                    f'<rect x="{x - 10:.1f}" y="{y - 10}" width="20" height="20" fill="none" stroke="{flag_colour}"'
                    ' stroke-width="2" stroke-dasharray="3 2"/>'
                )
            if ev.ring:
                parts.append(
                    f'<circle cx="{x:.1f}" cy="{y}" r="8" fill="none" stroke="{ring_colour}" stroke-width="2"/>'
                )
            parts.append(marker(ev.series.shape, x, y, 10, ev.series.colour))
            if show_labels:
                parts.append(
                    _text(x, y + 24, clip(ev.label, max(4, int(step / 7))), anchor="middle", size=10, fill=MUTED)
                )
            parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


@dataclasses.dataclass(frozen=True)
class Progress:
    """One task's progress: work and review percents (None = unknown) and the text after."""

    label: str
    work: float | None
    review: float | None
    text: str
    tooltip: str = ""
    stale: bool = False


def progress_chart(items: Sequence[Progress], *, ident: str, title: str, desc: str, label_width: int = 190) -> str:
    """Two stacked bars per item: work (thick) and review (thin), 0 to 100%."""
    row = 30
    top = 6
    height = top * 2 + row * max(len(items), 1)
    track = WIDTH - label_width - 200
    parts = [_open(height, title, desc, "chart progress", ident)]
    for i, it in enumerate(items):
        y = top + i * row
        parts.append("<g>")
        parts.append(f"<title>{esc(it.tooltip or it.label)}</title>")
        label = ("⚠ " if it.stale else "") + clip(it.label, 26)
        parts.append(_text(label_width - 8, y + 16, label, anchor="end", fill=VERMILION if it.stale else INK))
        parts.append(f'<rect x="{label_width}" y="{y + 5}" width="{track}" height="11" rx="2" fill="{TRACK}"/>')
        if it.work:
            w = min(100.0, it.work) / 100 * track
            parts.append(f'<rect x="{label_width}" y="{y + 5}" width="{w:.1f}" height="11" rx="2" fill="{BLUE}"/>')
        parts.append(f'<rect x="{label_width}" y="{y + 19}" width="{track}" height="5" rx="1" fill="{TRACK}"/>')
        if it.review:
            w = min(100.0, it.review) / 100 * track
            parts.append(f'<rect x="{label_width}" y="{y + 19}" width="{w:.1f}" height="5" rx="1" fill="{ORANGE}"/>')
        parts.append(_text(label_width + track + 8, y + 17, it.text, fill=MUTED))
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


__all__ = [
    "BLUE",
    "GREEN",
    "GREY",
    "ORANGE",
    "PURPLE",
    "SKY",
    "VERMILION",
    "Bar",
    "DotRow",
    "Event",
    "Progress",
    "Series",
    "bar_chart",
    "dot_plot",
    "legend",
    "marker",
    "progress_chart",
    "timeline",
]
