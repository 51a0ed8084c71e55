"""Turn state records into the API's camelCase HAL bodies, and HAL into the plain-JSON variant.

NOTE: reference/extensiv.md §1.2 [H]: `Accept: application/hal+json` gets camelCase HAL with
`_embedded` rel-URL keys; `application/json` (or none) gets PascalCase with `TotalResults` and
`ResourceList` (§1.2 [M-H]). The sandbox builds HAL and derives the plain variant from it.
"""

from __future__ import annotations

from typing import Any

from .state import (
    STATUS_CLOSED,
    UNITS_OF_MEASURE,
    Facility,
    Item,
    Order,
    OrderLine,
    Package,
    Receiver,
    StockRecord,
    WarehouseState,
    etag_for,
)

REL = "http://api.3plCentral.com/rels"
REL_ORDER = f"{REL}/orders/order"
REL_ORDER_ITEM = f"{REL}/orders/item"
REL_PACKAGE = f"{REL}/orders/package"
REL_PACKAGE_CONTENT = f"{REL}/orders/packagecontent"
REL_CUSTOMER = f"{REL}/customers/customer"
REL_ITEM = f"{REL}/customers/item"
REL_RECEIVER = f"{REL}/inventory/receiver"
REL_RECEIVE_ITEM = f"{REL}/inventory/receiveritem"
REL_FACILITY = f"{REL}/properties/facility"

# Where an embedded collection of a single resource lands in the plain-JSON variant.
PLAIN_PROPERTY_FOR_REL = {
    REL_ORDER_ITEM: "OrderItems",
    REL_PACKAGE: "Packages",
    REL_PACKAGE_CONTENT: "PackageContents",
    REL_RECEIVE_ITEM: "ReceiveItems",
}

ORDER_DETAILS = {
    "none",
    "orderitems",
    "billingdetails",
    "savedelements",
    "packages",
    "contacts",
    "proposedbilling",
    "outboundserialnumbers",
    "smallparcel",
    "parceloptions",
    "inserts",
    "all",
}
ORDER_ITEM_DETAILS = {"none", "savedelements", "allocations", "all", "allocationswithdetail"}
RECEIVER_DETAILS = {"none", "receiveitems", "billingdetails", "savedelements", "all", "proposedbilling"}
RECEIVER_ITEM_DETAILS = {"none", "savedelements", "all"}
FULL_ORDER_DETAIL = frozenset(ORDER_DETAILS - {"none"})
FULL_ITEM_DETAIL = frozenset({"savedelements", "allocations"})


def _link(href: str) -> dict[str, str]:
    return {"href": href}


def customer_identifier(state: WarehouseState) -> dict[str, Any]:
    config = state.config
    return {"externalId": config.customer_external_id, "name": config.customer_name, "id": config.customer_id}


def facility_identifier(state: WarehouseState, facility_id: int) -> dict[str, Any]:
    facility = state.facilities.get(facility_id)
    return {"name": facility.name if facility else "", "id": facility_id}


def user_identifier(state: WarehouseState) -> dict[str, Any]:
    return {"name": state.config.user_login, "id": state.config.user_id}


def item_identifier(state: WarehouseState, item_id: int, sku: str) -> dict[str, Any]:
    item = state.items.get(item_id)
    return {"sku": item.sku if item else sku, "id": item_id}


# -- orders -------------------------------------------------------------------------------


