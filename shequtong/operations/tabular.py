"""Reading an import file (XLSX or CSV) row by row, and writing its template.

The first row names the columns in Chinese (the template's headers; order does not matter,
unknown columns are ignored). Data rows are yielded as ``(row number, {key: text})`` with the
row number a spreadsheet shows (the header is row 1), so a problem report points at the cell.
Rows are streamed: a file of 800,000 residents is never held in memory as rows.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from openpyxl import load_workbook

from shequtong.common.export import XlsxWriter


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = True
    help: str = ""
    example: str = ""


class FileProblem(ValueError):
    """The file as a whole cannot be read (a wrong format, missing columns)."""


def format_of(name: str) -> str:
    lower = name.lower()
    for ext in ("xlsx", "csv", "jsonl"):
        if lower.endswith("." + ext):
            return ext
    if lower.endswith(".json") or lower.endswith(".ndjson"):
        return "jsonl"
    raise FileProblem("仅支持 .xlsx、.csv 或 .jsonl 文件")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone typed into Excel as a number
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value).strip()


def _header_map(headers: Sequence[object], columns: Sequence[Column]) -> dict[int, str]:
    by_header = {c.header: c.key for c in columns}
    found: dict[int, str] = {}
    for i, h in enumerate(headers):
        key = by_header.get(_text(h).lstrip("\ufeff").rstrip("*").strip())
        if key is not None:
            found[i] = key
    missing = [c.header for c in columns if c.required and c.key not in found.values()]
    if missing:
        raise FileProblem("文件缺少以下列：" + "、".join(missing) + "（请使用下载的模板）")
    return found


def _rows(raw: Iterator[Sequence[object]], columns: Sequence[Column]) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        headers = next(raw)
    except StopIteration:
        raise FileProblem("文件是空的") from None
    mapping = _header_map(headers, columns)
    for number, values in enumerate(raw, start=2):
        row = {c.key: "" for c in columns}
        for i, key in mapping.items():
            if i < len(values):
                row[key] = _text(values[i])
        if any(row.values()):
            yield number, row


def read_rows(data: bytes, file_format: str, columns: Sequence[Column]) -> Iterator[tuple[int, dict[str, str]]]:
    if file_format == "csv":
        text = io.TextIOWrapper(io.BytesIO(data), encoding=_csv_encoding(data), newline="")
        return _rows(iter(csv.reader(text)), columns)
    if file_format == "xlsx":
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException …
            raise FileProblem("无法读取该 Excel 文件，请另存为 .xlsx 后重试") from exc
        return _rows(wb.worksheets[0].iter_rows(values_only=True), columns)
    raise FileProblem("该导入只接受 .xlsx 或 .csv 文件")


def count_rows(data: bytes, file_format: str) -> int:
    """Data rows in the file (for the progress bar): lines less the header, or the sheet's extent."""
    if file_format == "xlsx":
        try:
            ws = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
            return max(0, (ws.max_row or 1) - 1)
        except Exception:
            return 0
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    return max(0, lines - (0 if file_format == "jsonl" else 1))


def _csv_encoding(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030: what Excel saves a Chinese CSV as."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        data[:65536].decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < 65530:  # not merely a character cut at the sample's end
            return "gb18030"
    return "utf-8"


def template_xlsx(title: str, columns: Sequence[Column]) -> bytes:
    """The downloadable template: the headers (required ones marked *), a help row and an example row."""
    out = XlsxWriter(title, [c.header + ("*" if c.required else "") for c in columns])
    out.append([c.example for c in columns])
    return out.getvalue()


def template_csv(columns: Sequence[Column]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([c.header for c in columns])
    w.writerow([c.example for c in columns])
    return codecs.BOM_UTF8 + buf.getvalue().encode()
