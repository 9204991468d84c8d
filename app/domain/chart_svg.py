"""A progress chart's Plotly figure drawn as static SVG, for the first paint (pure).

The figure dicts of app.domain.charts stay the one source of truth: this draws the same
traces (scatter lines and markers, bars), axis ranges and ticks, shapes (zone bands, the
MCID band, plan-change and target lines), annotations and legend, with no JavaScript, so
the first chart is on screen before plotly.js is fetched (charts.js swaps in the
interactive chart when asked). Pure: no Flask.

The server does not know the screen's width, so every position inside the plot area is a
percentage of it: the plot area is an <svg> as wide as the page makes it (progress.css
gives the figure's margins and height), lines are paths in a stretched 0-100 viewBox with
strokes that do not stretch, and markers, bars, ticks and labels sit at percentages. The
markup is well-formed XML (the tests parse it) and carries no style attribute (the CSP).
"""

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape
from typing import Any

SVG_NS = "http://www.w3.org/2000/svg"
# plotly.js's defaults, where a figure leaves them unset.
TEXT_COLOUR = "#444"
GRID_COLOUR = "#eee"
ZERO_LINE_COLOUR = "#444"
COLOURWAY = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")
MARKER_RADIUS = 3  # plotly's marker size 6
BARGAP = 0.2
DEFAULT_TICKS = 6
NARROW_TICKS = 6  # date labels that fit across a phone's plot area (about 280 px)
# Date tick steps in days, smallest first; weeks count from a Sunday, as plotly's do.
DAY_STEPS = (1, 2, 7, 14)
MONTH_STEPS = (1, 2, 3, 6, 12)
TICK_ORIGIN = date(2000, 1, 2)  # a Sunday: plotly's tick0 for date axes
MS_PER_DAY = 24 * 3600 * 1000


class UnsupportedFigure(ValueError):
    """The figure uses something this renderer does not draw (a new trace type, say)."""


@dataclass(frozen=True)
class Axis:
    """One axis: the values at its two ends, its ticks and title."""

    low: float
    high: float
    ticks: tuple[tuple[float, str], ...]
    title: str
    visible: bool
    is_date: bool

    def fraction(self, value: float) -> float:
        """Return where value falls from the low end (0) to the high end (1)."""
        return (value - self.low) / (self.high - self.low)


# --- Values --------------------------------------------------------------------------------


def date_value(text: str) -> float:
    """Return a plotly date ('2026-11-25' or '2026-11-25 12:00') as days since year 1."""
    moment = datetime.fromisoformat(text)
    midnight = datetime.combine(moment.date(), datetime.min.time())
    return moment.toordinal() + (moment - midnight).total_seconds() / 86400


def _number(value: Any, is_date: bool) -> float | None:
    if value is None:
        return None
    return date_value(value) if is_date else float(value)


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.2f}%"


