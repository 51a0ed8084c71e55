"""`make bench`: run every benchmark in this process, print the summary table, write bench/results/.

    python -m bench.run                 # every benchmark, 30 orders each (about two minutes)
    python -m bench.run --only handoff  # one benchmark
    python -m bench.run --orders 10     # a quick smoke run

Everything runs on 127.0.0.1 (sandboxes, webhook receiver) and in moto; nothing leaves the
machine. Targets are ratios and counts measured within one run, so a slow or busy machine
moves the absolute seconds but not the verdicts. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import stack
from bench.stats import Check, markdown_table, text_table

RESULTS = Path(__file__).resolve().parent / "results"
BENCHMARKS = ("handoff", "exactly_once", "throughput", "inventory_changes")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=30, help="orders per benchmark run (default 30)")
    parser.add_argument("--only", choices=BENCHMARKS, action="append", help="run only this benchmark (repeatable)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="directory for latest.json and latest.md")
    args = parser.parse_args(argv)
    stack.isolate_process()

    started = time.monotonic()
    reports = [_run_one(name, _runner(name, args.orders)) for name in args.only or BENCHMARKS]
    reports = [report for report in reports if report is not None]
    checks = [check for report in reports for check in report["checks"]]
    elapsed = time.monotonic() - started

    sys.stdout.write("\n" + text_table(checks) + "\n")
    document = _document(reports, checks, elapsed, args.orders)
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "latest.json").write_text(json.dumps(document, indent=2) + "\n")
    (args.results / "latest.md").write_text(_markdown(document, checks))
    failed = [check for check in checks if check.passed is False]
    sys.stdout.write(
        f"\n{len(checks) - len(failed)} of {len(checks)} rows met or reported, {len(failed)} missed; "
        f"{elapsed:.0f}s; results in {args.results / 'latest.md'}\n"
    )
    return 1 if failed else 0


def _runner(name: str, orders: int) -> Callable[[], dict[str, Any]] | None:
    if name == "handoff":
        from bench import handoff

        return lambda: handoff.run(orders=orders)
    if name == "exactly_once":
        from bench import adversity

        return lambda: adversity.run(orders=orders)
    if name == "throughput":
        from bench import throughput

        return lambda: throughput.run(orders=orders + orders // 3)
    from bench import inventory_changes

    if not inventory_changes.available():
        return None
    return lambda: inventory_changes.run()


def _run_one(name: str, runner: Callable[[], dict[str, Any]] | None) -> dict[str, Any] | None:
    if runner is None:
        _say(f"[{name}] skipped: the function it measures is not in this tree")
        return None
    _say(f"[{name}] running ...")
    began = time.monotonic()
    # Powertools prints metric blobs even when metrics are disabled; the table is the output.
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            report = runner()
    except Exception as exc:
        _say(f"[{name}] failed: {type(exc).__name__}: {exc}")
        traceback.print_exc(file=sys.stderr)
        report = {"name": name, "checks": [Check(name, "benchmark ran", None, "completes", False)], "details": {}}
    report["elapsed_s"] = round(time.monotonic() - began, 1)
    _say(f"[{name}] done in {report['elapsed_s']:.0f}s")
    return report


def _document(reports: list[dict[str, Any]], checks: list[Check], elapsed: float, orders: int) -> dict[str, Any]:
    return {
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": _commit(),
        "python": platform.python_version(),
        "machine": {"cpus": os.cpu_count(), "system": platform.system(), "arch": platform.machine()},
        "orders": orders,
        "elapsed_s": round(elapsed, 1),
        "passed": all(check.passed is not False for check in checks),
        "checks": [check.as_dict() for check in checks],
        "benchmarks": {
            report["name"]: {"elapsed_s": report["elapsed_s"], "details": report["details"]} for report in reports
        },
    }


def _markdown(document: dict[str, Any], checks: list[Check]) -> str:
    verdict = "every target met" if document["passed"] else "TARGETS MISSED"
    return (
        "# Benchmark results\n\n"
        f"`make bench` at commit `{document['commit'] or 'unknown'}`, {document['generated_at']}, "
        f"Python {document['python']}, {document['machine']['cpus']} CPUs, {document['orders']} orders per run, "
        f"{document['elapsed_s']:.0f} s in all: **{verdict}**.\n\n"
        f"{markdown_table(checks)}\n\n"
        "What each row measures and why the target is what it is: [bench/README.md](../README.md). "
        "Every number, with the counts behind it: [latest.json](latest.json).\n"
    )


def _commit() -> str | None:
    try:
        result = subprocess.run(  # noqa: S603 - fixed arguments
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH
            capture_output=True,
            text=True,
            timeout=5,
            cwd=stack.ROOT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None


def _say(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


if __name__ == "__main__":
    sys.exit(main())
