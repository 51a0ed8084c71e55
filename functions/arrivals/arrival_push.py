"""Hub arrivals -> Extensiv receivers, exactly once (switch "push arrivals").

The arrival id is the receiver's reference number. A claim in the hub (a conditional write with
a lease) makes one invocation the only one allowed to push an arrival, and Extensiv is asked for
the reference before every create: receivers are few, and whether Extensiv refuses a second
receiver with the same reference is undocumented, so the lookup is what prevents a duplicate
after a crash between the create and the hub write.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from enum import StrEnum

from arrival_rules import extensiv_lines, receiver_create_for

from connector_common.direction import RunCounts
from extensiv.errors import ExtensivAuthError, ExtensivError, Forbidden, Unauthorized, ValidationFailed
from extensiv.models import Receiver
from hub.arrivals import ArrivalClaim, ArrivalHoldReason, ArrivalLine, ArrivalRecord, ArrivalRepository, ArrivalState
from hub.errors import TransitionRejected
from hub.skus import SkuRepository

logger = logging.getLogger(__name__)

DIRECTION = "arrivals_push"


class Outcome(StrEnum):
    PUSHED = "pushed"
    ADOPTED = "adopted"
    HELD = "held"
    BUSY = "busy"
    ALREADY_DONE = "already_done"


class ArrivalPushIncomplete(Exception):
    """Some arrivals could not be pushed for a reason that may pass (timeouts, 5xx); the next run retries."""


class ArrivalPush:
    """Pushes new arrivals (and held ones, when due) to Extensiv as receivers."""

    def __init__(
        self,
        extensiv,
        arrivals: ArrivalRepository,
        skus: SkuRepository,
        customer_id: int,
        lease_seconds: float = 120.0,
        recheck_held_after_seconds: int = 900,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.extensiv = extensiv
        self.arrivals = arrivals
        self.skus = skus
        self.customer_id = customer_id
        self.lease_seconds = lease_seconds
        self.recheck_held_after_seconds = recheck_held_after_seconds
        self.clock = clock

    def run(self, counts: RunCounts, resync: bool = False) -> None:
        """Push every due arrival; raises ArrivalPushIncomplete at the end if some failed for a passing reason."""
        failed: list[str] = []
        for record in self.due(resync):
            try:
                outcome = self.push(record.arrival_id)
            except (ExtensivAuthError, Unauthorized, Forbidden):
                raise
            except ExtensivError as exc:
                failed.append(record.arrival_id)
                counts.add("failed")
                logger.warning(
                    "arrival push failed; retried next run",
                    extra={"arrival_id": record.arrival_id, "error": str(exc)[:300]},
                )
                continue
            counts.add(outcome.value)
        if failed:
            raise ArrivalPushIncomplete(f"{len(failed)} arrival(s) not pushed yet: {', '.join(failed[:10])}")

    def due(self, resync: bool = False) -> list[ArrivalRecord]:
        """New arrivals, unfinished pushes whose lease ran out, and held ones due for another try."""
        now = self.clock()
        due = self.arrivals.list_by_state(ArrivalState.NEW)
        due += [r for r in self.arrivals.list_by_state(ArrivalState.SUBMITTING) if (r.lease_until or 0) < now]
        due += [
            record
            for record in self.arrivals.list_by_state(ArrivalState.HELD)
            if resync or (record.held_at or 0) + self.recheck_held_after_seconds <= now
        ]
        return sorted(due, key=lambda record: record.arrival_id)

    def push(self, arrival_id: str) -> Outcome:
        """Bring one arrival into Extensiv if it is not there yet; raises ExtensivError to retry."""
        try:
            claim = self.arrivals.claim(arrival_id, self.lease_seconds)
        except TransitionRejected:
            # NOTE: read the record again rather than trust the rejected write's copy of it.
            current = self.arrivals.get(arrival_id)
            if current is not None and current.state == ArrivalState.SUBMITTING:
                return Outcome.BUSY
            return Outcome.ALREADY_DONE

        arrival = claim.record
        lines = extensiv_lines(arrival.lines, self.skus.get_many([line.sku for line in arrival.lines]))
        try:
            existing = self.extensiv.find_receiver_by_reference(arrival_id)
            if existing is not None:
                return self._record(claim, existing, lines, Outcome.ADOPTED)
            created = self.extensiv.create_receiver(receiver_create_for(arrival, lines, self.customer_id))
        except ValidationFailed as exc:
            return self._rejected(claim, lines, exc)
        except Exception as exc:
            self.arrivals.release(claim, f"{type(exc).__name__}: {exc}")
            raise
        return self._record(claim, created, lines, Outcome.PUSHED)

    def _rejected(self, claim: ArrivalClaim, lines: tuple[ArrivalLine, ...], exc: ValidationFailed) -> Outcome:
        arrival_id = claim.arrival_id
        if exc.is_duplicate:
            existing = self.extensiv.find_receiver_by_reference(arrival_id)
            if existing is not None:
                return self._record(claim, existing, lines, Outcome.ADOPTED)
            self.arrivals.release(claim, "duplicate reported but reference not found")
            raise exc
        if exc.is_unknown_item:
            sku = exc.unknown_sku
            self.arrivals.hold(claim, ArrivalHoldReason.UNKNOWN_SKU, sku)
            logger.error("Extensiv does not know a SKU of the arrival", extra={"arrival_id": arrival_id, "sku": sku})
            return Outcome.HELD
        self.arrivals.hold(claim, ArrivalHoldReason.EXTENSIV_REJECTED, exc.error_code or str(exc)[:200])
        logger.error(
            "Extensiv refused the arrival",
            extra={"arrival_id": arrival_id, "error_code": exc.error_code, "hint": exc.hint},
        )
        return Outcome.HELD

    def _record(
        self,
        claim: ArrivalClaim,
        receiver: Receiver,
        lines: tuple[ArrivalLine, ...],
        outcome: Outcome,
    ) -> Outcome:
        try:
            self.arrivals.mark_pushed(claim, str(receiver.receiver_id), lines, how=outcome.value)
        except TransitionRejected:
            # The receipt pull recorded it meanwhile (its receiver is in Extensiv either way).
            return Outcome.ALREADY_DONE
        logger.info(
            "arrival in Extensiv",
            extra={
                "arrival_id": claim.arrival_id,
                "receiver_id": receiver.receiver_id,
                "facility_id": claim.record.facility_id,
                "outcome": outcome.value,
            },
        )
        return outcome
