"""How syncctl shows things: rich tables for people, plain JSON for machines, one-line errors."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from syncctl.doctor import CASE_TITLES, Case, Finding, Severity

DEFAULT_WIDTH = 160
_SEVERITY_STYLE = {
    Severity.PROBLEM: ("PROBLEM", "bold red"),
    Severity.WARNING: ("warning", "yellow"),
    Severity.INFO: ("info", "cyan"),
    Severity.OK: ("ok", "green"),
}


def console(stderr: bool = False) -> Console:
    """A console on the current stdout/stderr; wide and plain when not a terminal (pipes, tests)."""
    stream = sys.stderr if stderr else sys.stdout
    terminal = hasattr(stream, "isatty") and stream.isatty()
    width = None if terminal else int(os.environ.get("COLUMNS", DEFAULT_WIDTH))
    return Console(file=stream, width=width, highlight=False, soft_wrap=False)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, default=str, sort_keys=False) + "\n")


def table(title: str, columns: Iterable[str], rows: Iterable[Iterable[Any]]) -> Table:
    shown = Table(title=title, title_justify="left", show_lines=False, min_width=len(title) + 2)
    for column in columns:
        shown.add_column(column, overflow="fold")
    for row in rows:
        shown.add_row(*(escape(text(cell)) for cell in row))
    return shown


def text(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, Mapping):
        return ", ".join(f"{key}={item}" for key, item in value.items()) or "-"
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(item) for item in value) or "-"
    return str(value)


def epoch_of(stamp: str | float | int | None) -> float | None:
    """Seconds since the epoch from the hub's ISO stamps (`...Z`) or epoch numbers."""
    if stamp is None or stamp == "":
        return None
    if isinstance(stamp, int | float):
        return float(stamp)
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def age(stamp: str | float | int | None, now: float) -> str:
    """`42s`, `5m`, `3h 12m`, `2d 4h` since a stamp; `-` when unknown."""
    moment = epoch_of(stamp)
    if moment is None:
        return "-"
    seconds = max(0, int(now - moment))
    if seconds < 60:
        return f"{seconds}s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if minutes < 60:
        return f"{minutes}m"
    if hours < 24:
        return f"{hours}h {minutes % 60}m"
    return f"{days}d {hours % 24}h"


def print_findings(out: Console, findings: list[Finding], subject: str) -> None:
    """The doctor's report: findings grouped by troubleshooting case, each with its advice."""
    out.print(f"[bold]syncctl doctor[/bold] - {escape(subject)}")
    current: Case | None = None
    for finding in findings:
        if finding.case != current:
            current = finding.case
            out.print(f"\n[bold]{escape(CASE_TITLES[current])}[/bold]")
        label, style = _SEVERITY_STYLE[finding.severity]
        out.print(f"  [{style}]{label:>7}[/{style}]  {escape(finding.cause)}")
        if finding.advice:
            out.print(f"           [dim]what to do:[/dim] {escape(finding.advice)}")
    problems = sum(1 for finding in findings if finding.severity == Severity.PROBLEM)
    warnings = sum(1 for finding in findings if finding.severity == Severity.WARNING)
    verdict = "[bold red]problems found[/bold red]" if problems else "[green]no problem found[/green]"
    out.print(f"\n{verdict}: {problems} problem(s), {warnings} warning(s)")