def render_order(
    state: WarehouseState,
    order: Order,
    detail: frozenset[str] | set[str] = frozenset(),
    item_detail: frozenset[str] | set[str] = frozenset(),
) -> dict[str, Any]:
    """One order as `GET /orders/{id}` returns it for the given detail and itemdetail sets (§3.4)."""
    facility_id = order.facility_id

    def when(moment: Any) -> str | None:
        return state.local_time(moment, facility_id)

    read_only: dict[str, Any] = {
        "orderId": order.order_id,
        "asnCandidate": 0,
        "routeCandidate": 0,
        "fullyAllocated": order.fully_allocated,
        "importModuleId": 0,
        "exportModuleIds": "",
        "deferNotification": order.defer_notification,
        "isClosed": order.is_closed,
        "processDate": when(order.process_date),
        "pickStarted": order.pick_done_date is not None,
        "pickDoneDate": when(order.pick_done_date),
        "pickTicketPrintDate": when(order.pick_done_date),
        "packStarted": order.pack_done_date is not None,
        "packDoneDate": when(order.pack_done_date),
        "labelsExported": bool(order.packages),
        "loadedState": 1 if order.status == STATUS_CLOSED else 0,
        "loadOutDoneDate": when(order.process_date),
        "routeSent": False,
        "asnSent": False,
        "pkgsExported": False,
        "smallParcelShipDate": when(order.process_date) if order.packages else None,
        "customerIdentifier": customer_identifier(state),
        "facilityIdentifier": facility_identifier(state, facility_id),
        "warehouseTransactionSourceType": 7,
        "transactionEntryType": 4,
        "creationDate": when(order.created),
        "createdByIdentifier": user_identifier(state),
        "lastModifiedDate": when(order.modified),
        "lastModifiedByIdentifier": user_identifier(state),
        "status": order.status,
    }
    # NOTE: reference/extensiv.md §3.4 [H]: packages come with detail=Packages or All only;
    # without it the sandbox leaves `readOnly.packages` out rather than sending an empty list.
    if "packages" in detail or "all" in detail:
        read_only["packages"] = [render_package(state, order, package, embedded=False) for package in order.packages]

    body: dict[str, Any] = {"readOnly": read_only, "referenceNum": order.reference_num}
    for key in ("description", "poNum", "externalId", "earliestShipDate", "shipCancelDate", "notes"):
        body[key] = order.fields.get(key)
    body["shippingNotes"] = order.fields.get("shippingNotes")
    body["billingCode"] = order.fields.get("billingCode") or "Prepaid"
    body["asnNumber"] = order.fields.get("asnNumber")
    body["invoiceNumber"] = order.fields.get("invoiceNumber")
    body["numUnits1"] = float(sum(line.qty for line in order.lines))
    body["routingInfo"] = dict(order.routing_info)
    body["shipTo"] = dict(order.ship_to)
    if "contacts" in detail or "all" in detail:
        body["soldTo"] = order.fields.get("soldTo") or dict(order.ship_to)
        body["billTo"] = order.fields.get("billTo") or dict(order.ship_to)
    if "savedelements" in detail or "all" in detail:
        body["savedElements"] = order.fields.get("savedElements") or []
    if "billingdetails" in detail or "all" in detail:
        body["billing"] = {"billingCharges": []}
    if "parceloptions" in detail or "all" in detail:
        body["parcelOption"] = order.fields.get("parcelOption") or {}
    body["fulfillInvInfo"] = order.fields.get("fulfillInvInfo") or {}
    if "orderitems" in detail or "all" in detail:
        items = [render_order_line(state, order, line, item_detail) for line in order.lines]
        body["_embedded"] = {REL_ORDER_ITEM: items}
    body["_links"] = {
        "self": _link(f"/orders/{order.order_id}"),
        f"{REL}/orders/items": _link(f"/orders/{order.order_id}/items"),
        f"{REL}/orders/packages": _link(f"/orders/{order.order_id}/packages"),
        f"{REL}/orders/ordercancel": _link(f"/orders/{order.order_id}/canceler"),
        f"{REL}/orders/orderconfirm": _link(f"/orders/{order.order_id}/confirmer"),
    }
    return body


