"""Reading source files: local paths or http(s) URLs, plain or gzipped, with line numbers."""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import shutil
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import httpx

from kg.checksums import sha256_of
from kg.errors import KGError, SourceFormatError


class FetchError(KGError):
    """A source could not be read or downloaded."""


@dataclass(frozen=True)
class LocalFile:
    """A source file on disk, with where it came from and its checksum."""

    path: Path
    origin: str
    sha256: str

    @property
    def name(self) -> str:
        """File name (as published, for URLs)."""
        return Path(urlparse(self.origin).path).name if "://" in self.origin else self.path.name

    @property
    def synthetic(self) -> bool:
        """Whether the file is one of the shipped synthetic samples (flagged in its name)."""
        return "synthetic" in self.name.lower()


def download(
    url: str, target: Path, timeout_s: float = 60.0, progress: Callable[[int, int | None], None] | None = None
) -> None:
    """Stream ``url`` into ``target``; ``progress(bytes done, bytes in all or None)`` after each chunk.

    Raises:
        FetchError: Not HTTP 200, or the connection failed.
    """
    try:
        with httpx.stream("GET", url, timeout=timeout_s, follow_redirects=True) as resp:
            if resp.status_code != 200:
                raise FetchError(f"download of {url} failed: HTTP {resp.status_code}")
            total = int(resp.headers["content-length"]) if "content-length" in resp.headers else None
            done = 0
            with target.open("wb") as fh:
                for chunk in resp.iter_bytes(1 << 20):
                    fh.write(chunk)
                    done += len(chunk)
                    if progress:
                        progress(done, total)
    except httpx.HTTPError as exc:
        raise FetchError(f"download of {url} failed: {exc}") from exc


def fetch(location: str, cache_dir: Path, timeout_s: float = 60.0) -> LocalFile:
    """Return a local copy of ``location`` (a path or an http(s) URL), downloading once.

    Downloads go to ``cache_dir/<hash of URL>/<file name>`` with a ``.meta.json`` that
    records the URL and checksum; a later call reuses the cached copy.
    """
    parsed = urlparse(location)
    if parsed.scheme in ("http", "https"):
        key = hashlib.sha256(location.encode()).hexdigest()[:16]
        target = cache_dir / key / (Path(parsed.path).name or "download")
        meta = target.with_name(target.name + ".meta.json")
        if target.is_file() and meta.is_file():
            return LocalFile(target, location, json.loads(meta.read_text())["sha256"])
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        download(location, partial, timeout_s)
        shutil.move(partial, target)
        digest = sha256_of(target)
        meta.write_text(json.dumps({"url": location, "sha256": digest}, indent=1))
        return LocalFile(target, location, digest)
    path = Path(parsed.path if parsed.scheme == "file" else location).expanduser()
    if not path.exists():
        raise FetchError(f"source file not found: {path}")
    return LocalFile(path, str(path), sha256_of(path))


