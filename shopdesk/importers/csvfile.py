"""Reading CSV files people export from shops and spreadsheets, safely.

Rows come out with the line they started on, so every problem can be reported by line. Every
row is stored raw (:class:`~shopdesk.models.RawInput`) before it is interpreted; a row already
stored (same source, same content) is recognised, which makes importing a file twice harmless.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from shopdesk.errors import InvalidInput
from shopdesk.models import RawInput

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_FIELD = 10_000  # characters; longer values are a broken or hostile file


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    values: dict[str, str]


@dataclass(slots=True)
class ImportReport:
    """What an import did, for the owner."""

    rows: int = 0
    created: int = 0  # orders or shipments
    existing: int = 0  # already there: skipped, unchanged
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(slots=True)
class CsvFile:
    path: Path
    header: list[str]
    text: str
    warnings: list[str]

    def rows(self) -> Iterator[Row | tuple[int, str]]:
        """Each row as a Row, or (line, reason) for a row that cannot be read."""
        reader = csv.reader(io.StringIO(self.text, newline=""))
        next(reader)
        width = len(self.header)
        line = reader.line_num + 1
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                reason = (
                    f"a field is longer than {MAX_FIELD:,} characters"
                    if "field limit" in str(exc)
                    else f"unreadable CSV: {exc}"
                )
                yield line, reason
                line = reader.line_num + 1
                continue
            start, line = line, reader.line_num + 1
            if not any(v.strip() for v in values):
                continue
            if len(values) > width:
                yield start, f"{len(values)} fields but the header has {width}"
                continue
            if any(len(v) > MAX_FIELD for v in values):
                yield start, f"a field is longer than {MAX_FIELD:,} characters"
                continue
            values += [""] * (width - len(values))
            yield Row(start, dict(zip(self.header, values, strict=True)))


def open_csv(path: Path, required: Sequence[str]) -> CsvFile:
    """Read and check a CSV file's encoding and header.

    Raises:
        InvalidInput: unreadable, empty, too big, or missing required columns (all named).
    """
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InvalidInput(
                f"{path} is {size:,} bytes; split it below {MAX_FILE_BYTES // 2**20} MB"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from None
    warnings = []
    if b"\x00" in data:
        raise InvalidInput(f"{path} contains NUL bytes: it is not a text CSV file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        text = data.decode("cp1252", errors="replace")
        warnings.append(
            f"{path.name} is not UTF-8 (first bad byte on line {line}); read it as "
            "Windows-1252 — check accented names, or save the file as UTF-8"
        )
    csv.field_size_limit(MAX_FIELD * 4)
    try:
        header = next(csv.reader(io.StringIO(text, newline="")), [])
    except csv.Error as exc:
        raise InvalidInput(f"{path}: the header line is unreadable: {exc}") from None
    header = [h.strip() for h in header]
    if not any(header):
        raise InvalidInput(f"{path} is empty")
    missing = [c for c in required if c not in header]
    if missing:
        raise InvalidInput(
            f"{path} lacks column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} (it has: {', '.join(header[:12])}"
            f"{', …' if len(header) > 12 else ''})"
        )
    return CsvFile(path, header, text, warnings)


def digest(source: str, row: Row) -> str:
    body = json.dumps(row.values, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{source}\n{body}".encode()).hexdigest()


async def store_raw(source: str, path: Path, rows: Sequence[Row]) -> dict[int, RawInput]:
    """Store rows raw before interpreting them; returns each row's RawInput by line.

    A row stored by an earlier import (same source, same content) keeps its first record.
    """
    digests = {row.line: digest(source, row) for row in rows}
    existing = {r.digest: r for r in await RawInput.filter(digest__in=list(digests.values()))}
    fresh = {}
    for row in rows:
        d = digests[row.line]
        if d not in existing and d not in fresh:
            fresh[d] = RawInput(
                source=source,
                ref=f"{path.name}:{row.line}",
                digest=d,
                body=json.dumps(row.values, ensure_ascii=False),
            )
    if fresh:
        await RawInput.bulk_create(list(fresh.values()))
        existing.update({r.digest: r for r in await RawInput.filter(digest__in=list(fresh))})
    return {row.line: existing[digests[row.line]] for row in rows}


async def mark_raw(raw: dict[int, RawInput], outcomes: dict[int, str]) -> None:
    """Record each row's outcome on its RawInput: '' for imported, else the reason."""
    for line, error in outcomes.items():
        record = raw.get(line)
        if record is None:
            continue
        status = "error" if error else "ok"
        if record.status != status or record.error != error:
            record.status, record.error = status, error
            await record.save(update_fields=["status", "error"])


def progress(total: int, label: str) -> tuple[Callable[[int], None], Callable[[], None]]:
    """A progress bar on the terminal (stderr) for large files; silent when not a terminal."""
    from rich.console import Console
    from rich.progress import Progress

    console = Console(stderr=True)
    if total < 2000 or not console.is_terminal:
        return (lambda n: None), (lambda: None)
    bar = Progress(console=console, transient=True)
    task = bar.add_task(label, total=total)
    bar.start()
    return (lambda n: bar.advance(task, n)), bar.stop