def render_order_line(
    state: WarehouseState, order: Order, line: OrderLine, item_detail: frozenset[str] | set[str]
) -> dict[str, Any]:
    read_only: dict[str, Any] = {
        "orderItemId": line.order_item_id,
        "fullyAllocated": line.allocated >= line.qty,
        "unitIdentifier": {"name": "Each", "id": UNITS_OF_MEASURE["each"]},
        "originalPrimaryQty": line.qty,
        "isOrderQtySecondary": False,
        "lastModifiedDate": state.local_time(line.modified, order.facility_id),
        "rowVersion": etag_for(line.row_version).strip('"'),
    }
    if "allocations" in item_detail or "all" in item_detail or "allocationswithdetail" in item_detail:
        receive_item_id = _receive_item_id(state, line.sku, order.facility_id)
        allocated = [{"receiveItemId": receive_item_id, "qty": line.allocated}] if line.allocated else []
        read_only["allocations"] = allocated
    body: dict[str, Any] = {
        "readOnly": read_only,
        "itemIdentifier": item_identifier(state, line.item_id, line.sku),
        "qualifier": line.fields.get("qualifier", ""),
        "externalId": line.fields.get("externalId"),
        "qty": line.qty,
        "secondaryQty": line.fields.get("secondaryQty"),
        "lotNumber": line.fields.get("lotNumber"),
        "serialNumber": line.fields.get("serialNumber"),
        "expirationDate": line.fields.get("expirationDate"),
        "notes": line.fields.get("notes"),
        "fulfillInvSalePrice": line.fields.get("fulfillInvSalePrice"),
        "fulfillInvDiscountPct": line.fields.get("fulfillInvDiscountPct"),
        "fulfillInvDiscountAmt": line.fields.get("fulfillInvDiscountAmt"),
        "fulfillInvNote": line.fields.get("fulfillInvNote"),
    }
    if "savedelements" in item_detail or "all" in item_detail:
        body["savedElements"] = line.fields.get("savedElements") or []
    body["_links"] = {"self": _link(f"/orders/{order.order_id}/items/{line.order_item_id}")}
    return body


def render_package(state: WarehouseState, order: Order, package: Package, embedded: bool) -> dict[str, Any]:
    """A package; its contents are an `_embedded` collection on /orders/{id}/packages only.

    NOTE: reference/extensiv.md §3.4 [H] puts packageContent under `_embedded` in the packages
    rel, while the order's `readOnly.packages[]` lists `packageContents[]` inline; the rel's
    type table (samples/README.md) keeps oversize, cod, ucc128, cartonId and label in readOnly.
    """
    created = state.local_time(package.created, order.facility_id)
    contents = [
        {
            "packageContentId": content.package_content_id,
            "packageId": package.package_id,
            "orderItemId": content.order_item_id,
            "receiveItemId": _receive_item_id(state, _sku_of(order, content.order_item_id), order.facility_id),
            "orderItemPickExceptionId": None,
            "qty": content.qty,
            "lotNumber": None,
            "serialNumber": None,
            "expirationDate": None,
            "createDate": created,
            "serialNumbers": [],
        }
        for content in package.contents
    ]
    body: dict[str, Any] = {
        "packageId": package.package_id,
        "packageTypeId": 1,
        "packageDefIdentifier": {"name": "Box", "id": 1},
        "length": 10.0,
        "width": 8.0,
        "height": 4.0,
        "weight": package.weight,
        "codAmount": 0.0,
        "insuredAmount": 0.0,
        "trackingNumber": package.tracking_number,
        "description": "Box",
        "createDate": created,
        "readOnly": {"oversize": False, "cod": False, "ucc128": None, "cartonId": None, "label": None},
    }
    if embedded:
        body["_embedded"] = {REL_PACKAGE_CONTENT: contents}
    else:
        body["packageContents"] = contents
    return body


def _receive_item_id(state: WarehouseState, sku: str, facility_id: int) -> int | None:
    record = state.peek_stock(sku, facility_id)
    return record.receive_item_id if record else None


def _sku_of(order: Order, order_item_id: int) -> str:
    return next((line.sku for line in order.lines if line.order_item_id == order_item_id), "")


