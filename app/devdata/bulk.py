"""Writing many rows fast: ids handed out up front, rows grouped by table, COPY or executemany.

Primary keys are assigned here, so rows can point at each other without reading anything
back; a second thread writes one chunk while other processes generate the next ones.
"""

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from app.devdata import ScaleError
from app.models import (
    CheckIn,
    DaySummary,
    ExerciseLog,
    Flag,
    Patient,
    Prescription,
    Programme,
    ProgrammePhase,
    ProgrammeVersion,
    SyncEvent,
    User,
)
from app.services.bulk import table_of

Row = tuple[Any, ...]


class Chunk:
    """Rows for a chunk of patients, table by table, in foreign-key order."""

    TABLES = (
        User, Patient, Programme, ProgrammePhase, ProgrammeVersion, Prescription, ExerciseLog,
        SyncEvent, CheckIn, DaySummary, Flag,
    )  # fmt: skip

    def __init__(self) -> None:
        self.columns: dict[type, Sequence[str]] = {}
        self.rows: dict[type, list[Row]] = {model: [] for model in self.TABLES}

    def add(self, model: type, row: dict[str, Any]) -> None:
        """Add a row given as a dict (every row of a table with the same keys)."""
        self.columns.setdefault(model, tuple(row))
        self.rows[model].append(tuple(row.values()))

    def add_tuples(self, model: type, columns: Sequence[str], rows: list[Row]) -> None:
        """Add rows already laid out as tuples of `columns` (the big tables)."""
        self.columns.setdefault(model, columns)
        self.rows[model].extend(rows)

    def write(self, writer: "BulkWriter", counts: dict[str, int]) -> None:
        for model in self.TABLES:
            if self.rows[model]:
                writer.insert(table_of(model), self.columns[model], self.rows[model], counts)


INT4_MAX = 2**31 - 1  # the primary keys are PostgreSQL integers


class IdAllocator:
    """Hand out primary keys above each table's current maximum (read once, up front, so the
    writer thread has the connection to itself afterwards).

    Chunks of patients are generated apart (in other processes, in any order), so each takes
    its ids from a block of its own (blocks()): gaps between blocks are harmless, and the
    same chunk gets the same ids however many processes generate.
    """

    def __init__(self, last: dict[str, int], ceiling: dict[str, int] | None = None) -> None:
        self.last = last
        self.ceiling = ceiling or {}

    @classmethod
    def above_existing(cls, writer: "BulkWriter") -> "IdAllocator":
        tables = ["exercises", *(model.__tablename__ for model in Chunk.TABLES)]
        return cls({table: writer.max_id(table) for table in tables if table != "sync_events"})

    def next(self, table: str) -> int:
        self.last[table] += 1
        if self.last[table] > self.ceiling.get(table, INT4_MAX):
            raise ScaleError(f"a chunk needed more {table} ids than its block holds")
        return self.last[table]

    def blocks(self, sizes: dict[str, int], count: int) -> list["IdAllocator"]:
        """Carve `count` blocks of ids (sizes per table) above the ids handed out so far."""
        blocks = []
        for n in range(count):
            first = {table: self.last[table] + n * size for table, size in sizes.items()}
            blocks.append(
                IdAllocator(dict(first), {table: first[table] + sizes[table] for table in sizes})
            )
        for table, size in sizes.items():
            self.last[table] += count * size
            if self.last[table] > INT4_MAX:
                raise ScaleError(f"too many {table} rows for integer ids: seed fewer patients")
        return blocks


