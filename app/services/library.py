"""The exercise library in the database: file sync, search, chains and clinic-made exercises."""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import policy
from app.domain import library_files
from app.domain.dose import EXERCISE_DOSE_FIELDS
from app.domain.library_files import LibraryError, exercise_content_hash
from app.extensions import db
from app.models import Exercise, ProgrammeTemplate, TemplatePhase, TemplatePrescription, User
from app.services.library_files import validate_library

CONTENT_FIELDS = (
    "name",
    "category",
    "body_regions",
    "target_muscles",
    "equipment",
    "position",
    "level",
    "steps",
    "cues",
    "faults",
    "cautions",
    "evidence",
    *EXERCISE_DOSE_FIELDS,
)
DAY_BITS = {day: 1 << index for index, day in enumerate(library_files.DAYS_OF_WEEK)}
# Chains are short (the longest shipped one has 7 steps); the cap keeps a corrupted,
# looping chain from costing more than a fixed number of queries.
CHAIN_CAP = 25


# --- search text and tags ---------------------------------------------------------------


def search_text_for(values: Mapping[str, Any]) -> str:
    """Return the lower-cased text search looks in: name, steps, cues, muscles and position."""
    position = values.get("position") or ""
    parts = [
        values.get("name") or "",
        *(values.get("steps") or []),
        *(values.get("cues") or []),
        *(values.get("target_muscles") or []),
        position,
        library_files.POSITIONS.get(position, ""),
    ]
    return " ".join(part.strip() for part in parts if part).lower()


def tags_for(values: Mapping[str, Any]) -> str:
    """Return body regions and equipment as "|hip|core|band|", so each filter is one LIKE."""
    tags = [*(values.get("body_regions") or []), *(values.get("equipment") or [])]
    return "|" + "|".join(dict.fromkeys(tags)) + "|" if tags else ""


def _apply_content(exercise: Exercise, values: Mapping[str, Any]) -> None:
    for name in CONTENT_FIELDS:
        setattr(exercise, name, values.get(name))
    exercise.search_text = search_text_for(values)
    exercise.tags = tags_for(values)


# --- sync from files --------------------------------------------------------------------


@dataclass
class SyncCounts:
    """Slugs by what a sync did to them."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Return e.g. "2 created, 1 updated, 0 archived, 79 unchanged"."""
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.archived)} archived, {len(self.unchanged)} unchanged"
        )


@dataclass
class SyncResult:
    exercises: SyncCounts
    templates: SyncCounts


class LibraryInvalid(Exception):
    """The library files have errors; nothing was loaded."""

    def __init__(self, errors: Sequence[LibraryError]) -> None:
        super().__init__(f"{len(errors)} error(s) in the exercise library")
        self.errors = list(errors)


def _exercise_values(data: Mapping[str, Any]) -> dict[str, Any]:
    values = {name: data.get(name) for name in CONTENT_FIELDS if name not in EXERCISE_DOSE_FIELDS}
    dose = data["dose"]
    values.update({name: dose.get(name) for name in EXERCISE_DOSE_FIELDS})
    values["cautions"] = library_files.stored_cautions(data)  # with each condition's strength
    return values


def sync_library(root: Path) -> SyncResult:
    """Upsert the library files into the session by slug (the caller commits).

    Raises LibraryInvalid, having changed nothing, when the files do not validate.
    """
    report = validate_library(root)
    if report.errors:
        raise LibraryInvalid(report.errors)
    exercises = _sync_exercises(report.exercises)
    templates = _sync_templates(report.templates)
    return SyncResult(exercises, templates)