def render_order_summary(state: WarehouseState, order: Order) -> dict[str, Any]:
    """A row of GET /orders/summaries, keys as samples/extensiv/order-summaries.hal.json."""
    return {
        "orderId": order.order_id,
        "referenceNum": order.reference_num,
        "poNum": order.fields.get("poNum"),
        "fullyAllocated": order.fully_allocated,
        "customerIdentifier": customer_identifier(state),
        "facilityIdentifier": facility_identifier(state, order.facility_id),
        "creationDate": state.local_time(order.created, order.facility_id),
        "isClosed": order.is_closed,
    }


def render_tracking_rows(state: WarehouseState, order: Order) -> list[dict[str, Any]]:
    """Rows of GET /orders/shipmentstrackinginfo: one per package of a shipped order (§3.4)."""
    if order.status != STATUS_CLOSED:
        return []
    ship_date = state.local_time(order.process_date, order.facility_id)
    return [
        {
            "orderId": order.order_id,
            "customerIdentifier": customer_identifier(state),
            "facilityIdentifier": facility_identifier(state, order.facility_id),
            "referenceNum": order.reference_num,
            "poNum": order.fields.get("poNum"),
            "packageId": package.package_id,
            "shipTo": dict(order.ship_to),
            "carrier": order.routing_info.get("carrier"),
            "carrierService": order.routing_info.get("mode"),
            "carrierAccountId": None,
            "carrierCode": order.routing_info.get("scacCode"),
            "trackingNumber": package.tracking_number,
            "trackingUrl": None,
            "deliveryStatus": "InTransit",
            "shipDate": ship_date,
            "creationDate": state.local_time(package.created, order.facility_id),
            "deliveryDate": None,
            "deliveryDateEstimated": None,
            "trackingUpdateDate": ship_date,
            "trackingCarrierStatusDescription": "Shipment picked up",
            "trackingCarrierStatusCode": "PU",
        }
        for package in order.packages
    ]


# -- inventory ----------------------------------------------------------------------------


def render_stock_summary(state: WarehouseState, record: StockRecord, with_ordered: bool) -> dict[str, Any]:
    """A row of GET /inventory/stocksummaries, keys as samples/extensiv/stock-summaries.response.json."""
    item = state.item_by_sku(record.sku)
    ordered_not_allocated = None
    if with_ordered:
        ordered_not_allocated = float(
            sum(
                line.qty - line.allocated
                for order in state.orders.values()
                if order.status == 0 and order.facility_id == record.facility_id
                for line in order.lines
                if line.sku.lower() == record.sku.lower()
            )
        )
    return {
        "itemIdentifier": {"sku": item.sku if item else record.sku, "id": item.item_id if item else 0},
        "qualifier": "",
        "totalReceived": float(record.total_received),
        "allocated": float(record.allocated),
        "available": float(record.available),
        "onHold": float(record.on_hold),
        "onHand": float(record.on_hand),
        "orderedNotAllocated": ordered_not_allocated,
        "facilityId": record.facility_id,
    }


def render_inventory_row(state: WarehouseState, record: StockRecord) -> dict[str, Any]:
    """A row of GET /inventory: the sandbox keeps one receive item per SKU and facility (§4.3)."""
    item = state.item_by_sku(record.sku)
    return {
        "receiverId": 0,
        "receivedDate": state.local_time(state.customer_created, record.facility_id),
        "receiveItemId": record.receive_item_id,
        "customerIdentifier": customer_identifier(state),
        "facilityIdentifier": facility_identifier(state, record.facility_id),
        "itemIdentifier": {"sku": record.sku, "id": item.item_id if item else 0},
        "itemDescription": item.fields.get("description") if item else record.sku,
        "qualifier": "",
        "inventoryUnitOfMeasureIdentifier": {"name": "Each", "id": UNITS_OF_MEASURE["each"]},
        "receivedQty": float(record.total_received),
        "onHandQty": float(record.on_hand),
        "availableQty": float(record.available),
        "onHoldQty": float(record.on_hold),
        "lotNumber": None,
        "serialNumber": None,
        "expirationDate": None,
        "cost": None,
        "onHold": record.on_hold > 0,
        "onHoldReason": None,
        "quarantined": False,
    }