def is_gzip(path: Path) -> bool:
    """Whether ``path`` starts with the gzip magic bytes."""
    with path.open("rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def numbered_lines(path: Path, label: str | None = None) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, line)`` without the newline, for plain or gzipped text.

    Raises:
        SourceFormatError: on a truncated or corrupt gzip stream, or undecodable bytes.
    """
    name = label or str(path)
    opener = gzip.open if is_gzip(path) else open
    lineno = 0
    try:
        with opener(path, "rb") as fh:  # type: ignore[operator]
            for lineno, raw in enumerate(fh, start=1):  # noqa: B007
                yield lineno, raw.decode("utf-8").rstrip("\r\n")
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise SourceFormatError(name, lineno + 1, None, f"truncated or corrupt gzip stream ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise SourceFormatError(name, lineno, None, f"not UTF-8 text ({exc.reason})") from exc


def data_lines(path: Path, label: str | None = None, comment: str = "#") -> Iterator[tuple[int, str]]:
    """Like :func:`numbered_lines` but skipping blank lines and ``comment`` lines."""
    for lineno, line in numbered_lines(path, label):
        if line and not line.startswith(comment):
            yield lineno, line


def parse_float(value: str, file: str, line: int, column: str) -> float:
    """Parse a float or raise :class:`SourceFormatError` naming file, line and column."""
    try:
        return float(value)
    except ValueError:
        raise SourceFormatError(file, line, column, f"not a number: {value!r}") from None


def parse_int(value: str, file: str, line: int, column: str) -> int:
    """Parse an integer or raise :class:`SourceFormatError` naming file, line and column."""
    try:
        return int(value)
    except ValueError:
        raise SourceFormatError(file, line, column, f"not an integer: {value!r}") from None


def is_number(value: str) -> bool:
    """Whether ``value`` parses as a float."""
    try:
        float(value)
    except ValueError:
        return False
    return True


class Row:
    """One data line of a :class:`TabularFile`: its number and fields, read by column name."""

    __slots__ = ("table", "lineno", "fields")

    def __init__(self, table: TabularFile, lineno: int, fields: list[str]) -> None:
        self.table, self.lineno, self.fields = table, lineno, fields

    def __getitem__(self, column: str) -> str:
        return self.fields[self.table.index[column]]

    def get(self, column: str, default: str | None = None) -> str | None:
        """The field of ``column``, or ``default`` when the file has no such column (or the line is short)."""
        at = self.table.index.get(column)
        return self.fields[at] if at is not None and at < len(self.fields) else default

    def float(self, column: str) -> float:
        """The field as a float, or a :class:`SourceFormatError` naming file, line and column."""
        return parse_float(self[column], self.table.origin, self.lineno, column)

    def int(self, column: str) -> int:
        """The field as an integer, or a :class:`SourceFormatError` naming file, line and column."""
        return parse_int(self[column], self.table.origin, self.lineno, column)


class TabularFile:
    """A delimited text file with a header line: required columns, a column index, field-count rejects.

    The header is the first line that is neither blank nor a ``comment`` line (a header that is
    itself a comment, NCBI's ``#tax_id…``, is read with ``comment=None`` and ``normalise``).
    ``normalise`` maps each header name (e.g. lower-case, without a leading ``#``). Files may be
    gzipped; URLs are fetched by :func:`fetch` before. Errors name the file, the line and the column.

    Args:
        file: The file.
        required: Columns that must be present; an entry that is a tuple is satisfied by any of its names.
        what: What the file is, for the error message ("BioGRID TAB3", "STAR counts").
        delimiter: Field separator (``None``: any run of whitespace).
        comment: Lines starting with it are skipped (``None``: none are).
        normalise: Applied to every header name.
        headers: Comment lines that start with one of these are the header (NCBI's ``#tax_id``).
        parse_header: Reads the header line instead of splitting it and applying ``normalise`` (old HPO
            files write ``#Format: a<tab>b``).
        short: How many trailing fields a line may lack (``None``: any; some writers drop empty ones).
        extra: Whether a line may have more fields than the header.
        names: The column names of a format with no header line (GAF): every line is data, and the
            ``comment`` lines before the first are kept in :attr:`preamble`.
    """

    def __init__(
        self,
        file: LocalFile,
        *,
        required: tuple[str | tuple[str, ...], ...] = (),
        what: str = "",
        delimiter: str | None = "\t",
        comment: str | None = "#",
        normalise: Callable[[str], str] | None = None,
        headers: tuple[str, ...] = (),
        parse_header: Callable[[str], list[str]] | None = None,
        short: int | None = 0,
        extra: bool = False,
        names: tuple[str, ...] = (),
    ) -> None:
        self.origin, self.delimiter, self.comment = file.origin, delimiter, comment
        self.short, self.extra = short, extra
        self._lines: Iterator[tuple[int, str]] = numbered_lines(file.path, file.origin)
        self.header_line = 0
        #: The comment lines before the first data line of a file with no header line (``names``).
        self.preamble: list[str] = []
        #: The first data line of a file with no header line (0: none).
        self.first_line = 0
        header: list[str] | None = list(names) if names else None
        for lineno, line in self._lines if names else ():
            if not line.strip():
                continue
            if comment and line.startswith(comment):
                self.preamble.append(line)
                continue
            self.first_line = lineno
            self._lines = itertools.chain([(lineno, line)], self._lines)
            break
        for lineno, line in () if names else self._lines:
            if line.strip() and (not (comment and line.startswith(comment)) or line.startswith(headers or ("\0",))):
                self.header_line = lineno
                header = (
                    parse_header(line)
                    if parse_header
                    else [normalise(h) if normalise else h for h in line.split(delimiter)]
                )
                break
        if header is None:
            raise SourceFormatError(self.origin, None, None, f"empty file: no {what + ' ' if what else ''}header line")
        self.header = header
        self.index = {name: i for i, name in reversed(list(enumerate(self.header)))}  # the first of duplicates
        self.what = what
        self.require(*required)

    def require(self, *columns: str | tuple[str, ...]) -> None:
        """Raise a :class:`SourceFormatError` unless the header names each column (a tuple: one of its names)."""
        for need in columns:
            names = need if isinstance(need, tuple) else (need,)
            if not any(n in self.index for n in names):
                kind = f"{self.what} header" if self.what else "header"
                wanted = " or ".join(map(repr, names))
                raise SourceFormatError(self.origin, self.header_line, names[0], f"{kind} lacks {wanted}")

    def has(self, column: str) -> bool:
        """Whether the header names ``column``."""
        return column in self.index

    def first_of(self, *columns: str) -> str | None:
        """The first of ``columns`` the header names."""
        return next((c for c in columns if c in self.index), None)

    def rows(self, rejects: Callable[[SourceFormatError], None] | None = None) -> Iterator[Row]:
        """The data lines after the header; a line with another field count goes to ``rejects`` (or raises)."""
        width = len(self.header)
        for lineno, line in self._lines:
            if not line or (self.comment and line.startswith(self.comment)):
                continue
            fields = line.split(self.delimiter)
            missing = width - len(fields)
            if missing > 0 and self.short is not None and missing > self.short or missing < 0 and not self.extra:
                has = f"{self.what} has" if self.header_line == 0 and self.what else "the header has"
                error = SourceFormatError(self.origin, lineno, None, f"{len(fields)} fields, {has} {width}")
                if rejects is None:
                    raise error
                rejects(error)
                continue
            yield Row(self, lineno, fields)
