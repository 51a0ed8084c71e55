"""Cursors over Extensiv dates that carry no time zone (reference/extensiv.md §8.6)."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.fulfillments import extensiv_since, later_cursor, reference_candidates

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC).timestamp()


def test_next_read_starts_an_overlap_before_the_raw_cursor():
    assert extensiv_since("2026-12-04T08:15:01.1234567", 7200, 86400, NOW) == "2026-12-04T06:15:01"


def test_first_read_starts_the_lookback_before_now():
    assert extensiv_since(None, 7200, 3 * 86400, NOW) == "2026-12-01T12:00:00"


def test_cursor_keeps_the_later_raw_string_as_extensiv_sent_it():
    assert later_cursor("2026-12-04T08:15:01", "2026-12-04T08:15:01.5") == "2026-12-04T08:15:01.5"
    assert later_cursor("2026-12-04T08:15:01.5", "2026-12-04T08:15:01") == "2026-12-04T08:15:01.5"
    assert later_cursor(None, "2026-12-04T08:15:01") == "2026-12-04T08:15:01"
    assert later_cursor("2026-12-04T08:15:01", None) == "2026-12-04T08:15:01"


def test_split_order_references_point_back_to_the_tiktok_order():
    assert reference_candidates("576461413038785752-2") == ["576461413038785752-2", "576461413038785752"]
    assert reference_candidates("576461413038785752") == ["576461413038785752"]