# -- catalog and properties ---------------------------------------------------------------


def render_item(state: WarehouseState, item: Item) -> dict[str, Any]:
    fields = item.fields
    unit = (((fields.get("options") or {}).get("inventoryUnit") or {}).get("unitIdentifier") or {}).get("name")
    unit = unit or "Each"
    options = dict(fields.get("options") or {})
    inventory_unit = dict(options.get("inventoryUnit") or {})
    inventory_unit["unitIdentifier"] = {"name": unit, "id": UNITS_OF_MEASURE.get(unit.lower(), 1)}
    inventory_unit.setdefault("minimumStock", None)
    inventory_unit.setdefault("maximumStock", None)
    inventory_unit.setdefault("reorderQuantity", None)
    inventory_unit.setdefault("inventoryMethod", 1)
    options["inventoryUnit"] = inventory_unit
    customer_id = state.config.customer_id
    return {
        "readOnly": {
            "customerIdentifier": customer_identifier(state),
            "itemId": item.item_id,
            "creationDate": state.local_time(item.created),
            "lastModifiedDate": state.local_time(item.modified),
            "deactivated": item.deactivated,
            "lastPriceChange": None,
            "hasStorageRates": False,
            "rowVersion": etag_for(item.row_version).strip('"'),
        },
        "itemId": item.item_id,
        "sku": item.sku,
        "upc": fields.get("upc"),
        "description": fields.get("description"),
        "description2": fields.get("description2"),
        "inventoryCategory": fields.get("inventoryCategory"),
        "nmfc": fields.get("nmfc"),
        "cost": fields.get("cost"),
        "price": fields.get("price"),
        "temperature": fields.get("temperature"),
        "countryOfManufacture": fields.get("countryOfManufacture"),
        "harmonizedCode": fields.get("harmonizedCode"),
        "options": options,
        "_links": {"self": _link(f"/customers/{customer_id}/items/{item.item_id}")},
    }


def render_facility(state: WarehouseState, facility: Facility) -> dict[str, Any]:
    return {
        "facilityId": facility.facility_id,
        "name": facility.name,
        "deactivated": facility.deactivated,
        "usePredefinedLocations": True,
        "code": facility.code,
        "upsAccount": "",
        "fedExAccount": "",
        "fuelSurcharge": 0.0,
        "locationFieldCount": 4,
        "measurementSystemDefault": 0,
        "lastCloseDate": None,
        "freightRateLocationCode": "",
        "timeZoneName": facility.time_zone_name,
        "address": dict(facility.address),
        "rowVersion": etag_for(facility.row_version).strip('"'),
        "_links": {"self": _link(f"/properties/facilities/{facility.facility_id}")},
    }


def render_customer(state: WarehouseState) -> dict[str, Any]:
    config = state.config
    facilities = [{"name": f.name, "id": f.facility_id} for f in state.facilities.values()]
    return {
        "readOnly": {
            "customerId": config.customer_id,
            "creationDate": state.local_time(state.customer_created),
            "deactivated": False,
        },
        "companyInfo": {"companyName": config.customer_name, "country": "US"},
        "externalId": config.customer_external_id,
        "primaryFacilityIdentifier": facilities[0] if facilities else None,
        "facilities": facilities,
        "options": {"receiving": {"receiveAgainstAsns": 0}, "shipping": {"orderQueue": False}},
        "_links": {"self": _link(f"/customers/{config.customer_id}")},
    }


# -- receivers ----------------------------------------------------------------------------


