"""The demo shop: what the two sandboxes hold at start, and the orders a run places over time.

Shapes come from the documented samples (the sandboxes build TikTok orders like
samples/tiktok/order-detail-202507.response.json). The mix exercises every routing rule:
orders passing the buyer's hold window, a buyer cancelling inside it, an SKU Extensiv does
not know, a warehouse nobody linked, an order fulfilled by TikTok, and a channel-SKU mapping.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

# Facilities of the Extensiv sandbox and the TikTok warehouses the operator links to them.
FACILITIES = [
    {"id": 1, "name": "Reno DC", "code": "RNO", "timeZoneName": "Pacific Standard Time"},
    {"id": 2, "name": "Columbus DC", "code": "CMH", "timeZoneName": "Eastern Standard Time"},
]
WAREHOUSES = [
    {"id": "7068517275539719001", "name": "West warehouse", "is_default": True},
    {"id": "7068517275539719002", "name": "East warehouse"},
    {"id": "7068517275539719003", "name": "Pop-up warehouse (not linked)"},
]
LINKS = {"7068517275539719001": "1", "7068517275539719002": "2"}
UNLINKED_WAREHOUSE = "7068517275539719003"

# Master SKU (TikTok seller SKU) -> the SKU Extensiv knows it by, where they differ.
CHANNEL_SKUS = {"TEE-BLK-M": "3PL-TEE-BLACK-M"}
CATALOG = {
    "TEE-BLK-M": "Classic tee, black, M",
    "TEE-WHT-L": "Classic tee, white, L",
    "HOODIE-GRY-L": "Hoodie, grey, L",
    "MUG-CERAMIC": "Ceramic mug",
    "CAP-NAVY": "Cap, navy",
}
UNKNOWN_TO_EXTENSIV = "SOCKS-LIMITED"  # sold on TikTok, never set up in the warehouse
NEW_ON_TIKTOK = {"BEANIE-RED": "Beanie, red"}  # listed on TikTok, not yet ordered nor in Extensiv
DEMO_CARRIERS = [("UPS", "Ground", "UPSN", 45), ("USPS", "Priority Mail", "USPS", 35), ("FedEx", "Ground", "FDEG", 20)]


# Failures the demo injects while orders flow (sandbox, seconds into the run, fault): a
# warehouse 5xx on create, an Extensiv answer lost after the order was created (as if the
# function crashed after the call), and TikTok throttling order reads.
THROTTLED = '{"code":36009002,"message":"Too many requests","request_id":"demo-throttle","data":null}'
FAULTS = [
    ("extensiv", 6.0, {"match": "^/orders$", "method": "POST", "kind": "status", "status": 503}),
    ("extensiv", 13.0, {"match": "^/orders$", "method": "POST", "kind": "lost_response"}),
    (
        "tiktok",
        19.0,
        {
            "match": "^/order/[0-9]+/orders$",
            "method": "GET",
            "kind": "status",
            "status": 429,
            "count": 2,
            "headers": {"Content-Type": "application/json", "x-sandbox-body": THROTTLED},
        },
    ),
]


@dataclass(frozen=True)
class PlannedOrder:
    """One order the demo places, and what the connector is expected to do with it."""

    at_second: float
    kind: str
    spec: dict

    @property
    def expected_in_extensiv(self) -> bool:
        return self.kind in ("plain", "mapped_sku", "cancel_after_handoff", "cancel_too_late", "warehouse_cancels")


@dataclass
class DemoShop:
    """Seed data and a deterministic order plan for a run of `duration` seconds."""

    duration: float
    seed: int = 7
    hold_seconds: float = 12.0
    plan: list[PlannedOrder] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.plan = self._plan()

    @property
    def settle_seconds(self) -> float:
        """The end of the run that lets every flow finish what the demo started."""
        return max(20.0, min(40.0, self.duration * 0.35))

    # --- seed data -------------------------------------------------------------------------

    def tiktok_config(self) -> dict:
        return {
            "unpaid_seconds": 1.0,
            "hold_seconds": self.hold_seconds,
            "in_transit_seconds": 60.0,
            # NOTE: TikTok redelivers unanswered webhooks after minutes (reference §5.1); the
            # demo shortens that, and sends a share of deliveries twice, as TikTok may.
            "webhook_retry_delays": [3.0, 10.0, 30.0],
            "webhook_duplicate_ratio": 0.3,
            "seed": self.seed,
        }

    def tiktok_products(self) -> list[dict]:
        warehouse_ids = [warehouse["id"] for warehouse in WAREHOUSES]
        skus = {**CATALOG, UNKNOWN_TO_EXTENSIV: "Limited socks", **NEW_ON_TIKTOK}
        return [
            {
                "title": title,
                "skus": [
                    {
                        "seller_sku": sku,
                        "inventory": [{"warehouse_id": warehouse_id, "quantity": 0} for warehouse_id in warehouse_ids],
                    }
                ],
            }
            for sku, title in skus.items()
        ]

    def extensiv_config(self) -> dict:
        return {
            "client_id": "demo-client-id",
            "client_secret": "demo-client-secret",
            "customer_id": 1001,
            "user_id": 1523,
            "ship_after_seconds": 12.0,
            "split_ratio": 0.25,
            # The warehouse cancels one planned order itself (kind warehouse_cancels), not at random.
            "cancel_ratio": 0.0,
            "stock_drift_every_seconds": 15.0,
            # Carriers the demo shop's TikTok delivery options list; a carrier TikTok does not
            # list is held by the tracking pre-flight (covered by the fulfillment tests).
            "carriers": [
                {"name": name, "mode": mode, "scac_code": scac, "weight": weight, "tracking_format": name.lower()}
                for name, mode, scac, weight in DEMO_CARRIERS
            ],
            "ticker_interval_seconds": 1.0,
            "seed": self.seed,
        }

    def extensiv_seed(self) -> dict:
        items = [{"sku": CHANNEL_SKUS.get(sku, sku), "description": title} for sku, title in CATALOG.items()]
        stock = [
            {"sku": item["sku"], "facilityId": facility["id"], "onHand": 40 + 7 * index}
            for index, item in enumerate(items)
            for facility in FACILITIES
        ]
        return {"facilities": FACILITIES, "items": items, "stock": stock}

    def extensiv_secret(self) -> dict:
        config = self.extensiv_config()
        return {
            "client_id": config["client_id"],
            "client_secret": config["client_secret"],
            "customer_id": config["customer_id"],
            "user_id": str(config["user_id"]),
        }

    # --- the order plan --------------------------------------------------------------------

    def _plan(self) -> list[PlannedOrder]:
        """Orders every few seconds until a settle window before the end, so every hold ends in time."""
        rng = random.Random(self.seed)
        last_order_at = max(5.0, self.duration - self.settle_seconds - self.hold_seconds - 15.0)
        # Every kind early (so a short run shows each rule), plain orders most of the time after.
        kinds = [
            "plain",
            "unknown_sku",
            "mapped_sku",
            "unlinked",
            "cancel_after_handoff",
            "fbt",
            "cancel_in_hold",
            "cancel_too_late",
            "warehouse_cancels",
            "plain",
        ]
        plan = []
        at = 1.0
        index = 0
        while at <= last_order_at:
            kind = kinds[index % len(kinds)] if index < len(kinds) else rng.choice(kinds)
            plan.append(PlannedOrder(at, kind, self._spec(kind, rng)))
            index += 1
            at += 2.0
        return plan

    def _spec(self, kind: str, rng: random.Random) -> dict:
        warehouse_id = rng.choice(sorted(LINKS))
        plain_skus = [sku for sku in CATALOG if sku not in CHANNEL_SKUS]
        lines = [{"seller_sku": rng.choice(plain_skus), "quantity": rng.randint(1, 3)}]
        # Every order starts unpaid and goes through the buyer's hold window, as on TikTok.
        spec: dict = {"warehouse_id": warehouse_id, "lines": lines, "status": "UNPAID"}
        if kind == "mapped_sku":
            lines.append({"seller_sku": "TEE-BLK-M", "quantity": 2})
        elif kind == "unknown_sku":
            lines.append({"seller_sku": UNKNOWN_TO_EXTENSIV, "quantity": 1})
        elif kind == "unlinked":
            spec["warehouse_id"] = UNLINKED_WAREHOUSE
        elif kind == "fbt":
            spec["fulfillment_type"] = "FULFILLMENT_BY_TIKTOK"
        return spec

    def due(self, elapsed: float, placed: int) -> list[PlannedOrder]:
        """Planned orders whose time has come, after the first `placed` ones."""
        return [order for order in self.plan[placed:] if order.at_second <= elapsed]