class BulkWriter:
    """Insert many rows fast: COPY on PostgreSQL, executemany on SQLite (one statement each)."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect
        self.postgres = self.dialect.name == "postgresql"
        # The statements that make the dropped foreign keys, indexes and keys again.
        self.dropped_keys: list[str] = []
        self.dropped_indexes: list[str] = []
        if self.dialect.name == "sqlite":
            # Scale data is throwaway: skip the journal flushes while writing it.
            connection.exec_driver_sql("PRAGMA cache_size = -200000")

    def max_id(self, table: str) -> int:
        found = self.connection.exec_driver_sql(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        return int(found.scalar_one())

    def sync_sequence(self, table: str) -> None:
        if self.postgres:
            self.connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )

    def sync_sequences(self, tables: Sequence[str]) -> None:
        """Move PostgreSQL's id sequences past the ids written."""
        for table in tables:
            self.sync_sequence(table)

    def drop_indexes(self, tables: Sequence[str]) -> None:
        """Drop the tables' indexes, unique and primary keys on PostgreSQL, for restore.

        Built once by sorting at the end, an index costs a fraction of keeping it up to date
        row by row; the sync events' random UUID keys, kept row by row, touch a page at random
        for every row, which at 20,000 patients no longer fits in shared buffers.
        """
        if not self.postgres:
            return
        keys = self._drop_constraints(tables, ["p", "u"])
        indexes = self.connection.execute(
            sa.text(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
                "FROM pg_index i WHERE i.indrelid::regclass::text = ANY(:t) "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
            ),
            {"t": list(tables)},
        ).all()
        for name, _ in indexes:
            self.connection.exec_driver_sql(f'DROP INDEX "{name}"')
        self.dropped_indexes = [*keys, *(definition for _, definition in indexes)]

    def restore_indexes(self) -> None:
        """Build the dropped indexes and keys again (each one sort of its table)."""
        if self.dropped_indexes:
            self.connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
        for statement in self.dropped_indexes:
            self.connection.exec_driver_sql(statement)
        self.dropped_indexes = []

    def drop_foreign_keys(self, tables: Sequence[str]) -> None:
        """Drop the tables' foreign keys on PostgreSQL, remembering them for restore."""
        if self.postgres:
            self.dropped_keys = self._drop_constraints(tables, ["f"])

    def restore_foreign_keys(self) -> None:
        """Add the dropped foreign keys back: each is checked in one pass over its table."""
        for statement in self.dropped_keys:
            self.connection.exec_driver_sql(statement)
        self.dropped_keys = []

    def _drop_constraints(self, tables: Sequence[str], kinds: list[str]) -> list[str]:
        """Drop the tables' constraints of those kinds; return the statements that re-add them."""
        found = self.connection.execute(
            sa.text(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = ANY(:k) AND conrelid::regclass::text = ANY(:t)"
            ),
            {"t": list(tables), "k": kinds},
        ).all()
        for table, name, _ in found:
            self.connection.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        return [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d in found]

    def analyze(self) -> None:
        if self.postgres:
            self.connection.exec_driver_sql("ANALYZE")
        else:
            self.connection.exec_driver_sql("PRAGMA analysis_limit = 1000")
            self.connection.exec_driver_sql("ANALYZE")

    def insert(
        self,
        table: sa.Table,
        columns: Sequence[str],
        rows: list[Row],
        counts: dict[str, int],
    ) -> None:
        """Insert rows (tuples in the order of columns) in one COPY or one executemany."""
        counts[table.name] = counts.get(table.name, 0) + len(rows)
        names = ", ".join(columns)
        driver = self.connection.connection.driver_connection
        assert driver is not None  # a live connection, checked out for the whole seeding
        cursor = driver.cursor()
        try:
            if self.postgres:
                with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                converters = [self._converter(table.c[name]) for name in columns]
                if any(converters):
                    rows = [
                        tuple(
                            value if f is None or value is None else f(value)
                            for f, value in zip(converters, row, strict=True)
                        )
                        for row in rows
                    ]
                marks = ", ".join("?" for _ in columns)
                cursor.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)
        finally:
            cursor.close()

    def _converter(self, column: sa.Column[Any]) -> Callable[[Any], Any] | None:
        """Return how a Python value becomes what the driver takes (None: as it is)."""
        if isinstance(column.type, sa.JSON):
            return None  # the rows carry JSON text already
        process = column.type.dialect_impl(self.dialect).bind_processor(self.dialect)
        if process is None:
            return None
        cache: dict[Any, Any] = {}

        def convert(value: Any) -> Any:
            # Dates and times repeat a lot (a day's ticks share them): convert each once.
            try:
                return cache[value]
            except KeyError:
                cache[value] = converted = process(value)
                return converted

        return convert


class WriterThread:
    """Write chunks in order on a second thread; the drivers release the GIL while the
    database works, so generating the next chunk overlaps with storing this one."""

    def __init__(self, writer: BulkWriter, counts: dict[str, int]) -> None:
        self.writer = writer
        self.counts = counts
        self.queue: queue.Queue[Chunk | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="scale-writer", daemon=True)

    def __enter__(self) -> "WriterThread":
        self.thread.start()
        return self

    def put(self, chunk: Chunk) -> None:
        if self.error is not None:
            raise ScaleError("writing scale data failed") from self.error
        self.queue.put(chunk)

    def __exit__(self, *_: object) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise ScaleError("writing scale data failed") from self.error

    def _run(self) -> None:
        while (chunk := self.queue.get()) is not None:
            if self.error is None:
                try:
                    chunk.write(self.writer, self.counts)
                except BaseException as error:  # handed to the main thread
                    self.error = error
