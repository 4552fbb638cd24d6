"""The fault suite's figures table: one row per fault test, printed at the end of the session.

Each fault test's figures travel in its teardown report (``user_properties``) rather than in
the session's memory, so that under pytest-xdist, where tests run in worker processes, the
main process still gathers all of them; ``tests/conftest.py`` registers :class:`FaultFigures`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

FIGURES_PROPERTY = "fault-figures"
COLUMNS = ("fault", "expected", "stored", "duplicated", "lost", "hijacked", "spurious", "refused", "crawls", "finished", "crashes", "test")


def figures_table(rows: list[dict[str, Any]]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join("---" for _ in COLUMNS) + "|"]

    def number(row: dict[str, Any]) -> tuple[int, int, str]:  # "8." before "15.2" before "15.13"
        head = re.match(r"(\d+)\.(\d*)", row["fault"])
        return (int(head.group(1)), int(head.group(2) or 0), row["test"]) if head else (99, 0, row["test"])

    for row in sorted(rows, key=number):
        lines.append("| " + " | ".join(f"`{row[c]}`" if c == "test" else str(row[c]) for c in COLUMNS) + " |")
    total = {c: sum(r[c] for r in rows) for c in COLUMNS if c not in ("fault", "test")}
    lines.append(f"| **all {len(rows)} fault tests** | " + " | ".join(str(total[c]) for c in COLUMNS[1:-1]) + " | |")
    return "\n".join(lines)


class FaultFigures:
    """A pytest plugin: keeps the figures each fault test's teardown report carries, prints the table."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "teardown":
            self.rows += [value for name, value in report.user_properties if name == FIGURES_PROPERTY]

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """The table at the end of the session, and as Markdown in ``$PORTAL_ARCHIVE_FAULTS_REPORT`` when set."""
        if not self.rows:
            return
        table = figures_table(self.rows)
        terminalreporter.section("fault figures")
        terminalreporter.write_line(table)
        target = os.environ.get("PORTAL_ARCHIVE_FAULTS_REPORT")
        if target:
            Path(target).write_text(table + "\n", encoding="utf-8")