def _plain(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


# --- Axes ----------------------------------------------------------------------------------


def x_axis(layout: Mapping[str, Any], traces: Sequence[Mapping[str, Any]]) -> Axis:
    """Return the x axis: its range as the figure sets it, else the data's, padded a little."""
    spec = layout.get("xaxis", {})
    is_date = spec.get("type") == "date"
    if spec.get("range"):
        low, high = (_number(end, is_date) for end in spec["range"])
        assert low is not None and high is not None
    else:
        values = [v for t in traces for v in _values(t, "x", is_date) if v is not None]
        low, high = (min(values, default=0.0) - 0.5, max(values, default=0.0) + 0.5)
    nticks = int(spec.get("nticks", DEFAULT_TICKS + 2))
    ticks = (
        tuple(date_ticks(low, high, nticks, spec.get("tickformat", "%d %b")))
        if is_date
        else tuple(number_ticks(low, high, None, nticks, ""))
    )
    return Axis(low, high, ticks, _title(spec), spec.get("visible", True), is_date)


def y_axis(layout: Mapping[str, Any], traces: Sequence[Mapping[str, Any]]) -> Axis:
    """Return the y axis: its range as set, else from 0 or the data's lowest to its highest."""
    spec = layout.get("yaxis", {})
    if spec.get("range"):
        low, high = (float(end) for end in spec["range"])
    else:
        values = [v for t in traces for v in _values(t, "y", False) if v is not None]
        if any(t.get("type") == "bar" for t in traces):
            values.append(0.0)
        low = 0.0 if spec.get("rangemode") == "tozero" else min(values, default=0.0)
        high = max(values, default=1.0)
        if high <= low:
            high = low + 1
        step = _nice_step(high - low, DEFAULT_TICKS)
        high = (high // step + 1) * step if high % step else high
    ticks = tuple(
        number_ticks(low, high, spec.get("dtick"), DEFAULT_TICKS, spec.get("ticksuffix", ""))
    )
    return Axis(low, high, ticks, _title(spec), spec.get("visible", True), False)


def _title(spec: Mapping[str, Any]) -> str:
    title = spec.get("title", {})
    return str(title.get("text", "") if isinstance(title, Mapping) else title)


def _nice_step(span: float, count: int) -> float:
    """Return 1, 2 or 5 times a power of ten, giving about count steps over span."""
    raw = span / max(count - 1, 1)
    power = 10.0 ** len(str(int(raw))) / 10 if raw >= 1 else 1.0
    while power > raw:
        power /= 10
    for multiple in (1, 2, 5, 10):
        if power * multiple >= raw:
            return power * multiple
    return power * 10


def number_ticks(
    low: float, high: float, dtick: float | None, count: int, suffix: str
) -> Iterator[tuple[float, str]]:
    """Yield (value, label) at every dtick (or a nice step) from low to high."""
    step = float(dtick) if dtick else _nice_step(high - low, count)
    first = -(-low // step)  # the first multiple of step at or above low
    n = 0
    while (value := (first + n) * step) <= high + 1e-9:
        yield value, f"{_plain(value)}{suffix}"
        n += 1


def date_ticks(
    low: float, high: float, nticks: int, tickformat: str
) -> Iterator[tuple[float, str]]:
    """Yield (day, label) for whole days between low and high: at most nticks of them,
    every day, two days, week or fortnight (from a Sunday), or every few months."""
    first, last = date.fromordinal(int(-(-low // 1))), date.fromordinal(int(high))
    span = (last - first).days + 1
    for step in DAY_STEPS:
        if span / step <= nticks:
            offset = (first - TICK_ORIGIN).days % step
            day = first + timedelta(days=(step - offset) % step)
            while day <= last:
                yield day.toordinal(), day.strftime(tickformat)
                day += timedelta(days=step)
            return
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    step = next((m for m in MONTH_STEPS if months / m <= nticks), MONTH_STEPS[-1])
    month = first.year * 12 + first.month - 1
    month += -month % step
    while (day := date(month // 12, month % 12 + 1, 1)) <= last:
        if day >= first:
            yield day.toordinal(), day.strftime(tickformat)
        month += step


# --- Traces --------------------------------------------------------------------------------


def _values(trace: Mapping[str, Any], key: str, is_date: bool) -> list[float | None]:
    values = [_number(v, is_date) for v in trace.get(key, [])]
    if (
        key == "x"
        and is_date
        and trace.get("xperiod")
        and trace.get("xperiodalignment") == ("middle")
    ):
        half = trace["xperiod"] / MS_PER_DAY / 2
        values = [None if v is None else v + half for v in values]
    return values


def _colour(trace: Mapping[str, Any], index: int) -> str:
    line = trace.get("line", {}).get("color")
    marker = trace.get("marker", {}).get("color")
    single = marker if isinstance(marker, str) else None
    return str(line or single or COLOURWAY[index % len(COLOURWAY)])


def _dasharray(dash: str | None, width: float) -> str | None:
    """plotly's dash patterns: a dot is the line's width (at least 3 px), a dash three."""
    unit = max(width, 3)
    return {"dot": f"{unit},{unit}", "dash": f"{3 * unit},{3 * unit}"}.get(dash or "solid")


def _line_attributes(line: Mapping[str, Any], colour: str) -> dict[str, object]:
    width = float(line.get("width", 2))
    return {
        "fill": "none",
        "stroke": line.get("color", colour),
        "stroke-width": _plain(width),
        "stroke-dasharray": _dasharray(line.get("dash"), width),
    }


def scatter(trace: Mapping[str, Any], index: int, x: Axis, y: Axis) -> str:
    """A scatter trace: its line as one path in the stretched viewBox, its markers as dots."""
    colour = _colour(trace, index)
    mode = trace.get("mode", "lines+markers")
    points = [
        (x.fraction(px), 1 - y.fraction(py)) if px is not None and py is not None else None
        for px, py in zip(_values(trace, "x", x.is_date), _values(trace, "y", False), strict=True)
    ]
    parts = []
    if "lines" in mode:
        step = trace.get("line", {}).get("shape") == "hv"
        d = _path(points, step)
        if d:
            line = _tag(
                "path",
                d=d,
                **_line_attributes(trace.get("line", {}), colour),
                **{"vector-effect": "non-scaling-stroke", "stroke-linejoin": "round"},
            )
            parts.append(_tag("svg", line, viewBox="0 0 100 100", preserveAspectRatio="none"))
    if "markers" in mode:
        parts += [
            _tag("circle", cx=_percent(p[0]), cy=_percent(p[1]), r=MARKER_RADIUS, fill=colour)
            for p in points
            if p is not None
        ]
    return _tag("g", "".join(parts), **{"data-trace": trace.get("name", "")})


def _path(points: Sequence[tuple[float, float] | None], step: bool) -> str:
    """Return the path through the points in 0-100 units, broken at a missing value."""
    commands: list[str] = []
    previous: tuple[float, float] | None = None
    for point in points:
        if point is None:
            previous = None
            continue
        px, py = _plain(point[0] * 100), _plain(point[1] * 100)
        if previous is None:
            commands.append(f"M{px} {py}")
        elif step:
            commands.append(f"H{px}V{py}")
        else:
            commands.append(f"L{px} {py}")
        previous = point
    # A lone "M" draws nothing: a path needs a second point.
    return "".join(commands) if any(c[0] != "M" for c in commands) else ""


def bars(
    traces: Sequence[Mapping[str, Any]],
    indices: Sequence[int],
    layout: Mapping[str, Any],
    x: Axis,
    y: Axis,
) -> str:
    """The bar traces, side by side in each slot (plotly's barmode 'group'), from y = 0."""
    positions = sorted({v for t in traces for v in _values(t, "x", x.is_date) if v is not None})
    gaps = [b - a for a, b in zip(positions, positions[1:], strict=False)]
    slot = min(gaps, default=1.0) * (1 - float(layout.get("bargap", BARGAP)))
    width = slot / max(len(traces), 1)
    base = 1 - y.fraction(max(y.low, min(0.0, y.high)))
    groups = []
    for number, (trace, index) in enumerate(zip(traces, indices, strict=True)):
        colours = trace.get("marker", {}).get("color")
        rects = []
        xs, ys = _values(trace, "x", x.is_date), _values(trace, "y", False)
        for n, (px, py) in enumerate(zip(xs, ys, strict=True)):
            if px is None or py is None:
                continue
            left = px - slot / 2 + number * width
            top = 1 - y.fraction(py)
            colour = colours[n] if isinstance(colours, list) else _colour(trace, index)
            rects.append(
                _tag(
                    "rect",
                    x=_percent(x.fraction(left)),
                    y=_percent(min(top, base)),
                    width=_percent(width / (x.high - x.low)),
                    height=_percent(abs(base - top)),
                    fill=colour,
                )
            )
        groups.append(_tag("g", "".join(rects), **{"data-trace": trace.get("name", "")}))
    return "".join(groups)


# --- Shapes and annotations ----------------------------------------------------------------


def _position(value: Any, ref: str, axis: Axis, flip: bool) -> float:
    """Return a shape's or annotation's coordinate as a fraction of the plot area."""
    fraction = float(value) if ref == "paper" else axis.fraction(_number(value, axis.is_date) or 0)
    return 1 - fraction if flip else fraction


def shape(spec: Mapping[str, Any], x: Axis, y: Axis) -> str:
    """A rect or line shape, in the plot area's coordinates (data or paper)."""
    xref, yref = spec.get("xref", "x"), spec.get("yref", "y")
    x0, x1 = (_position(spec[k], xref, x, False) for k in ("x0", "x1"))
    y0, y1 = (_position(spec[k], yref, y, True) for k in ("y0", "y1"))
    line = spec.get("line", {})
    stroke: dict[str, object] = (
        {"stroke": "none"}
        if float(line.get("width", 1)) == 0
        else _line_attributes(line, TEXT_COLOUR)
    )
    name = {"data-shape": spec.get("name", "")}
    if spec.get("type") == "rect":
        fill = spec.get("fillcolor", "none")
        return _tag(
            "rect",
            x=_percent(min(x0, x1)),
            y=_percent(min(y0, y1)),
            width=_percent(abs(x1 - x0)),
            height=_percent(abs(y1 - y0)),
            **{**stroke, "fill": fill, "opacity": spec.get("opacity")},
            **name,
        )
    if spec.get("type") == "line":
        return _tag(
            "line",
            x1=_percent(x0),
            y1=_percent(y0),
            x2=_percent(x1),
            y2=_percent(y1),
            **stroke,
            **name,
        )
    raise UnsupportedFigure(f"shape type {spec.get('type')!r}")


ANCHORS = {"left": "start", "center": "middle", "right": "end"}
BASELINES = {"top": "0.9em", "middle": "0.35em", "bottom": "-0.3em"}


def annotation(spec: Mapping[str, Any], x: Axis, y: Axis) -> str:
    """An annotation's text at its point, anchored as the figure says."""
    px = _position(spec["x"], spec.get("xref", "x"), x, False)
    py = _position(spec["y"], spec.get("yref", "y"), y, True)
    size = spec.get("font", {}).get("size", 12)
    return _tag(
        "text",
        escape(str(spec.get("text", ""))),
        x=_percent(px),
        y=_percent(py),
        dy=BASELINES[spec.get("yanchor", "middle")],
        **{"text-anchor": ANCHORS[spec.get("xanchor", "center")], "font-size": size},
        **{"data-annotation": spec.get("name", "")},
    )


# --- The chart -----------------------------------------------------------------------------


def _grid(x: Axis, y: Axis) -> str:
    lines = []
    if x.visible:
        for value, _ in x.ticks:
            at = _percent(x.fraction(value))
            lines.append(_tag("line", x1=at, x2=at, y1="0%", y2="100%", stroke=GRID_COLOUR))
    if y.visible:
        for value, _ in y.ticks:
            at = _percent(1 - y.fraction(value))
            colour = ZERO_LINE_COLOUR if value == 0 else GRID_COLOUR
            lines.append(_tag("line", x1="0%", x2="100%", y1=at, y2=at, stroke=colour))
    return _tag("g", "".join(lines), **{"data-part": "grid"})


def _tick_labels(x: Axis, y: Axis) -> str:
    """The tick labels; past NARROW_TICKS dates, every other one is marked minor (hidden on
    a phone by progress.css, where seven dates do not fit side by side)."""
    labels = []
    if x.visible:
        crowded = len(x.ticks) > NARROW_TICKS
        labels += [
            _tag(
                "text",
                escape(label),
                x=_percent(x.fraction(value)),
                y="100%",
                dy="1.2em",
                **{"text-anchor": "middle", "data-x-tick": label},
                **{"class": "tick-minor" if crowded and n % 2 else None},
            )
            for n, (value, label) in enumerate(x.ticks)
        ]
    if y.visible:
        labels += [
            _tag(
                "text",
                escape(label),
                x=-4,
                y=_percent(1 - y.fraction(value)),
                dy="0.35em",
                **{"text-anchor": "end", "data-y-tick": label},
            )
            for value, label in y.ticks
        ]
    return _tag("g", "".join(labels), fill=TEXT_COLOUR)


def _legend(traces: Sequence[Mapping[str, Any]], layout: Mapping[str, Any]) -> str:
    """The legend as a list under the plot: each trace's name beside its line or swatch."""
    shown = layout.get("showlegend", len(traces) > 1)
    items = []
    for index, trace in enumerate(traces):
        # As plotly: a trace with nothing to draw is left out of the legend.
        if not shown or trace.get("showlegend") is False or not trace.get("x"):
            continue
        colour = _colour(trace, index)
        if trace.get("type") == "bar":
            key = _tag("rect", x=9, y=1, width=12, height=12, fill=colour)
        else:
            mode = trace.get("mode", "lines+markers")
            key = (
                _tag(
                    "line",
                    x1=0,
                    x2=30,
                    y1=7,
                    y2=7,
                    **_line_attributes(trace.get("line", {}), colour),
                )
                if "lines" in mode
                else ""
            )
            if "markers" in mode:
                key += _tag("circle", cx=15, cy=7, r=MARKER_RADIUS, fill=colour)
        swatch = _tag("svg", key, width=30, height=14, viewBox="0 0 30 14", xmlns=SVG_NS)
        items.append(_tag("li", swatch + escape(str(trace.get("name", "")))))
    return _tag("ul", "".join(items), **{"class": "chart-legend"}) if items else ""


def static_chart(figure: Mapping[str, Any]) -> str:
    """Return the figure as HTML and SVG: the y title, the plot area and the legend.

    Hidden from screen readers: the chart's container names it (role="img") and the page
    gives its summary and table.
    """
    traces = figure.get("data", [])
    layout = figure.get("layout", {})
    for trace in traces:
        if trace.get("type", "scatter") not in ("scatter", "bar"):
            raise UnsupportedFigure(f"trace type {trace.get('type')!r}")
    x, y = x_axis(layout, traces), y_axis(layout, traces)
    shapes = layout.get("shapes", [])
    below = "".join(shape(s, x, y) for s in shapes if s.get("layer") == "below")
    above = "".join(shape(s, x, y) for s in shapes if s.get("layer") != "below")
    bar_traces = [(i, t) for i, t in enumerate(traces) if t.get("type") == "bar"]
    drawn = bars([t for _, t in bar_traces], [i for i, _ in bar_traces], layout, x, y)
    drawn += "".join(
        scatter(t, i, x, y) for i, t in enumerate(traces) if t.get("type", "scatter") == "scatter"
    )
    # The data sit in an inner <svg>, which clips them to the plot area as plotly does.
    plot = _tag(
        "svg",
        _grid(x, y) + below + _tag("svg", drawn, width="100%", height="100%") + above,
        width="100%",
        height="100%",
        overflow="visible",
    )
    notes = "".join(annotation(a, x, y) for a in layout.get("annotations", []))
    area = _tag(
        "svg",
        plot + _tick_labels(x, y) + _tag("g", notes, fill=TEXT_COLOUR),
        xmlns=SVG_NS,
        **{"class": "chart-svg", "aria-hidden": "true", "focusable": "false"},
        **{"font-family": "system-ui, sans-serif", "font-size": 12},
    )
    title = (
        _tag("span", escape(y.title), **{"class": "chart-y-title"}) if y.visible and y.title else ""
    )
    return _tag(
        "div",
        _tag("div", title + area, **{"class": "chart-plot"}) + _legend(traces, layout),
        **{"class": "chart-static", "data-static-chart": "", "aria-hidden": "true"},
    )


def _tag(name: str, content: str = "", /, **attributes: object) -> str:
    """Return one element; attributes set to None are left out, values escaped."""
    text = "".join(
        f' {key}="{escape(str(value))}"' for key, value in attributes.items() if value is not None
    )
    return (
        f"<{name}{text}>{content}</{name}>" if content or name not in VOID else f"<{name}{text}/>"
    )


VOID = {"circle", "line", "rect", "path"}