def _sync_exercises(files: list[dict[str, Any]]) -> SyncCounts:
    counts = SyncCounts()
    file_slugs = {data["slug"] for data in files}
    rows = db.session.scalars(
        sa.select(Exercise).where(
            sa.or_(Exercise.clinic_id.is_(None), Exercise.slug.in_(file_slugs))
        )
    ).all()
    by_slug = {row.slug: row for row in rows}
    clash = sorted(row.slug for row in rows if row.clinic_id is not None)
    if clash:
        raise LibraryInvalid(
            [
                LibraryError(f"{slug}.yaml", "slug", "is taken by a clinic's exercise")
                for slug in clash
            ]
        )

    changed: set[str] = set()
    for data in files:
        slug, content_hash = data["slug"], exercise_content_hash(data)
        row = by_slug.get(slug)
        if row is None:
            row = Exercise(slug=slug, clinic_id=None)
            db.session.add(row)
            by_slug[slug] = row
            counts.created.append(slug)
        elif row.content_hash != content_hash or row.archived:
            counts.updated.append(slug)
        else:
            continue
        _apply_content(row, _exercise_values(data))
        row.walk_run = data.get("walk_run", False)  # only library files set it
        row.readiness_test = data.get("readiness_test", False)
        row.figure = data.get("figure")  # likewise
        row.content_hash = content_hash
        row.archived = False
        changed.add(slug)

    for slug, row in sorted(by_slug.items()):
        if slug not in file_slugs and not row.archived:
            # Programmes may still point at it: archive, never delete.
            row.archived = True
            row.regression_id = row.progression_id = None
            counts.archived.append(slug)
    db.session.flush()  # new rows get their ids for the links below

    # Second pass: links by id. Compared for every file exercise, so a row whose
    # neighbour was re-created still ends up pointing at the right id.
    for data in files:
        row = by_slug[data["slug"]]
        regression = by_slug[data["regression"]].id if data.get("regression") else None
        progression = by_slug[data["progression"]].id if data.get("progression") else None
        if (row.regression_id, row.progression_id) != (regression, progression):
            row.regression_id, row.progression_id = regression, progression
            if data["slug"] not in changed:
                counts.updated.append(data["slug"])
                changed.add(data["slug"])
    counts.unchanged = sorted(file_slugs - changed)
    db.session.flush()
    return counts


def _sync_templates(files: list[dict[str, Any]]) -> SyncCounts:
    counts = SyncCounts()
    exercise_ids = {
        slug: exercise_id
        for slug, exercise_id in db.session.execute(
            sa.select(Exercise.slug, Exercise.id).where(Exercise.clinic_id.is_(None))
        )
    }
    rows = db.session.scalars(
        sa.select(ProgrammeTemplate)
        .where(ProgrammeTemplate.clinic_id.is_(None))
        .options(selectinload(ProgrammeTemplate.phases))
    ).all()
    by_slug = {row.slug: row for row in rows}
    file_slugs = set()
    for data in files:
        slug, content_hash = data["slug"], exercise_content_hash(data)
        file_slugs.add(slug)
        row = by_slug.get(slug)
        if row is None:
            row = ProgrammeTemplate(slug=slug, clinic_id=None)
            db.session.add(row)
            counts.created.append(slug)
        elif row.content_hash != content_hash or row.archived:
            counts.updated.append(slug)
            row.phases.clear()
            db.session.flush()  # delete the old phases before their positions are reused
        else:
            counts.unchanged.append(slug)
            continue
        row.name = data["name"]
        row.condition = data.get("condition")  # None: not condition-specific
        row.description = data["description"]
        row.content_hash = content_hash
        row.archived = False
        row.phases.extend(_template_phases(data["phases"], exercise_ids))
    for slug, row in sorted(by_slug.items()):
        if slug not in file_slugs and not row.archived:
            row.archived = True
            counts.archived.append(slug)
    db.session.flush()
    return counts


def _template_phases(
    phases: list[dict[str, Any]], exercise_ids: Mapping[str, int]
) -> list[TemplatePhase]:
    built = []
    for position, phase in enumerate(phases):
        row = TemplatePhase(
            position=position,
            name=phase["name"],
            goal=phase["goal"],
            typical_weeks=phase["typical_weeks"],
            criteria=phase["criteria"],
        )
        for index, item in enumerate(phase["prescriptions"]):
            days = item.get("days_of_week")
            row.prescriptions.append(
                TemplatePrescription(
                    position=index,
                    exercise_id=exercise_ids[item["exercise"]],
                    load_text=item.get("load"),
                    tempo=item.get("tempo"),
                    days_of_week=sum(DAY_BITS[day] for day in days) if days else None,
                    times_per_week=None if days else item.get("times_per_week"),
                    note=item.get("note") or "",
                    **{
                        name: item.get(name)
                        for name in EXERCISE_DOSE_FIELDS
                        if name != "times_per_week"
                    },
                )
            )
        built.append(row)
    return built


# --- what a physio may see --------------------------------------------------------------


