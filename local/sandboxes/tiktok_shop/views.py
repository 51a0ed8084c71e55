"""API shapes of the sandbox's records, key for key as the documented samples print them.

Ids are JSON strings, money is strings, times are Unix seconds (tracking: milliseconds), and
fields a state does not fill are present with an empty value ("" / 0 / false / []), so a
client sees the same keys as in reference/samples/tiktok/*.json at every stage.
Callers hold the state lock while rendering.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from . import fakes
from .config import MARK_SHIPPED_MARKETS
from .state import (
    CENT,
    TAX_RATE,
    Cancellation,
    LineItem,
    Order,
    Package,
    Product,
    ReturnRequest,
    ShopState,
    Sku,
    Warehouse,
)

# Fields the 202507 Get Order Detail page adds over the 202309 pages (reference §4.1).
DETAIL_202507_ONLY = (
    "payment_method_code",
    "payment_auth_code",
    "payment_card_type",
    "channel_entity_national_registry_id",
)
SEA_MARKETS = frozenset({"ID", "TH", "VN", "MY", "PH", "SG"})


def order_view(state: ShopState, order: Order, *, version: str = "202507", for_search: bool = False) -> dict:
    """One order like order-detail-202507.response.json (202309 and search drop the 202507-only keys)."""
    sla = order.sla
    currency = state.config.currency
    view: dict[str, Any] = {
        "id": order.id,
        "cancellation_initiator": order.cancellation_initiator,
        "shipping_provider": order.shipping_provider,
        "shipping_provider_id": order.shipping_provider_id,
        "user_id": order.user_id,
        "status": order.status,
        "rts_time": order.rts_time,
        "payment": _payment(order, currency),
        "recipient_address": _recipient_address(order),
        "buyer_message": order.buyer_message,
        "create_time": order.create_time,
        "tracking_number": order.tracking_number,
        "cancel_reason": order.cancel_reason,
        "rts_sla_time": sla.get("rts_sla_time", 0),
        "paid_time": order.paid_time,
        "fulfillment_type": order.fulfillment_type,
        "seller_note": "",
        "tts_sla_time": sla.get("tts_sla_time", 0),
        "cancel_order_sla_time": sla.get("cancel_order_sla_time", 0),
        "update_time": order.update_time,
        "packages": [{"id": package_id} for package_id in order.packages if _is_visible(state, package_id)],
        "delivery_type": "HOME_DELIVERY",
        "is_sample_order": False,
        "warehouse_id": order.warehouse_id,
        "split_or_combine_tag": "SPLIT" if len(order.packages) > 1 else "",
        "has_updated_recipient_address": False,
        "cpf": "",
        "delivery_option_id": order.delivery_option_id,
        "delivery_sla_time": sla.get("delivery_sla_time", 0),
        "payment_method_name": "CCDC",
        "payment_card_type": "Debit",
        "channel_entity_national_registry_id": "",
        "payment_method_code": "pm_pi_ccdc_visa_c_d",
        "payment_auth_code": f"AUTH{order.id[-6:]}",
        "shipping_due_time": sla.get("shipping_due_time", 0),
        "line_items": [_line_item(state, order, line, currency) for line in order.line_items],
        "shipping_type": order.shipping_type,
        "buyer_email": order.buyer_email,
        "delivery_time": order.delivery_time,
        "need_upload_invoice": "NO_NEED",
        "is_cod": False,
        "request_cancel_time": order.request_cancel_time,
        "delivery_option_required_delivery_time": sla.get("delivery_option_required_delivery_time", 0),
        "delivery_option_name": order.delivery_option_name,
        "is_buyer_request_cancel": order.is_buyer_request_cancel,
        "delivery_due_time": sla.get("delivery_due_time", 0),
        "collection_time": order.collection_time,
        "is_on_hold_order": order.is_on_hold_order,
        "cancel_time": order.cancel_time,
        "is_replacement_order": False,
        "replaced_order_id": "",
        "collection_due_time": sla.get("collection_due_time", 0),
        "pick_up_cut_off_time": 0,
        "fast_dispatch_sla_time": 0,
        "commerce_platform": "TIKTOK_SHOP",
        "order_type": "NORMAL",
        "release_date": 0,
        "handling_duration": {"days": "2", "type": "BUSINESS_DAY"},
        "auto_combine_group_id": "",
        "cpf_name": "",
        "is_exchange_order": False,
        "exchange_source_order_id": "",
        "consultation_id": "",
        "fast_delivery_program": "",
    }
    if for_search or version != "202507":
        for key in DETAIL_202507_ONLY:
            view.pop(key)
    if for_search and state.config.region in SEA_MARKETS:
        view["fulfillment_priority_level"] = 100
        view["recommended_shipping_time"] = sla.get("rts_sla_time", 0)
    return view


def _is_visible(state: ShopState, package_id: str) -> bool:
    # US/UK: package ids exist only once shipped (reference §4.1.1); SEA: from payment.
    package = state.packages[package_id]
    return package.shipped or state.config.region not in MARK_SHIPPED_MARKETS


def _payment(order: Order, currency: str) -> dict[str, str]:
    active = order.active_lines() or order.line_items
    original = sum((line.price for line in active), Decimal("0"))
    sub_total = original
    shipping_fee = order.shipping_fee
    product_tax = (sub_total * TAX_RATE).quantize(CENT)
    shipping_tax = (shipping_fee * TAX_RATE).quantize(CENT)
    total = sub_total + shipping_fee + product_tax + shipping_tax
    zero = "0"
    return {
        "currency": currency,
        "sub_total": _money(sub_total),
        "shipping_fee": _money(shipping_fee),
        "seller_discount": zero,
        "platform_discount": zero,
        "total_amount": _money(total),
        "original_total_product_price": _money(original),
        "original_shipping_fee": _money(shipping_fee),
        "shipping_fee_seller_discount": zero,
        "shipping_fee_platform_discount": zero,
        "shipping_fee_cofunded_discount": zero,
        "tax": _money(product_tax + shipping_tax),
        "small_order_fee": zero,
        "shipping_fee_tax": _money(shipping_tax),
        "product_tax": _money(product_tax),
        "retail_delivery_fee": zero,
        "buyer_service_fee": zero,
        "handling_fee": zero,
        "shipping_insurance_fee": zero,
        "item_insurance_fee": zero,
        "item_insurance_tax": zero,
    }


def _recipient_address(order: Order) -> dict[str, Any]:
    # Reference §4.1.2: not available while UNPAID or ON_HOLD; US masks it again once CANCELLED.
    if order.status in {"UNPAID", "ON_HOLD"}:
        return {}
    if order.status == "CANCELLED":
        return fakes.masked_recipient_address(order.address)
    return dict(order.address)


def _line_item(state: ShopState, order: Order, line: LineItem, currency: str) -> dict[str, Any]:
    package = state.packages.get(line.package_id) if line.package_id else None
    shipped = package is not None and package.shipped
    tax = (line.price * TAX_RATE).quantize(CENT)
    return {
        "id": line.id,
        "sku_id": line.sku_id,
        "combined_listing_skus": [],
        "product_id": line.product_id,
        "product_name": line.product_name,
        "sku_name": line.sku_name,
        "sku_image": fakes.sku_image_url(line.sku_id),
        "original_price": _money(line.price),
        "sale_price": _money(line.price),
        "pfand_fee": "0",
        "platform_discount": "0",
        "display_status": _display_status(order, line, package),
        "cancel_user": line.cancel_user,
        "sku_type": "NORMAL",
        "seller_sku": line.seller_sku,
        "shipping_provider_id": package.shipping_provider_id if shipped else "",
        "seller_discount": "0",
        "currency": currency,
        "package_id": line.package_id if package and _is_visible(state, package.id) else "",
        "rts_time": int(package.shipped_at) if shipped else 0,
        "item_tax": [{"tax_type": "SALES_TAX", "tax_amount": _money(tax), "tax_rate": str(TAX_RATE)}],
        "package_status": _package_status(line, package),
        "shipping_provider_name": package.shipping_provider_name if shipped else "",
        "is_gift": False,
        "cancel_reason": line.cancel_reason,
        "small_order_fee": "0",
        "retail_delivery_fee": "0",
        "tracking_number": package.tracking_number if shipped else "",
        "buyer_service_fee": "0",
        "handling_duration_days": "0",
        "is_dangerous_good": False,
        "needs_prescription": False,
        "gift_retail_price": "0",
    }


def _display_status(order: Order, line: LineItem, package: Package | None) -> str:
    # Reference §4.1.3: the order vocabulary minus ON_HOLD and PARTIALLY_SHIPPING.
    if line.cancelled:
        return "CANCELLED"
    if order.status == "UNPAID":
        return "UNPAID"
    if package is None or not package.shipped:
        return "AWAITING_SHIPMENT"
    if order.status == "COMPLETED":
        return "COMPLETED"
    return {"PROCESSING": "AWAITING_COLLECTION", "FULFILLING": "IN_TRANSIT", "COMPLETED": "DELIVERED"}.get(
        package.status, "AWAITING_COLLECTION"
    )


def _package_status(line: LineItem, package: Package | None) -> str:
    if line.cancelled:
        return "CANCELLED"
    if package is None or not package.shipped:
        return "TO_FULFILL"
    return package.status


def warehouse_view(warehouse: Warehouse) -> dict[str, Any]:
    """Like warehouses-202309.response.json, `distict` spelling included."""
    return {
        "id": warehouse.id,
        "entity_id": warehouse.entity_id,
        "name": warehouse.name,
        "effect_status": warehouse.effect_status,
        "type": warehouse.type,
        "sub_type": warehouse.sub_type,
        "is_default": warehouse.is_default,
        "address": dict(warehouse.address),
    }


def delivery_options_view(warehouse: Warehouse) -> list[dict[str, Any]]:
    return [
        {
            "id": option.id,
            "name": option.name,
            "type": option.type,
            "description": option.description,
            "dimension_limit": {"max_height": 108, "max_length": 108, "max_width": 108, "unit": "INCH"},
            "weight_limit": {"max_weight": 68038, "min_weight": 1, "unit": "GRAM"},
            "platform": ["TIKTOK_SHOP"],
        }
        for option in warehouse.delivery_options
    ]


def product_search_view(state: ShopState, product: Product) -> dict[str, Any]:
    """One entry of product-search-202502.response.json `products[]`."""
    currency = state.config.currency
    return {
        "id": product.id,
        "title": product.title,
        "status": product.status,
        "skus": [
            {
                "id": sku.id,
                "seller_sku": sku.seller_sku,
                "price": _price(sku, currency),
                "inventory": _sku_inventory(sku),
                "list_price": {"amount": _money(sku.price), "currency": currency},
                "external_list_prices": [],
                "status_info": {"status": "NORMAL", "deactivation_source": ""},
                "fees": [],
            }
            for sku in product.skus
        ],
        "sales_regions": [state.config.region],
        "create_time": product.create_time,
        "update_time": product.update_time,
        "product_sync_fail_reasons": [],
        "is_not_for_sale": False,
        "recommended_categories": [],
        "listing_quality_tier": "GOOD",
        "integrated_platform_statuses": [],
        "audit": {"status": "APPROVED", "pre_approved_reasons": []},
        "product_families": [],
        "has_draft": False,
    }


def product_detail_view(state: ShopState, product: Product) -> dict[str, Any]:
    """The main keys of product-get-202309.response.json `data` (listing-only blocks left out)."""
    currency = state.config.currency
    return {
        "id": product.id,
        "status": product.status,
        "title": product.title,
        "category_chains": [{"id": "600001", "parent_id": "0", "local_name": "Home Supplies", "is_leaf": True}],
        "brand": {"id": "", "name": ""},
        "main_images": [],
        "description": f"<p>{product.title}</p>",
        "package_dimensions": {"length": "10", "width": "8", "height": "4", "unit": "INCH"},
        "package_weight": {"value": "1.2", "unit": "POUND"},
        "skus": [
            {
                "id": sku.id,
                "seller_sku": sku.seller_sku,
                "price": {**_price(sku, currency), "unit_price": _money(sku.price)},
                "inventory": _sku_inventory(sku),
                "identifier_code": {"code": "", "type": ""},
                "sales_attributes": [
                    {"id": "100000", "name": "Variant", "value_id": sku.id[-6:], "value_name": sku.name}
                ],
                "external_sku_id": "",
                "combined_skus": [],
                "sku_unit_count": "1.00",
                "status_info": {"status": "NORMAL", "deactivation_source": ""},
            }
            for sku in product.skus
        ],
        "is_cod_allowed": False,
        "update_time": product.update_time,
        "create_time": product.create_time,
        "is_not_for_sale": False,
        "listing_quality_tier": "GOOD",
        "audit": {"status": "APPROVED", "pre_approved_reasons": []},
        "has_draft": False,
        "product_status": product.status,
    }


def inventory_view(product: Product, skus: list[Sku]) -> dict[str, Any]:
    """One entry of inventory-search-202309.response.json `inventory[]`."""
    return {
        "product_id": product.id,
        "skus": [
            {
                "id": sku.id,
                "seller_sku": sku.seller_sku,
                "total_available_quantity": sum(stock.quantity for stock in sku.inventory.values()),
                "total_committed_quantity": sum(stock.committed for stock in sku.inventory.values()),
                "warehouse_inventory": [
                    {
                        "warehouse_id": warehouse_id,
                        "available_quantity": stock.quantity,
                        "committed_quantity": stock.committed,
                    }
                    for warehouse_id, stock in sku.inventory.items()
                ],
                "total_available_inventory_distribution": {
                    "campaign_inventory": [],
                    "creator_inventory": [],
                    "in_shop_inventory": {"quantity": sum(stock.quantity for stock in sku.inventory.values())},
                },
            }
            for sku in skus
        ],
    }


def _price(sku: Sku, currency: str) -> dict[str, str]:
    return {"currency": currency, "tax_exclusive_price": _money(sku.price), "sale_price": _money(sku.price)}


def _sku_inventory(sku: Sku) -> list[dict[str, Any]]:
    return [
        {
            "warehouse_id": warehouse_id,
            "quantity": stock.quantity,
            "backorder_quantity": stock.backorder_quantity,
            "handling_time": stock.handling_time,
        }
        for warehouse_id, stock in sku.inventory.items()
    ]


def package_detail_view(state: ShopState, package: Package) -> dict[str, Any]:
    """Like package-detail-202309.response.json, for a seller-shipped package."""
    order = state.orders[package.order_id]
    warehouse = state.warehouses.get(order.warehouse_id)
    lines = [line for line in order.line_items if line.id in package.line_item_ids]
    address = _recipient_address(order)
    sender = warehouse.address if warehouse else {}
    return {
        "package_id": package.id,
        "orders": [{"id": order.id, "skus": _package_skus(lines)}],
        "package_status": package.status,
        "split_and_combine_tag": "SPLIT" if len(order.packages) > 1 else "DEFAULT",
        "has_multi_skus": len({line.sku_id for line in lines}) > 1,
        "note_tag": "BUYER_UNNOTED",
        "shipping_provider_name": package.shipping_provider_name,
        "shipping_provider_id": package.shipping_provider_id,
        "shipping_type": order.shipping_type,
        "delivery_option_name": order.delivery_option_name,
        "delivery_option_id": order.delivery_option_id,
        "tracking_number": package.tracking_number,
        "last_mile_tracking_number": "",
        "pickup_slot": {"start_time": 0, "end_time": 0},
        "create_time": package.create_time,
        "handover_method": "DROP_OFF",
        "order_line_item_ids": list(package.line_item_ids),
        "recipient_address": {
            key: address.get(key, "")
            for key in (
                "full_address",
                "phone_number",
                "name",
                "postal_code",
                "address_detail",
                "region_code",
                "address_line1",
                "address_line2",
                "address_line3",
                "address_line4",
            )
        },
        "sender_address": {
            "full_address": sender.get("full_address", ""),
            "phone_number": sender.get("phone_number", ""),
            "name": sender.get("contact_person", ""),
            "postal_code": sender.get("postal_code", ""),
            "address_detail": "",
            "region_code": sender.get("region_code", ""),
            "address_line1": sender.get("address_line1", ""),
            "address_line2": sender.get("address_line2", ""),
            "address_line3": sender.get("address_line3", ""),
            "address_line4": sender.get("address_line4", ""),
        },
        "weight": {"value": "0", "unit": "POUND"},
        "dimension": {"length": "0", "width": "0", "height": "0", "unit": "INCH"},
        "update_time": package.update_time,
        "insurance": {"is_purchased": False, "coverage_amount": "0", "is_claim_eligible": False, "claim_status": ""},
    }


def package_summary_view(state: ShopState, package: Package) -> dict[str, Any]:
    """One entry of package-search-202309.response.json `packages[]`."""
    order = state.orders[package.order_id]
    lines = [line for line in order.line_items if line.id in package.line_item_ids]
    return {
        "id": package.id,
        "orders": [{"id": order.id, "skus": _package_skus(lines)}],
        "create_time": package.create_time,
        "update_time": package.update_time,
        "status": package.status,
        "tracking_number": package.tracking_number,
        "shipping_provider_name": package.shipping_provider_name,
        "shipping_provider_id": package.shipping_provider_id,
        "order_line_item_ids": list(package.line_item_ids),
    }


def _package_skus(lines: list[LineItem]) -> list[dict[str, Any]]:
    grouped: dict[str, dict[str, Any]] = {}
    for line in lines:
        entry = grouped.setdefault(
            line.sku_id,
            {"id": line.sku_id, "name": line.sku_name, "image_url": fakes.sku_image_url(line.sku_id), "quantity": 0},
        )
        entry["quantity"] += 1
    return list(grouped.values())


def tracking_view(state: ShopState, order: Order) -> list[dict[str, Any]]:
    """Like tracking-get-202309.response.json: newest event first, times in milliseconds."""
    events = [
        (stamp, position, description)
        for package_id in order.packages
        if state.packages[package_id].shipped
        for position, (stamp, description) in enumerate(state.packages[package_id].tracking)
    ]
    events.sort(key=lambda event: (event[0], event[1]), reverse=True)
    return [{"description": description, "update_time_millis": stamp * 1000} for stamp, _, description in events]


def cancellation_view(state: ShopState, cancellation: Cancellation) -> dict[str, Any]:
    """One entry of cancellation-search-202309.response.json `cancellations[]`."""
    order = state.orders[cancellation.order_id]
    currency = state.config.currency
    lines = [line for line in order.line_items if line.id in cancellation.line_item_ids]
    pending = cancellation.status == "CANCELLATION_REQUEST_PENDING"
    # NOTE: the search sample answers cancel_type REQUEST_CANCEL_REFUND for a buyer's request,
    # which is not in the filter vocabulary (CANCEL, BUYER_CANCEL; reference §4.5). The sandbox
    # answers the sample's value for buyer requests and CANCEL otherwise; filters use the
    # documented filter vocabulary.
    cancel_type = "REQUEST_CANCEL_REFUND" if cancellation.cancel_type == "BUYER_CANCEL" else "CANCEL"
    return {
        "order_id": cancellation.order_id,
        "cancel_type": cancel_type,
        "cancel_status": cancellation.status,
        "role": cancellation.role,
        "cancel_reason": cancellation.reason,
        "cancel_reason_text": cancellation.reason_text,
        "create_time": cancellation.create_time,
        "update_time": cancellation.update_time,
        "seller_next_action_response": (
            [{"action": "SELLER_RESPOND_CANCEL", "deadline": cancellation.deadline}] if pending else []
        ),
        "refund_amount": _refund_amount(
            lines, currency, with_shipping=len(lines) == len(order.line_items), order=order
        ),
        "cancel_line_items": [
            {
                "cancel_line_item_id": f"{cancellation.id[:4]}{line.id[-15:]}",
                "order_line_item_id": line.id,
                "sku_id": line.sku_id,
                "sku_name": line.sku_name,
                "product_image": {"url": fakes.sku_image_url(line.sku_id), "width": 200, "height": 200},
                "product_name": line.product_name,
                "seller_sku": line.seller_sku,
                "refund_amount": _refund_amount([line], currency),
            }
            for line in lines
        ],
        "cancel_id": cancellation.id,
    }


def return_view(state: ShopState, ret: ReturnRequest) -> dict[str, Any]:
    """One entry of return-search-202309.response.json `return_orders[]`."""
    order = state.orders[ret.order_id]
    currency = state.config.currency
    lines = [line for line in order.line_items if line.id in ret.line_item_ids]
    return_warehouse = next((w for w in state.warehouses.values() if w.type == "RETURN_WAREHOUSE"), None)
    return {
        "order_id": ret.order_id,
        "return_id": ret.id,
        "return_type": ret.return_type,
        "return_status": ret.status,
        "arbitration_status": "",
        "role": "BUYER",
        "return_reason": ret.reason,
        "return_reason_text": ret.reason_text,
        "shipment_type": "PLATFORM",
        "handover_method": "DROP_OFF",
        "return_tracking_number": ret.tracking_number,
        "return_provider_name": ret.provider_name,
        "return_provider_id": ret.provider_id,
        "pre_return_id": "",
        "next_return_id": "",
        "can_buyer_keep_item": False,
        "update_time": ret.update_time,
        "seller_next_action_response": _return_next_action(ret),
        "create_time": ret.create_time,
        "return_line_items": [
            {
                "return_line_item_id": f"{ret.id[:4]}{line.id[-15:]}",
                "order_line_item_id": line.id,
                "sku_id": line.sku_id,
                "sku_name": line.sku_name,
                "product_name": line.product_name,
                "seller_sku": line.seller_sku,
                "product_image": {"url": fakes.sku_image_url(line.sku_id), "width": 200, "height": 200},
                "refund_amount": _refund_amount([line], currency),
            }
            for line in lines
        ],
        "discount_amount": [],
        "shipping_fee_amount": [],
        "refund_amount": _refund_amount(lines, currency),
        "return_shipping_document_type": "SHIPPING_LABEL",
        "return_method": "PLATFORM_SHIPPED",
        "is_combined_return": False,
        "combined_return_id": "",
        "return_warehouse_address": {
            "full_address": return_warehouse.address.get("full_address", "") if return_warehouse else ""
        },
    }


def _return_next_action(ret: ReturnRequest) -> list[dict[str, Any]]:
    deadline = ret.update_time + 2 * 86400
    if ret.status == "RETURN_OR_REFUND_REQUEST_PENDING":
        action = "SELLER_RESPOND_RETURN" if ret.return_type == "RETURN_AND_REFUND" else "SELLER_RESPOND_REFUND"
        return [{"action": action, "deadline": deadline}]
    if ret.status == "BUYER_SHIPPED_ITEM":
        return [{"action": "SELLER_RESPOND_RECEIVE_PACKAGE", "deadline": deadline}]
    return []


def _refund_amount(
    lines: list[LineItem], currency: str, *, with_shipping: bool = False, order: Order | None = None
) -> dict[str, str]:
    subtotal = sum((line.price for line in lines), Decimal("0"))
    shipping = order.shipping_fee if with_shipping and order else Decimal("0")
    tax = ((subtotal + shipping) * TAX_RATE).quantize(CENT)
    return {
        "currency": currency,
        "refund_total": _money(subtotal + shipping + tax),
        "refund_subtotal": _money(subtotal),
        "refund_shipping_fee": _money(shipping),
        "refund_tax": _money(tax),
        "retail_delivery_fee": "0",
        "buyer_service_fee": "0",
    }


def _money(value: Decimal) -> str:
    return str(value.quantize(CENT))
