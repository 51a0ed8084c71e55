"""Return records in a moto hub built from template.yaml: conditional writes and the summary."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hub.errors import TransitionRejected
from hub.returns import ReturnHoldReason, ReturnLine, ReturnRepository, ReturnState, TikTokReturn

RETURN_ID = "4035318504086604100"
ORDER_ID = "576461413038785752"


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def returns(aws, clock) -> ReturnRepository:
    table = aws.hub
    table.clock = clock
    return ReturnRepository(table)


def facts(status: str = "AWAITING_BUYER_SHIP", update_time: int = 100, return_id: str = RETURN_ID) -> TikTokReturn:
    return TikTokReturn(
        return_id=return_id,
        order_id=ORDER_ID,
        return_type="RETURN_AND_REFUND",
        tiktok_status=status,
        update_time=update_time,
        lines=[ReturnLine(f"{ORDER_ID}001", "MUG-01")],
    )


def expected(returns: ReturnRepository, return_id: str = RETURN_ID, receiver_id: str = "7001") -> None:
    returns.observe(facts(return_id=return_id))
    claim = returns.claim(return_id, lease_seconds=60)
    returns.mark_expected(claim, receiver_id, f"RMA{return_id}", "1", {"MUG-01": 1}, "created")


def test_observe_creates_a_recorded_return_and_keeps_the_newer_status(returns):
    first = returns.observe(facts("BUYER_SHIPPED_ITEM", update_time=200))
    older = returns.observe(facts("AWAITING_BUYER_SHIP", update_time=100))

    assert first.state == ReturnState.RECORDED
    assert older.tiktok_status == "BUYER_SHIPPED_ITEM"
    assert returns.get(RETURN_ID).lines == [ReturnLine(f"{ORDER_ID}001", "MUG-01")]


def test_claim_is_exclusive_until_its_lease_ends(returns, clock):
    returns.observe(facts())
    first = returns.claim(RETURN_ID, lease_seconds=60)

    with pytest.raises(TransitionRejected):
        returns.claim(RETURN_ID, lease_seconds=60)
    clock.now += 61
    second = returns.claim(RETURN_ID, lease_seconds=60)

    assert (first.outcome_unknown, second.outcome_unknown) == (False, True)


def test_a_return_with_a_receiver_cannot_be_claimed_again(returns):
    expected(returns)

    with pytest.raises(TransitionRejected):
        returns.claim(RETURN_ID, lease_seconds=60)


def test_close_never_takes_a_return_from_its_creator(returns):
    returns.observe(facts())
    claim = returns.claim(RETURN_ID, lease_seconds=60)

    with pytest.raises(TransitionRejected):
        returns.close(RETURN_ID, "closed_on_tiktok")
    closed = returns.close(RETURN_ID, "closed_on_tiktok", claim=claim)

    assert closed.state == ReturnState.CLOSED


def test_receipt_is_recorded_once(returns):
    expected(returns)

    first = returns.record_receipt(RETURN_ID, "7001", {"MUG-01": Decimal(1)}, {}, "2026-01-02T10:00:00")
    again = returns.record_receipt(RETURN_ID, "7001", {"MUG-01": Decimal(0)}, {"MUG-01": Decimal(-1)}, None)

    assert first.state == ReturnState.RECEIVED
    assert again is None
    assert returns.get(RETURN_ID).received == {"MUG-01": 1}


def test_receipt_for_another_receiver_is_not_recorded(returns):
    expected(returns, receiver_id="7001")

    assert returns.record_receipt(RETURN_ID, "7999", {"MUG-01": Decimal(1)}, {}, None) is None
    assert returns.get(RETURN_ID).state == ReturnState.EXPECTED


def test_receipt_after_tiktok_closed_the_return_keeps_it_closed_with_the_quantities(returns):
    expected(returns)
    returns.close(RETURN_ID, "closed_on_tiktok")

    stored = returns.record_receipt(RETURN_ID, "7001", {"MUG-01": Decimal(1)}, {}, None)

    assert (stored.state, stored.received) == (ReturnState.CLOSED, {"MUG-01": 1})


def test_summary_counts_what_make_run_shows(returns):
    expected(returns, return_id="1001")
    returns.record_receipt("1001", "7001", {"MUG-01": Decimal(1)}, {}, None)
    returns.mark_approved("1001", "APPROVE_RECEIVED_PACKAGE", "approved")
    expected(returns, return_id="1002", receiver_id="7002")
    returns.record_receipt("1002", "7002", {}, {"MUG-01": Decimal(-1)}, None)
    returns.hold("1002", ReturnHoldReason.RECEIPT_SHORTFALL, "MUG-01 expected 1 received 0")
    expected(returns, return_id="1003", receiver_id="7003")
    returns.observe(facts(return_id="1004"))
    returns.mark_orphan("1004", f"order {ORDER_ID}")

    assert returns.summary() == {
        "returns_seen": 4,
        "returns_to_extensiv": 3,
        "returns_received": 2,
        "returns_approved": 1,
        "returns_held": {"order_unknown": 1, "receipt_shortfall": 1},
        "returns_orphaned": 1,
    }
