"""`flask library sync` and `validate`: idempotent upserts, archiving, templates, chains."""

from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from app.domain.library_files import is_walk_run
from app.extensions import db
from app.models import Exercise, ProgrammeTemplate
from app.services.library import LibraryInvalid, sync_library
from tests.factories import exercise_file, small_library, template_file, write_library


def by_slug(slug: str) -> Exercise:
    return db.session.scalar(sa.select(Exercise).where(Exercise.slug == slug))


def test_sync_of_the_shipped_library_is_idempotent(db, app):
    root = Path(app.config["EXERCISE_LIBRARY_DIR"])
    first = sync_library(root)
    assert len(first.exercises.created) >= 60
    assert first.templates.created
    second = sync_library(root)
    assert second.exercises.created == second.exercises.updated == []
    assert second.templates.created == second.templates.updated == []
    assert len(second.exercises.unchanged) == len(first.exercises.created)


def test_sync_creates_rows_with_search_text_tags_and_chain_ids(db, tmp_path):
    result = sync_library(small_library(tmp_path))
    assert sorted(result.exercises.created) == ["ex-a", "ex-b", "ex-c", "ex-d"]
    a, b, c, d = (by_slug(s) for s in ("ex-a", "ex-b", "ex-c", "ex-d"))
    assert (a.regression_id, a.progression_id) == (None, b.id)
    assert (b.regression_id, b.progression_id) == (a.id, c.id)
    assert (c.regression_id, c.progression_id) == (b.id, None)
    assert a.clinic_id is None and a.content_hash
    assert "lift your hips" in a.search_text and "gluteus medius" in a.search_text
    assert d.tags == "|hip|band|"
    assert (a.sets, a.reps, a.rest_seconds, a.times_per_week) == (3, 10, 60, 3)


def test_second_sync_changes_nothing(db, tmp_path):
    root = small_library(tmp_path)
    sync_library(root)
    db.session.commit()
    updated_at = by_slug("ex-a").updated_at
    result = sync_library(root)
    assert result.exercises.created == result.exercises.updated == []
    assert result.exercises.archived == []
    assert sorted(result.exercises.unchanged) == ["ex-a", "ex-b", "ex-c", "ex-d"]
    assert result.templates.unchanged == ["tpl"]
    assert by_slug("ex-a").updated_at == updated_at


def test_edited_file_updates_its_row(db, tmp_path):
    root = small_library(tmp_path)
    sync_library(root)
    path = root / "exercises" / "ex-d.yaml"
    data = yaml.safe_load(path.read_text())
    data["name"] = "Hip flexor mobiliser"
    data["steps"][0] = "Kneel on a cushion."
    path.write_text(yaml.safe_dump(data))
    result = sync_library(root)
    assert result.exercises.updated == ["ex-d"]
    row = by_slug("ex-d")
    assert row.name == "Hip flexor mobiliser"
    assert "kneel on a cushion" in row.search_text


def test_sync_sets_walk_run_from_the_file_and_clears_it_when_the_file_drops_it(db, tmp_path):
    root = small_library(tmp_path)
    path = root / "exercises" / "ex-d.yaml"
    path.write_text(yaml.safe_dump({**yaml.safe_load(path.read_text()), "walk_run": True}))
    sync_library(root)
    assert [is_walk_run(by_slug(s)) for s in ("ex-a", "ex-d")] == [False, True]
    path.write_text(yaml.safe_dump({**yaml.safe_load(path.read_text()), "walk_run": False}))
    assert sync_library(root).exercises.updated == ["ex-d"]
    assert is_walk_run(by_slug("ex-d")) is False


def test_removed_exercise_used_in_a_programme_is_archived_not_deleted(db, make, patient, tmp_path):
    root = small_library(tmp_path)
    sync_library(root)
    make.programme(patient, [by_slug("ex-d")])
    (root / "exercises" / "ex-d.yaml").unlink()
    (root / "templates" / "tpl.yaml").write_text(
        yaml.safe_dump(template_file("tpl", ["ex-a", "ex-b", "ex-c"]))
    )
    result = sync_library(root)
    assert result.exercises.archived == ["ex-d"]
    assert by_slug("ex-d").archived is True
    # Putting the file back brings the same row back.
    small_library(root)
    result = sync_library(root)
    assert result.exercises.updated == ["ex-d"] and by_slug("ex-d").archived is False


