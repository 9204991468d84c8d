"""The first chart's static SVG: parsed, and checked against the Plotly figure it is drawn from."""

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta

import pytest

from app.domain import charts as figures
from app.domain.chart_svg import UnsupportedFigure, static_chart
from app.domain.charts import History, PlanChange
from app.domain.pain import PainThresholds
from app.domain.progress import DayTotals

TODAY = date(2026, 11, 25)  # a Wednesday
SVG = "{http://www.w3.org/2000/svg}"


def history(pain: dict[int, int | None], days: int = 42, **extra) -> History:  # type: ignore[no-untyped-def]
    """Six weeks to TODAY; pain maps days-ago to the pain during exercise that day (the next
    morning's is a point lower)."""
    first = TODAY - timedelta(days=days - 1)
    records = {}
    for n in range(days):
        day = first + timedelta(days=n)
        during = pain.get((TODAY - day).days)
        morning = None if during is None else max(during - 1, 0)
        records[day] = DayTotals(day, due_units=2, done_units=2, during=during, morning=morning)
    return History(first=first, last=TODAY, today=TODAY, days=records, **extra)


def parse(markup: str) -> ET.Element:
    """The markup as XML: it must be well-formed, and carry no style attribute (the CSP)."""
    assert "style=" not in markup
    return ET.fromstring(markup)


class Plot:
    """Reads positions back from the SVG's percentages, on the figure's own axes."""

    def __init__(self, figure: dict) -> None:
        low, high = figure["layout"]["xaxis"]["range"]
        self.x0, self.x1 = datetime.fromisoformat(low), datetime.fromisoformat(high)
        self.y0, self.y1 = figure["layout"]["yaxis"]["range"]

    def x_percent(self, day: str) -> float:
        span = (self.x1 - self.x0).total_seconds()
        return (datetime.fromisoformat(day) - self.x0).total_seconds() / span * 100

    def y_percent(self, value: float) -> float:
        return (1 - (value - self.y0) / (self.y1 - self.y0)) * 100


def flat(points: list[tuple[float, float]]) -> list[float]:
    return [value for point in points for value in point]


def percent(text: str) -> float:
    assert text.endswith("%"), text
    return float(text[:-1])


def trace_group(root: ET.Element, name: str) -> ET.Element:
    [group] = [g for g in root.iter(f"{SVG}g") if g.get("data-trace") == name]
    return group


def path_points(group: ET.Element) -> list[tuple[float, float]]:
    paths = list(group.iter(f"{SVG}path"))
    if not paths:
        return []
    [path] = paths
    return [(float(x), float(y)) for x, y in re.findall(r"[ML]([\d.]+) ([\d.]+)", path.get("d"))]


def test_every_reading_is_a_dot_where_the_figure_puts_it():
    pain = figures.pain_chart(history({n: 2 + n % 5 for n in range(0, 40, 2)}), patient=True)
    root, plot = parse(static_chart(pain.figure)), Plot(pain.figure)
    for trace in pain.figure["data"]:
        group = trace_group(root, trace["name"])
        dots = [(percent(c.get("cx")), percent(c.get("cy"))) for c in group.iter(f"{SVG}circle")]
        expected = [
            (plot.x_percent(x), plot.y_percent(y))
            for x, y in zip(trace["x"], trace["y"], strict=True)
        ]
        if "markers" in trace["mode"]:
            assert flat(dots) == pytest.approx(flat(expected), abs=0.01)
        else:
            assert dots == []
        if trace["x"]:
            # The line: one path through the same points, in the 0-100 viewBox.
            assert flat(path_points(group)) == pytest.approx(flat(expected), abs=0.01)
    assert len(list(trace_group(root, "During exercise").iter(f"{SVG}circle"))) == 20


def test_axes_tick_the_figures_range_and_dates():
    pain = figures.pain_chart(history({0: 3}), patient=True)
    root = parse(static_chart(pain.figure))
    y_ticks = [t.get("data-y-tick") for t in root.iter(f"{SVG}text") if t.get("data-y-tick")]
    assert y_ticks == ["0", "2", "4", "6", "8", "10"]  # range 0-10, dtick 2
    x_ticks = [t.get("data-x-tick") for t in root.iter(f"{SVG}text") if t.get("data-x-tick")]
    # Six weeks ticked weekly, from a Sunday, as plotly does; at most the figure's nticks.
    assert x_ticks == ["18 Oct", "25 Oct", "01 Nov", "08 Nov", "15 Nov", "22 Nov"]
    assert len(x_ticks) <= pain.figure["layout"]["xaxis"]["nticks"]
    title = root.find(".//*[@class='chart-y-title']")
    assert title is not None and title.text == "Pain (0-10)"


def test_zone_bands_and_the_mcid_band_span_the_figures_values():
    thresholds = PainThresholds(green_max_during=2, amber_max_during=6)
    pain = figures.pain_chart(
        history({n: 4 for n in range(10)}, thresholds=thresholds), patient=True
    )
    root, plot = parse(static_chart(pain.figure)), Plot(pain.figure)
    rects = {r.get("data-shape"): r for r in root.iter(f"{SVG}rect") if r.get("data-shape")}
    for shape in pain.figure["layout"]["shapes"]:
        if shape["type"] != "rect":
            continue
        rect = rects[shape["name"]]
        top, height = percent(rect.get("y")), percent(rect.get("height"))
        assert top == pytest.approx(plot.y_percent(shape["y1"]), abs=0.01)
        assert top + height == pytest.approx(plot.y_percent(shape["y0"]), abs=0.01)
        assert (percent(rect.get("x")), percent(rect.get("width"))) == (0, 100)  # paper: all
    assert {"Green zone (0-2)", "Amber zone (3-6)", "Red zone (7-10)"} <= set(rects)
    assert "MCID band: start 4.0 ± 2" in rects
    assert rects["Green zone (0-2)"].get("fill") == figures.COLOURS["green"]


