"""`syncctl status` shows the cursor of each Extensiv facility for the feeds read facility by facility."""

from __future__ import annotations

from hub.sync_state import SyncStateRepository
from tests.integration.syncctl.conftest import as_json


def test_status_shows_each_facilitys_cursor_of_a_direction_read_by_facility(world, syncctl):
    sync_state = SyncStateRepository(world.hub)
    sync_state.advance_cursor("fulfillments_pull", "2026-12-04T12:00:00")
    sync_state.advance_facility_cursor("fulfillments_pull", "2", "2026-12-04T15:00:00")
    sync_state.advance_facility_cursor("fulfillments_pull", "10", "2026-12-04T11:00:00")
    sync_state.record_run("fulfillments_pull", {"shipments_recorded": 1})

    report = as_json(syncctl("status", "--json"))
    table = syncctl("status")

    fulfillments = next(flow for flow in report["flows"] if flow["flow"] == "fulfillments")
    pull = next(state for state in fulfillments["directions"] if state["direction"] == "fulfillments_pull")
    assert pull["facility_cursors"] == {"2": "2026-12-04T15:00:00", "10": "2026-12-04T11:00:00"}
    assert pull["cursor"] == "2026-12-04T12:00:00"
    assert table.exit_code == 0
    # one line per facility in the cursor cell, by facility id (rich may fold a long line)
    shown = table.stdout
    assert shown.index("facility 2:") < shown.index("2026-12-04T15:00:00") < shown.index("facility 10:")
    assert shown.index("facility 10:") < shown.index("2026-12-04T11:00:00")