def visible_to(user: User) -> sa.ColumnElement[bool]:
    """Return the condition for exercises a staff user may see: the library and their clinic's."""
    return policy.visible_condition(user, Exercise)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class LibraryFilters:
    """What the physio typed and picked on the browse page."""

    query: str = ""
    category: str = ""
    region: str = ""
    equipment: str = ""
    level: int | None = None


def search_statement(user: User, filters: LibraryFilters) -> sa.Select[Exercise]:
    """Select visible, live exercises matching every word and filter, by name."""
    stmt = sa.select(Exercise).where(visible_to(user), Exercise.archived.is_(False))
    for word in filters.query.lower().split():
        stmt = stmt.where(Exercise.search_text.like(f"%{_like_escape(word)}%", escape="\\"))
    if filters.category:
        stmt = stmt.where(Exercise.category == filters.category)
    for tag in (filters.region, filters.equipment):
        if tag:
            stmt = stmt.where(Exercise.tags.like(f"%|{_like_escape(tag)}|%", escape="\\"))
    if filters.level is not None:
        stmt = stmt.where(Exercise.level == filters.level)
    return stmt.order_by(Exercise.name, Exercise.id)


@dataclass(frozen=True)
class ChainLink:
    id: int
    name: str
    level: int
    archived: bool


def _link_rows(ids: Iterable[int], user: User) -> dict[int, sa.Row[*tuple[Any, ...]]]:
    rows = db.session.execute(
        sa.select(
            Exercise.id,
            Exercise.name,
            Exercise.level,
            Exercise.archived,
            Exercise.regression_id,
            Exercise.progression_id,
        ).where(Exercise.id.in_(list(ids)), visible_to(user))
    ).all()
    return {row.id: row for row in rows}


def chain_of(exercise: Exercise, user: User) -> list[ChainLink]:
    """Return the exercise's whole chain, easiest first, walking both ways at once.

    One small query per step outwards (both directions share it), at most CHAIN_CAP.
    """
    before: list[ChainLink] = []
    after: list[ChainLink] = []
    seen = {exercise.id}
    back, forward = exercise.regression_id, exercise.progression_id
    for _ in range(CHAIN_CAP):
        wanted = {i for i in (back, forward) if i is not None and i not in seen}
        if not wanted:
            break
        rows = _link_rows(wanted, user)
        seen |= wanted
        row = rows.get(back) if back in wanted else None
        back = None
        if row is not None:
            before.append(ChainLink(row.id, row.name, row.level, row.archived))
            back = row.regression_id
        row = rows.get(forward) if forward in wanted else None
        forward = None
        if row is not None:
            after.append(ChainLink(row.id, row.name, row.level, row.archived))
            forward = row.progression_id
    this = ChainLink(exercise.id, exercise.name, exercise.level, exercise.archived)
    return [*reversed(before), this, *after]


# --- clinic-made exercises --------------------------------------------------------------


