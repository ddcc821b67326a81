"""Server-rendered SVG plots (no JavaScript, no CDN): time scatter with a median line and a baseline band,
and bar charts. Hovering a point shows its raw file through the SVG <title>."""

from __future__ import annotations

import math

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf")
MAX_TITLED_POINTS = 3000
# the fallback without JavaScript draws no more points than a reader can tell apart: beyond, the daily median
MAX_DRAWN_POINTS = 3000


@dataclass(frozen=True)
class Point:
    x: datetime
    y: float
    colour_key: str
    label: str


def colour_map(keys: Sequence[str]) -> dict[str, str]:
    return {key: PALETTE[i % len(PALETTE)] for i, key in enumerate(sorted(set(keys)))}


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    if high <= low:
        return [low]
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = (low // step) * step
    ticks, value = [], first
    while value <= high and len(ticks) < 20:
        if value >= low:
            ticks.append(round(value, 10))
        value += step
    return ticks


def format_number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def scatter_svg(points: Sequence[Point], colours: dict[str, str], *, title: str, y_label: str,
                x_range: tuple[datetime, datetime], median_line: Sequence[tuple[datetime, float]] = (),
                band: tuple[float, float] | None = None, width: int = 900, height: int = 260) -> str:
    left, right, top, bottom = 64, 12, 26, 34
    x0, x1 = x_range
    ys = [p.y for p in points] + ([band[0], band[1]] if band else [])
    y_low, y_high = (min(ys), max(ys)) if ys else (0.0, 1.0)
    pad = (y_high - y_low) * 0.08 or abs(y_high) * 0.1 or 1.0
    y_low, y_high = y_low - pad, y_high + pad
    span_x = max((x1 - x0).total_seconds(), 1.0)

    def sx(x: datetime) -> float:
        return left + (x - x0).total_seconds() / span_x * (width - left - right)

    def sy(y: float) -> float:
        return top + (y_high - y) / (y_high - y_low) * (height - top - bottom)

    parts = [f'<svg class="plot" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
             f'<text x="{left}" y="16" class="plot-title">{escape(title)}</text>']
    for tick in _nice_ticks(y_low, y_high):
        y = sy(tick)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{format_number(tick)}</text>')
    days = max(1, round(span_x / 86400 / 6))
    tick_x = x0.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    while tick_x < x1:
        x = sx(tick_x)
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{height - bottom}" class="grid"/>'
                     f'<text x="{x:.1f}" y="{height - bottom + 16}" class="tick" text-anchor="middle">'
                     f'{tick_x:%b %d}</text>')
        tick_x += timedelta(days=days)
    parts.append(f'<text x="14" y="{(top + height - bottom) / 2:.0f}" class="axis-label" '
                 f'transform="rotate(-90 14 {(top + height - bottom) / 2:.0f})" text-anchor="middle">'
                 f'{escape(y_label)}</text>')
    if band:
        y_hi, y_lo = sy(band[1]), sy(band[0])
        parts.append(f'<rect class="baseline-band" x="{left}" y="{y_hi:.1f}" width="{width - left - right}" '
                     f'height="{max(y_lo - y_hi, 1):.1f}"><title>baseline {format_number(band[0])} to {format_number(band[1])}'
                     f'</title></rect>')
    titled = len(points) <= MAX_TITLED_POINTS
    for p in points if len(points) <= MAX_DRAWN_POINTS else ():
        circle = f'<circle cx="{sx(p.x):.1f}" cy="{sy(p.y):.1f}" r="2.6" fill="{colours.get(p.colour_key, "#555")}"'
        parts.append(f'{circle}><title>{escape(p.label)}</title></circle>' if titled else f'{circle}/>')
    if len(median_line) > 1:
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in median_line)
        parts.append(f'<polyline class="median-line" points="{path}"><title>daily median</title></polyline>')
    elif len(median_line) == 1:
        y = sy(median_line[0][1])
        parts.append(f'<line class="median-line" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>')
    if not points:
        parts.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" class="empty">no values</text>')
    elif len(points) > MAX_DRAWN_POINTS:
        parts.append(f'<text x="{width - right}" y="16" text-anchor="end" class="tick">{len(points):,} raw files: '
                     f'the line is their daily median (each file is drawn with JavaScript)</text>')
    parts.append("</svg>")
    return "".join(parts)


def bar_svg(bars: Sequence[tuple[str, float]], *, title: str, unit: str, colour: str = PALETTE[0],
            width: int = 420, height: int = 150) -> str:
    left, right, top, bottom = 40, 8, 22, 26
    high = max((value for _, value in bars), default=0) or 1.0
    slot = (width - left - right) / max(len(bars), 1)
    parts = [f'<svg class="plot bars" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
             f'<text x="{left}" y="14" class="plot-title">{escape(title)}</text>',
             f'<text x="{left - 4}" y="{top + 8}" class="tick" text-anchor="end">{format_number(high)}</text>',
             f'<line x1="{left}" x2="{width - right}" y1="{height - bottom}" y2="{height - bottom}" class="grid"/>']
    for i, (label, value) in enumerate(bars):
        h = value / high * (height - top - bottom)
        x = left + i * slot
        parts.append(f'<rect x="{x + 1:.1f}" y="{height - bottom - h:.1f}" width="{max(slot - 2, 1):.1f}" '
                     f'height="{h:.1f}" fill="{colour}"><title>{escape(label)}: {format_number(value)} {escape(unit)}'
                     f'</title></rect>')
    if bars:
        parts.append(f'<text x="{left}" y="{height - 8}" class="tick">{escape(bars[0][0])}</text>'
                     f'<text x="{width - right}" y="{height - 8}" class="tick" text-anchor="end">'
                     f'{escape(bars[-1][0])}</text>')
    parts.append("</svg>")
    return "".join(parts)