def test_plan_changes_are_marked_on_their_day():
    change = PlanChange(
        7, 3, TODAY - timedelta(days=10), "edit", "More reps", datetime(2026, 11, 15), 1
    )
    pain = figures.pain_chart(history({0: 3}, changes=[change]), patient=False)
    root, plot = parse(static_chart(pain.figure)), Plot(pain.figure)
    [line] = [e for e in root.iter(f"{SVG}line") if e.get("data-shape") == "plan change v3"]
    at = plot.x_percent((TODAY - timedelta(days=10)).isoformat())
    assert percent(line.get("x1")) == percent(line.get("x2")) == pytest.approx(at, abs=0.01)
    assert (line.get("y1"), line.get("y2")) == ("100.00%", "0.00%")  # the whole height
    [label] = [t for t in root.iter(f"{SVG}text") if t.get("data-annotation") == "plan-change-7"]
    assert label.text == "v3" and percent(label.get("x")) == pytest.approx(at, abs=0.01)


def test_the_legend_names_each_line_in_its_colour():
    pain = figures.pain_chart(history({0: 3}), patient=True)
    root = parse(static_chart(pain.figure))
    items = root.findall(".//ul[@class='chart-legend']/li")
    assert ["".join(li.itertext()) for li in items] == [t["name"] for t in pain.figure["data"]]
    during = items[0].find(f"{SVG}svg/{SVG}line")
    assert during.get("stroke") == figures.COLOURS["during"] and not during.get("stroke-dasharray")
    assert items[1].find(f"{SVG}svg/{SVG}line").get("stroke-dasharray") == "3,3"  # dotted


def test_no_readings_draw_the_empty_axes_and_bands():
    pain = figures.pain_chart(history({}), patient=True)
    root = parse(static_chart(pain.figure))
    for trace in pain.figure["data"]:
        group = trace_group(root, trace["name"])
        assert list(group.iter(f"{SVG}circle")) == [] and path_points(group) == []
    assert len([r for r in root.iter(f"{SVG}rect") if "zone" in (r.get("data-shape") or "")]) == 3
    assert [t.get("data-y-tick") for t in root.iter(f"{SVG}text") if t.get("data-y-tick")]
    assert root.find(".//ul[@class='chart-legend']") is None  # nothing drawn: no legend, as plotly


def test_a_single_reading_is_one_dot_on_a_week_long_axis():
    one_day = history({0: 6}, days=1)
    pain = figures.pain_chart(one_day, patient=True)
    root, plot = parse(static_chart(pain.figure)), Plot(pain.figure)
    group = trace_group(root, "During exercise")
    [dot] = group.iter(f"{SVG}circle")
    assert percent(dot.get("cx")) == pytest.approx(plot.x_percent(TODAY.isoformat()), abs=0.01)
    assert percent(dot.get("cy")) == pytest.approx(40.0)  # 6 on 0-10
    assert path_points(group) == []  # one point: no line
    x_ticks = [t for t in root.iter(f"{SVG}text") if t.get("data-x-tick")]
    assert len(x_ticks) == 7  # a week of days (MIN_AXIS_DAYS), one tick each
    # Seven dates do not fit across a phone: every other one is minor (hidden there).
    assert [t.get("class") for t in x_ticks] == [None, "tick-minor"] * 3 + [None]


def test_weekly_adherence_bars_reach_their_percentage():
    chart = figures.adherence_chart(history({0: 3}), patient=True)
    root, plot = parse(static_chart(chart.figure)), Plot(chart.figure)
    [trace] = chart.figure["data"]
    bars = list(trace_group(root, "Done").iter(f"{SVG}rect"))
    assert len(bars) == len(trace["y"]) >= 6
    for bar, monday, value, colour in zip(
        bars, trace["x"], trace["y"], trace["marker"]["color"], strict=True
    ):
        # Each bar is centred on its week (xperiodalignment "middle"), from 0 up to its value.
        middle = datetime.fromisoformat(monday) + timedelta(days=3.5)
        centre = percent(bar.get("x")) + percent(bar.get("width")) / 2
        assert centre == pytest.approx(plot.x_percent(middle.isoformat()), abs=0.01)
        top = percent(bar.get("y"))
        assert top == pytest.approx(plot.y_percent(value), abs=0.01)
        assert top + percent(bar.get("height")) == pytest.approx(plot.y_percent(0), abs=0.01)
        assert bar.get("fill") == colour
    assert root.find(".//ul[@class='chart-legend']") is None  # one trace: no legend, as plotly


def test_every_chart_the_pages_show_can_be_drawn():
    for chart in figures.charts_for(history({n: 3 for n in range(20)}), patient=False):
        parse(static_chart(chart.figure))


def test_text_from_the_figure_is_escaped():
    figure = {
        "data": [{"type": "scatter", "name": "<b>x</b>", "x": [1, 2], "y": [1, 2]}],
        "layout": {"annotations": [{"text": "a & <script>", "x": 1, "y": 1}]},
    }
    markup = static_chart(figure)
    assert "<script>" not in markup and "<b>" not in markup
    assert "a &amp; &lt;script&gt;" in markup


def test_a_trace_type_it_cannot_draw_is_refused():
    with pytest.raises(UnsupportedFigure, match="pie"):
        static_chart({"data": [{"type": "pie", "values": [1]}], "layout": {}})
