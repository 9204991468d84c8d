"""Read the exercise library's YAML files and hand their contents to the domain's checks."""

from pathlib import Path

import yaml

from app.domain.library_files import (
    SCHEMA_FILES,
    LibraryError,
    LibraryReport,
    check_library,
    schema_file_text,
)

DEFAULT_LIBRARY_ROOT = Path(__file__).resolve().parents[2] / "exercise_library"


def read_yaml_file(path: Path) -> object:
    """Return a file's parsed YAML, or a LibraryError naming the line that is not YAML."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        return LibraryError(path.name, where, f"is not valid YAML: {problem}")


def read_folder(directory: Path) -> dict[str, object]:
    """Return file name -> parsed content for every .yaml file in a folder, by name."""
    return {path.name: read_yaml_file(path) for path in sorted(directory.glob("*.yaml"))}


def validate_library(root: Path = DEFAULT_LIBRARY_ROOT) -> LibraryReport:
    """Read and check the whole library folder: exercises, chains and templates."""
    return check_library(read_folder(root / "exercises"), read_folder(root / "templates"))


def write_schema_files(root: Path = DEFAULT_LIBRARY_ROOT) -> None:
    """Regenerate the JSON schema files from the domain's constants."""
    for name, build in SCHEMA_FILES.items():
        (root / "schema" / name).write_text(schema_file_text(build), encoding="utf-8")