def render_receiver(
    state: WarehouseState,
    receiver: Receiver,
    detail: frozenset[str] | set[str] = frozenset(),
    item_detail: frozenset[str] | set[str] = frozenset(),
) -> dict[str, Any]:
    """One receiver (§7.1, §7.2).

    NOTE: reference/extensiv.md §7.2-7.3 [L]: how a return shows on GET is not documented
    (REL-importasync stores the flag as a saved element). The sandbox exposes it as
    `readOnly.receiverType` 1 (return) or 0 (normal), matching the `receivertype` filter.
    """
    facility_id = receiver.facility_id
    read_only = {
        "receiverId": receiver.receiver_id,
        "receiverType": 1 if receiver.is_return else 0,
        "deferNotification": receiver.defer_notification,
        "customerIdentifier": customer_identifier(state),
        "facilityIdentifier": facility_identifier(state, facility_id),
        "warehouseTransactionSourceType": 7,
        "transactionEntryType": 4,
        "creationDate": state.local_time(receiver.created, facility_id),
        "createdByIdentifier": user_identifier(state),
        "lastModifiedDate": state.local_time(receiver.modified, facility_id),
        "lastModifiedByIdentifier": user_identifier(state),
        "status": receiver.status,
        "chargesPending": False,
    }
    body: dict[str, Any] = {"readOnly": read_only, "referenceNum": receiver.reference_num}
    for key in ("poNum", "externalId", "receiptAdviceNumber", "expectedDate", "notes", "scacCode", "carrier"):
        body[key] = receiver.fields.get(key)
    body["arrivalDate"] = state.local_time(receiver.arrival_date, facility_id)
    for key in ("billOfLading", "trackingNumber", "trailerNumber", "sealNumber", "doorNumber"):
        body[key] = receiver.fields.get(key)
    body["numUnits1"] = float(sum(line.qty for line in receiver.lines))
    if "savedelements" in detail or "all" in detail:
        body["savedElements"] = receiver.fields.get("savedElements") or []
    if "receiveitems" in detail or "all" in detail:
        lines = []
        for line in receiver.lines:
            record = state.peek_stock(line.sku, facility_id)
            levels = {"onHand": record.on_hand, "available": record.available} if record else None
            row = {
                "readOnly": {
                    "receiveItemId": line.receive_item_id,
                    "fullyShippedDate": None,
                    "unitIdentifier": {"name": "Each", "id": UNITS_OF_MEASURE["each"]},
                    "inventoryLevels": levels,
                    "onHoldDate": None,
                    "facilityIdentifier": facility_identifier(state, facility_id),
                    "referenceNumber": receiver.reference_num,
                    "transactionID": receiver.receiver_id,
                },
                "itemIdentifier": item_identifier(state, line.item_id, line.sku),
                "qualifier": line.fields.get("qualifier", ""),
                "externalId": line.fields.get("externalId"),
                "qty": line.qty,
                "lotNumber": line.fields.get("lotNumber"),
                "serialNumber": line.fields.get("serialNumber"),
                "expirationDate": line.fields.get("expirationDate"),
                "cost": line.fields.get("cost"),
            }
            if "savedelements" in item_detail or "all" in item_detail:
                row["savedElements"] = line.fields.get("savedElements") or []
            lines.append(row)
        body["_embedded"] = {REL_RECEIVE_ITEM: lines}
    body["_links"] = {"self": _link(f"/inventory/receivers/{receiver.receiver_id}")}
    return body


# -- plain JSON ---------------------------------------------------------------------------


def _pascal(key: str) -> str:
    return key[:1].upper() + key[1:] if key and key[0].isalpha() else key


def to_plain(node: Any) -> Any:
    """HAL camelCase to the PascalCase plain-JSON variant (collections become ResourceList)."""
    if isinstance(node, list):
        return [to_plain(value) for value in node]
    if not isinstance(node, dict):
        return node
    if "totalResults" in node and "_embedded" in node:
        rows = next(iter(node["_embedded"].values()), [])
        return {"TotalResults": node["totalResults"], "ResourceList": to_plain(rows)}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "_links":
            continue
        if key == "_embedded":
            for rel, rows in value.items():
                out[PLAIN_PROPERTY_FOR_REL.get(rel, _pascal(rel.rsplit("/", 1)[-1]))] = to_plain(rows)
            continue
        out[_pascal(key)] = to_plain(value)
    return out