def test_templates_are_synced_with_phases_and_prescriptions(db, tmp_path):
    root = small_library(tmp_path)
    sync_library(root)
    template = db.session.scalar(
        sa.select(ProgrammeTemplate).where(ProgrammeTemplate.slug == "tpl")
    )
    assert template.condition == "fai"
    [phase] = template.phases
    assert (phase.position, phase.name, phase.typical_weeks) == (0, "Phase 1", 2)
    lines = phase.prescriptions
    assert [line.exercise.slug for line in lines] == ["ex-a", "ex-b", "ex-d"]
    assert lines[0].days_of_week == 0b101  # Monday and Wednesday
    assert lines[0].times_per_week is None
    assert (lines[0].sets, lines[0].reps, lines[0].tempo) == (3, 10, "3-1-3")

    # A changed template replaces its phases.
    data = template_file("tpl", ["ex-c", "ex-b", "ex-a"])
    (root / "templates" / "tpl.yaml").write_text(yaml.safe_dump(data))
    assert sync_library(root).templates.updated == ["tpl"]
    db.session.expire_all()
    template = db.session.get(ProgrammeTemplate, template.id)
    assert [p.exercise.slug for p in template.phases[0].prescriptions] == ["ex-c", "ex-b", "ex-a"]


def test_sync_of_an_invalid_library_loads_nothing(db, tmp_path):
    root = write_library(tmp_path, [exercise_file("ex-a", level=6), exercise_file("ex-b")])
    with pytest.raises(LibraryInvalid) as raised:
        sync_library(root)
    assert any(e.file == "ex-a.yaml" and e.field == "level" for e in raised.value.errors)
    assert by_slug("ex-b") is None


def test_validate_command_prints_counts_and_passes(app, runner, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "EXERCISE_LIBRARY_DIR", str(small_library(tmp_path)))
    result = runner.invoke(args=["library", "validate"])
    assert result.exit_code == 0, result.output
    assert "Strengthening: 3" in result.output and "Mobility: 1" in result.output


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"category": "cardio"}, "category", "is not one of"),
        ({"level": 6}, "level", "above the maximum"),
        ({"level": 0}, "level", "below the minimum"),
        ({"progression": "nowhere"}, "progression", "does not exist"),
    ],
)
def test_validate_command_fails_naming_file_and_field(
    app, runner, tmp_path, monkeypatch, fields, field, words
):
    root = write_library(tmp_path, [exercise_file("ex-a", **fields), exercise_file("ex-b")])
    monkeypatch.setitem(app.config, "EXERCISE_LIBRARY_DIR", str(root))
    result = runner.invoke(args=["library", "validate"])
    assert result.exit_code == 1
    assert f"ex-a.yaml: {field}:" in result.output and words in result.output


def test_validate_command_reports_every_error(app, runner, tmp_path, monkeypatch):
    broken = exercise_file("ex-a", level=6)
    del broken["name"]
    broken["dose"] = {k: v for k, v in broken["dose"].items() if k != "reps"}
    root = write_library(tmp_path, [broken])
    monkeypatch.setitem(app.config, "EXERCISE_LIBRARY_DIR", str(root))
    result = runner.invoke(args=["library", "validate"])
    assert result.exit_code == 1
    for expected in ("ex-a.yaml: name: is missing", "ex-a.yaml: level:", "ex-a.yaml: dose.reps:"):
        assert expected in result.output


def test_sync_command_prints_a_summary_and_refuses_a_broken_library(
    app, runner, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "EXERCISE_LIBRARY_DIR", str(small_library(tmp_path / "ok")))
    result = runner.invoke(args=["library", "sync"])
    assert result.exit_code == 0, result.output
    assert "Exercises: 4 created, 0 updated, 0 archived, 0 unchanged" in result.output
    result = runner.invoke(args=["library", "sync"])
    assert "Exercises: 0 created, 0 updated, 0 archived, 4 unchanged" in result.output

    broken = write_library(tmp_path / "broken", [exercise_file("ex-z", category="cardio")])
    monkeypatch.setitem(app.config, "EXERCISE_LIBRARY_DIR", str(broken))
    result = runner.invoke(args=["library", "sync"])
    assert result.exit_code == 1 and "ex-z.yaml: category:" in result.output
    assert by_slug("ex-z") is None


def test_seed_demo_syncs_the_library_first(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "Exercises: " in result.output.splitlines()[0]
    assert by_slug("bridge") is not None


def test_synced_chain_reads_easiest_to_hardest_on_the_exercise_page(db, app, client, physio):
    sync_library(Path(app.config["EXERCISE_LIBRARY_DIR"]))
    middle = by_slug("single-leg-bridge")
    page = client.login_as(physio).get(f"/library/{middle.id}").get_data(as_text=True)
    chain = page[page.index('<ol class="chain"') : page.index("</ol>")]
    names = ["Bridge", middle.name, by_slug("loaded-single-leg-hip-thrust").name]
    positions = [chain.index(f">{name}<") for name in names]
    assert positions == sorted(positions)
