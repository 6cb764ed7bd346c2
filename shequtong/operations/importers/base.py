"""The import runner: validate every row, write valid ones in batches, report the rest.

An importer says what its columns are (`columns`), checks one row (`check`: the row's
problems, or the record to write), and writes a batch of records (`apply`: counts, and the
problems only the database can reveal, such as a phone already used by someone else).

`run` streams the rows. In a dry run each batch is written inside a transaction that is
rolled back, so the report says exactly what a real run would create, change, leave alone
and refuse, and nothing stays. In a real run each batch commits with the job's progress
(`rows_done`): a run that dies is resumed from the last committed batch, and because every
write is an upsert keyed on the record's identity, running a file again changes nothing.

Problems name the row, the column and what is wrong, never the value: a report must not
carry residents' ID numbers or phones.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from ..tabular import Column

REPORT_LIMIT = 1000  # problems kept in full; the count goes on


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    problem: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "problem": self.problem}


@dataclass
class Report:
    rows: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0

    def add(self, problems: Iterable[Problem]) -> None:
        for p in problems:
            self.problem_count += 1
            if len(self.problems) < REPORT_LIMIT:
                self.problems.append(p)

    def lines(self) -> list[str]:
        """The report in Chinese, one line per problem, for the command line."""
        out = [f"第{p.row}行 [{p.column}]：{p.problem}" for p in self.problems]
        if self.problem_count > len(self.problems):
            out.append(f"……另有 {self.problem_count - len(self.problems)} 个问题未列出")
        return out

    def summary(self) -> str:
        c = self.counts
        return (f"共读取 {self.rows} 行：新增 {c['created']}，更新 {c['updated']}，无变化 {c['unchanged']}，"
                f"跳过 {c['skipped']}（其中重复 {c['duplicates']}），问题 {self.problem_count} 个")


class Importer:
    kind = ""
    title = ""
    columns: tuple[Column, ...] = ()
    batch_size = 500
    dry_run = False

    def check(self, number: int, row: dict[str, str]) -> tuple[Any, list[Problem]]:
        raise NotImplementedError

    def apply(self, records: list[Any]) -> tuple[Counter[str], list[Problem]]:
        raise NotImplementedError

    def finish(self, report: Report, *, dry_run: bool) -> None:
        """After the last batch (rollups, groups): nothing by default."""

    def records(self, data: bytes, file_format: str) -> Iterator[tuple[int, dict[str, Any]]]:
        from ..tabular import read_rows

        return read_rows(data, file_format, self.columns)


class _DryRun(Exception):
    pass


Progress = Callable[[int, Report], None]


def run(importer: Importer, rows: Iterator[tuple[int, Any]], *, dry_run: bool, skip_rows: int = 0,
        progress: Progress | None = None) -> Report:
    """Check and write every row; `skip_rows` rows already committed by an earlier run are only checked.

    `progress(rows_read, report)` is called after each batch, inside its transaction in a real
    run (so the job's progress commits with the batch).
    """
    report = Report()
    importer.dry_run = dry_run
    batch: list[Any] = []
    read = 0

    def flush() -> None:
        if not batch:
            return
        try:
            with transaction.atomic():
                counts, problems = importer.apply(batch)
                if dry_run:
                    raise _DryRun(counts, problems)
                report.counts.update(counts)
                report.add(problems)
                if progress is not None:
                    progress(read, report)
        except _DryRun as rolled_back:
            counts, problems = rolled_back.args
            report.counts.update(counts)
            report.add(problems)
            if progress is not None:
                progress(read, report)
        batch.clear()

    for number, row in rows:
        read += 1
        report.rows = read
        record, problems = importer.check(number, row)
        if problems:
            report.add(problems)
            report.counts["skipped"] += 1
            if any(p.problem.startswith("与第") for p in problems):
                report.counts["duplicates"] += 1
            continue
        if read <= skip_rows:
            continue  # committed by the run this one resumes
        batch.append(record)
        if len(batch) >= importer.batch_size:
            flush()
    flush()
    importer.finish(report, dry_run=dry_run)
    if progress is not None and not dry_run:
        progress(read, report)
    return report
