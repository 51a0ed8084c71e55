"""Plain-text helpers shared by the doctor and the command line."""

from __future__ import annotations

# Lines error messages carry that say nothing to an operator (pydantic's links to its docs).
_NOISE = ("For further information visit",)


def one_line(message: str, limit: int = 300) -> str:
    """An error message on one line: its lines joined with "; ", noise dropped, cut at `limit`."""
    lines = [line.strip() for line in str(message).splitlines()]
    kept = [line for line in lines if line and not line.startswith(_NOISE)]
    text = "; ".join(kept)
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."
