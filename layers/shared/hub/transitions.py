"""Conditional state changes and claims with a lease, shared by the hub's stateful records.

Orders, returns, arrivals and packages change state the same way: one conditional update that
names the states (or the claim token) the change is allowed from, so a repeated event is a
no-op and two invocations never both win. The update also moves the record's gsi1 listing
(`<prefix><state>`) and stamps `updated_at`; an audit entry is written only once it succeeded.

A claim is such a change into a working state (submitting, creating, pushing) that writes a
random token and a lease. While the lease runs nobody else can claim the record. Once it has
passed, the next claimer wins and learns that the previous attempt's outcome is unknown: the
work may have been done elsewhere and must be looked up before it is done again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hub.table import HubTable, iso_now, plain, to_decimal

ERROR_LIMIT = 500


@dataclass(frozen=True)
class Lease:
    """A claim won: the token that proves it, and the record as it was before (plain values)."""

    token: str
    previous: dict[str, Any]
    claiming_state: str
    until: float

    @property
    def previous_state(self) -> str:
        return self.previous["state"]

    @property
    def outcome_unknown(self) -> bool:
        """The previous claimer's lease ran out before it recorded what it did."""
        return self.previous_state == self.claiming_state


class Transitions:
    """The conditional writes of one kind of hub record that has a state.

    `kind` names the record in error messages; each state is listed on gsi1 under
    `index_prefix + state`, sorted by the time of the change unless `sort_by_change` is False
    (the sort key written when the record was created then stays). Every write raises
    TransitionRejected, carrying the current item in plain values, when its condition fails,
    and HubUnavailable when DynamoDB cannot be used.
    """

    def __init__(self, hub: HubTable, kind: str, index_prefix: str, sort_by_change: bool = True) -> None:
        self.hub = hub
        self.kind = kind
        self.index_prefix = index_prefix
        self.sort_by_change = sort_by_change

    def index(self, state: str, stamp: str, record_id: str) -> dict[str, str]:
        """The gsi1 attributes of a record in `state`, changed at `stamp`."""
        attributes = {"gsi1pk": f"{self.index_prefix}{state}"}
        if self.sort_by_change:
            attributes["gsi1sk"] = f"{stamp}#{record_id}"
        return attributes

    def change(
        self,
        key: dict[str, str],
        record_id: str,
        condition: str | None = None,
        values: Mapping[str, Any] | None = None,
        *,
        state: str | None = None,
        sets: Mapping[str, Any] | None = None,
        removes: Iterable[str] = (),
        audit: tuple[str, dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Update an existing record where `condition` holds; returns it as written (plain values).

        `state` moves it (and its gsi1 listing) to a new state; a None in `sets` removes that
        attribute, as do `removes`. `condition` may use `#state` and the `values` it names.
        """
        response = self._update(key, record_id, condition, values or {}, state, sets or {}, removes, "ALL_NEW")
        if audit:
            event, details = audit
            self.hub.put_audit(key["pk"], event, details)
        return plain(response["Attributes"])

    def claim(
        self,
        key: dict[str, str],
        record_id: str,
        claiming: str,
        claimable: Iterable[str],
        lease_seconds: float,
        guard: str | None = None,
    ) -> Lease:
        """Move a record from one of the `claimable` states into `claiming` under a new lease.

        A record already in `claiming` is taken over only once its lease has passed (the Lease
        then says the outcome is unknown). `guard` is a further condition, e.g. that the work
        was not recorded already. Raises TransitionRejected while another lease runs.
        """
        now = self.hub.clock()
        token = uuid.uuid4().hex
        until = now + lease_seconds
        values: dict[str, Any] = {":claiming": str(claiming), ":now": to_decimal(now)}
        placeholders = []
        for index, state in enumerate(claimable):
            values[f":from{index}"] = str(state)
            placeholders.append(f":from{index}")
        condition = f"#state IN ({', '.join(placeholders)}) OR (#state = :claiming AND lease_until < :now)"
        if guard:
            condition = f"({guard}) AND ({condition})"
        sets = {"claim_token": token, "lease_until": to_decimal(until)}
        response = self._update(key, record_id, condition, values, claiming, sets, (), "ALL_OLD")
        return Lease(token, plain(response["Attributes"]), str(claiming), until)

    def release(self, key: dict[str, str], token: str, error: str) -> None:
        """Give a claim back after a failure: the record keeps its working state and the error,
        and its lease ends now, so the next claimer takes it over (outcome unknown)."""
        sets = {"lease_until": 0, "last_error": error[:ERROR_LIMIT]}
        self._update(key, "", "claim_token = :token", {":token": token}, None, sets, (), "NONE")

    def _update(
        self,
        key: dict[str, str],
        record_id: str,
        condition: str | None,
        values: Mapping[str, Any],
        state: str | None,
        sets: Mapping[str, Any],
        removes: Iterable[str],
        return_values: str,
    ) -> dict[str, Any]:
        stamp = iso_now(self.hub.clock)
        assignments = ["updated_at = :stamp"]
        expression_values: dict[str, Any] = {**values, ":stamp": stamp}
        names: dict[str, str] = {}
        if state is not None:
            state = str(state)  # a StrEnum member is stored as its value
            assignments.append("#state = :new_state")
            expression_values[":new_state"] = state
            for name, value in self.index(state, stamp, record_id).items():
                assignments.append(f"{name} = :{name}")
                expression_values[f":{name}"] = value
        if state is not None or (condition and "#state" in condition):
            names["#state"] = "state"

        # Every attribute goes through a name placeholder: several (lines, receipt, status) are
        # DynamoDB reserved words.
        to_remove = set(removes)
        for index, (name, value) in enumerate(sets.items()):
            if value is None:
                to_remove.add(name)
                continue
            names[f"#s{index}"] = name
            assignments.append(f"#s{index} = :s{index}")
            expression_values[f":s{index}"] = value
        removed = []
        for index, name in enumerate(sorted(to_remove)):
            names[f"#r{index}"] = name
            removed.append(f"#r{index}")
        expression = "SET " + ", ".join(assignments)
        if removed:
            expression += " REMOVE " + ", ".join(removed)

        full_condition = "attribute_exists(pk)" + (f" AND ({condition})" if condition else "")
        request: dict[str, Any] = {
            "Key": key,
            "UpdateExpression": expression,
            "ConditionExpression": full_condition,
            "ExpressionAttributeValues": expression_values,
            "ReturnValues": return_values,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if names:
            request["ExpressionAttributeNames"] = names
        with self.hub.translated(f"{self.kind} -> {state or 'update'}"):
            return self.hub.table.update_item(**request)


__all__ = ["Lease", "Transitions"]
