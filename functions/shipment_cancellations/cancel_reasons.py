"""Pure rules for cancellations: which reason TikTok accepts, and what a cancellation is.

Reference/tiktok-shop.md §4.5: a seller cancel needs a reason name that matches the order's
status (25001021 otherwise); UK names end in `_uk`; only unshipped orders can be cancelled.
A buyer's cancel request after shipping is rejected with the "packed" or "delivered" reason.
"""

from __future__ import annotations

from hub.orders import CancelledBy
from tiktok_shop.models import CANCEL_STATUS_WITHDRAWN, Cancellation

PENDING = "CANCELLATION_REQUEST_PENDING"
SUCCESS = "CANCELLATION_REQUEST_SUCCESS"
COMPLETE = "CANCELLATION_REQUEST_COMPLETE"
DONE_STATUSES = frozenset({SUCCESS, COMPLETE})
CLOSED_STATUSES = frozenset({CANCEL_STATUS_WITHDRAWN})

# NOTE: a warehouse cancels what it cannot ship; "out of stock" is the seller reason that says
# so. The UNPAID list has its own names (reference §4.5, DOCS-L cancel-reasons.json).
PAID_REASON = "seller_cancel_reason_out_of_stock"
UNPAID_REASON = "seller_cancel_unpaid_reason_out_of_stock"
# Statuses in which nothing has shipped yet, so a seller cancel is allowed.
PAID_UNSHIPPED = frozenset({"ON_HOLD", "AWAITING_SHIPMENT"})
UK_REGIONS = frozenset({"GB", "UK"})

REJECT_PACKED = "seller_reject_apply_product_has_been_packed"
REJECT_DELIVERED = "order_manage_list_action_respond_popup_reject_reason_delivered"
DELIVERED_STATUSES = frozenset({"DELIVERED", "COMPLETED"})


def seller_cancel_reason(order_status: str, region: str) -> str | None:
    """The reason name to cancel an order in this status, or None when a seller cannot cancel it."""
    if order_status == "UNPAID":
        reason = UNPAID_REASON
    elif order_status in PAID_UNSHIPPED:
        reason = PAID_REASON
    else:
        return None
    return f"{reason}_uk" if region in UK_REGIONS else reason


def reject_reason(order_status: str | None) -> str:
    """The reason to reject a buyer's cancel request for an order that already left the warehouse."""
    return REJECT_DELIVERED if order_status in DELIVERED_STATUSES else REJECT_PACKED


def is_buyer_request(cancellation: Cancellation) -> bool:
    """A buyer's cancel request (it waits for the seller's answer while pending)."""
    return cancellation.role == "BUYER" or cancellation.cancel_type == "BUYER_CANCEL"


def cancelled_by_role(role: str | None) -> CancelledBy:
    """Who cancelled, in the hub's words, from a cancellation's role (BUYER, SELLER, SYSTEM)."""
    return {"BUYER": CancelledBy.BUYER, "SELLER": CancelledBy.SELLER}.get(role or "", CancelledBy.TIKTOK)


def approve_key(cancel_id: str) -> str:
    """The idempotency key for approving a cancellation: the same on every retry (reference §6.4)."""
    return f"approve-{cancel_id}"


def reject_key(cancel_id: str) -> str:
    """The idempotency key for rejecting a cancellation: the same on every retry."""
    return f"reject-{cancel_id}"
