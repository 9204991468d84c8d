"""The shipped exercises' figures: every one drawn, inside its frame; sync and the sheet."""

import re
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import sqlalchemy as sa
import yaml

from app.domain import figures
from app.extensions import db as database
from app.models import Exercise
from app.services.library import sync_library
from app.services.library_files import DEFAULT_LIBRARY_ROOT, read_folder
from tests.factories import exercise_file, small_library, write_library

SHIPPED = read_folder(DEFAULT_LIBRARY_ROOT / "exercises")
FIGURE = {
    "view": "side",
    "posture": "standing",
    "contacts": ["feet"],
    "start": {},
    "end": {"r_hip": 60, "contacts": ["l_foot"]},
}


def _numbers(svg: ElementTree.Element, names: tuple[str, ...]) -> list[float]:
    return [float(el.get(name)) for el in svg.iter() for name in names if el.get(name)]


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_every_shipped_exercise_draws_a_figure_that_parses_and_fits_its_frame(name: str) -> None:
    data: dict[str, Any] = SHIPPED[name]  # type: ignore[assignment]
    assert "figure" in data, f"{name} has no figure"
    assert list(data)[-1] == "figure", "the figure block ends the file (merges stay mechanical)"
    markup = figures.figure_markup(data["figure"], data["steps"], "reps")
    for text in (markup.start_svg, markup.end_svg, markup.animated_svg):
        svg = ElementTree.fromstring(text)
        left, top, width, height = map(float, svg.get("viewBox").split())
        xs = _numbers(svg, ("x1", "x2", "cx"))
        ys = _numbers(svg, ("y1", "y2", "cy"))
        assert all(left - 0.1 <= x <= left + width + 0.1 for x in xs), name
        assert all(top - 0.1 <= y <= top + height + 0.1 for y in ys), name
        assert svg.get("aria-label", "").strip()
    poses = figures.animation_frames(figures.scene_for(data["figure"]))
    assert poses[0] != poses[-1], f"{name}: the start and end poses are the same"


def test_sync_stores_the_figure_and_a_changed_pose_updates_the_row(db, tmp_path: Path) -> None:
    root = write_library(tmp_path, [exercise_file("ex-a", figure=FIGURE)])
    sync_library(root)
    row = database.session.scalar(sa.select(Exercise).where(Exercise.slug == "ex-a"))
    assert row.figure == FIGURE
    path = root / "exercises" / "ex-a.yaml"
    changed = {**FIGURE, "end": {"r_hip": 80, "contacts": ["l_foot"]}}
    path.write_text(yaml.safe_dump({**yaml.safe_load(path.read_text()), "figure": changed}))
    assert sync_library(root).exercises.updated == ["ex-a"]
    assert row.figure["end"]["r_hip"] == 80


def test_validate_refuses_an_impossible_pose_naming_file_and_field(
    app, runner, tmp_path, monkeypatch
) -> None:
    bad = {**FIGURE, "end": {"r_knee": 160, "contacts": ["l_foot"]}}
    root = write_library(tmp_path, [exercise_file("ex-a", figure=bad)])
    monkeypatch.setitem(app.config, "EXERCISE_LIBRARY_DIR", str(root))
    result = runner.invoke(args=["library", "validate"])
    assert result.exit_code == 1
    assert "ex-a.yaml: figure.end.r_knee: r_knee 160 degrees leaves the human range" in (
        result.output
    )


def test_the_contact_sheet_shows_every_exercise_start_and_end(
    app, runner, tmp_path, monkeypatch
) -> None:
    root = small_library(tmp_path)
    path = root / "exercises" / "ex-a.yaml"
    path.write_text(yaml.safe_dump({**yaml.safe_load(path.read_text()), "figure": FIGURE}))
    monkeypatch.setitem(app.config, "EXERCISE_LIBRARY_DIR", str(root))
    out = tmp_path / "sheet.html"
    result = runner.invoke(args=["library", "sheet", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert len(re.findall(r'class="sheet-card"', html)) == len(read_folder(root / "exercises"))
    assert 'aria-label="Ex a: start"' in html and 'aria-label="Ex a: end"' in html
    assert "No figure." in html  # the others have none


def test_a_figure_is_drawn_once_and_drawn_again_when_its_pose_changes(app) -> None:
    from app.library.figure_views import exercise_figure

    class Dose:
        hold_seconds = None
        duration_seconds = None

    steps = ["Stand tall.", "Lift the leg."]
    first = exercise_figure(FIGURE, steps, Dose())
    assert exercise_figure(dict(FIGURE), list(steps), Dose()) is first  # kept, not redrawn
    moved = {**FIGURE, "end": {"r_hip": 45, "contacts": ["l_foot"]}}
    again = exercise_figure(moved, steps, Dose())
    assert again is not None and first is not None and again.end_svg != first.end_svg
    assert again == figures.figure_markup(moved, steps, "reps")