def slugify(text: str) -> str:
    """Return lowercase words joined by hyphens: "Side plank (knees)" -> "side-plank-knees"."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "exercise"


def custom_slug(clinic_id: int, name: str) -> str:
    """Return a free slug c<clinic>-<name>, with -2, -3... when it is taken."""
    base = f"c{clinic_id}-{slugify(name)}"[:72].rstrip("-")
    taken = set(
        db.session.scalars(
            sa.select(Exercise.slug).where(
                Exercise.slug.like(f"{_like_escape(base)}%", escape="\\")
            )
        )
    )
    if base not in taken:
        return base
    suffix = 2
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"


def _walk(
    start: int | None, link: str, changes: Mapping[int, Mapping[str, int | None]], user: User
) -> list[int]:
    """Return the ids reached following one link from start, seeing the pending changes."""
    path: list[int] = []
    current = start
    while current is not None and len(path) < CHAIN_CAP:
        path.append(current)
        if current in changes and link in changes[current]:
            current = changes[current][link]
        else:
            row = _link_rows([current], user).get(current)
            current = getattr(row, f"{link}_id") if row is not None else None
        if current in path:
            path.append(current)
            break
    return path


# Stands in for the id of an exercise not saved yet, so its links can be checked first.
UNSAVED_ID = -1


def _neighbour_changes(
    exercise: Exercise, regression: Exercise | None, progression: Exercise | None
) -> dict[int, dict[str, int | None]]:
    """Return the link changes that keep links mutual where the clinic may edit them.

    Library exercises are read-only: linking a clinic's exercise to one sets only the
    clinic's side, so the library exercise keeps its own chain.
    """
    self_id = exercise.id if exercise.id is not None else UNSAVED_ID
    changes: dict[int, dict[str, int | None]] = {
        self_id: {
            "regression": regression.id if regression else None,
            "progression": progression.id if progression else None,
        }
    }

    def own(other: Exercise | None) -> bool:
        return other is not None and other.clinic_id == exercise.clinic_id

    for link, reverse, old_id, new in (
        ("regression", "progression", exercise.regression_id, regression),
        ("progression", "regression", exercise.progression_id, progression),
    ):
        old = db.session.get(Exercise, old_id) if old_id is not None else None
        if (
            old is not None
            and own(old)
            and old is not new
            and getattr(old, f"{reverse}_id") == self_id
        ):
            changes.setdefault(old.id, {})[reverse] = None
        if new is not None and own(new) and getattr(new, f"{reverse}_id") != self_id:
            # e.g. the new progression's old regression loses its now one-sided link
            displaced_id = getattr(new, f"{reverse}_id")
            changes.setdefault(new.id, {})[reverse] = self_id
            displaced = db.session.get(Exercise, displaced_id) if displaced_id else None
            if (
                displaced is not None
                and own(displaced)
                and getattr(displaced, f"{link}_id") == new.id
            ):
                changes.setdefault(displaced.id, {})[link] = None
    return changes


def link_errors(
    user: User,
    exercise: Exercise,
    level: int,
    regression: Exercise | None,
    progression: Exercise | None,
) -> dict[str, str]:
    """Return field -> message when the chosen links break the chain rules."""
    errors: dict[str, str] = {}
    for name, other in (("regression", regression), ("progression", progression)):
        if other is None:
            continue
        if exercise.id is not None and other.id == exercise.id:
            errors[name] = "An exercise cannot link to itself."
        elif other.archived:
            errors[name] = f"{other.name} is archived; choose another exercise."
    if regression is not None and regression is progression:
        errors["progression"] = "The easier and harder exercises must differ."
    if regression is not None and "regression" not in errors and regression.level > level:
        errors["regression"] = (
            f"{regression.name} is level {regression.level}, harder than level {level}."
        )
    if progression is not None and "progression" not in errors and progression.level < level:
        errors["progression"] = (
            f"{progression.name} is level {progression.level}, easier than level {level}."
        )
    if errors:
        return errors
    changes = _neighbour_changes(exercise, regression, progression)
    self_id = exercise.id if exercise.id is not None else UNSAVED_ID
    for name in ("progression", "regression"):
        path = _walk(self_id, name, changes, user)
        if path.count(path[-1]) > 1:
            errors[name] = "That link would make the chain loop back on itself."
    return errors


def save_custom_exercise(
    user: User,
    exercise: Exercise | None,
    values: Mapping[str, Any],
    regression: Exercise | None,
    progression: Exercise | None,
) -> Exercise:
    """Create or update a clinic-made exercise and keep its links mutual (caller validated)."""
    if exercise is None:
        exercise = Exercise(
            slug=custom_slug(user.clinic_id, values["name"]),
            clinic_id=user.clinic_id,
            created_by_id=user.id,
        )
        db.session.add(exercise)
    _apply_content(exercise, values)
    db.session.flush()
    changes = _neighbour_changes(exercise, regression, progression)
    _apply_links(changes)
    return exercise


def _apply_links(changes: Mapping[int, Mapping[str, int | None]]) -> None:
    for exercise_id, links in changes.items():
        row = db.session.get(Exercise, exercise_id)
        for link, target in links.items():
            setattr(row, f"{link}_id", target)
    db.session.flush()


def archive_custom_exercise(exercise: Exercise) -> None:
    """Archive a clinic-made exercise and unhook it from its clinic's chains."""
    changes: dict[int, dict[str, int | None]] = {
        exercise.id: {"regression": None, "progression": None}
    }
    for link, reverse in (("regression", "progression"), ("progression", "regression")):
        other_id = getattr(exercise, f"{link}_id")
        other = db.session.get(Exercise, other_id) if other_id is not None else None
        if (
            other is not None
            and other.clinic_id == exercise.clinic_id
            and getattr(other, f"{reverse}_id") == exercise.id
        ):
            changes[other.id] = {reverse: None}
    _apply_links(changes)
    exercise.archived = True
