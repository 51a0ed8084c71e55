"""Which TikTok shipping provider an Extensiv carrier is, checked against what TikTok lists.

Pure: the push gathers the providers TikTok lists for the order's delivery option (Get
Shipping Providers, reference/tiktok-shop.md §4.3) and the operator's override, if any. A
carrier that matches none of the listed providers is not accepted, and the package is held
instead of pushed with a guess: a seller may correct tracking only once (SPEC).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hub.fulfillments import CarrierOverride, carrier_key
from tiktok_shop.models import ShippingProvider

# Folded Extensiv carrier names (and SCAC codes) -> TikTok provider names, preferred first.
# A carrier name matches the longest entry it starts with, so `FedEx Ground` finds `fedex`
# and `DHL eCommerce` finds `dhlecommerce` before `dhl`.
DEFAULT_PROVIDER_NAMES: dict[str, tuple[str, ...]] = {
    "ups": ("UPS",),
    "unitedparcelservice": ("UPS",),
    "usps": ("USPS",),
    "unitedstatespostalservice": ("USPS",),
    "fedex": ("FedEx",),
    "federalexpress": ("FedEx",),
    "dhlecommerce": ("DHL eCommerce",),
    "dhlglobalmail": ("DHL eCommerce",),
    "dhlexpress": ("DHL Express",),
    # NOTE: a bare "DHL" from a US warehouse is usually DHL eCommerce, the parcel service 3PLs
    # hand over to, but nothing documents that: an exact "DHL" provider wins, and an operator
    # override is the way to say otherwise.
    "dhl": ("DHL", "DHL eCommerce"),
    "ontrac": ("OnTrac",),
    "lasership": ("LaserShip",),
    "amazonshipping": ("Amazon Shipping",),
    "royalmail": ("Royal Mail",),
    "evri": ("Evri",),
    "hermes": ("Evri",),
    "parcelforce": ("Parcelforce",),
    "dpd": ("DPD",),
    "canadapost": ("Canada Post",),
}

# Standard carrier alpha codes as Extensiv's `routingInfo.scacCode` carries them, used when the
# carrier name itself matches nothing.
SCAC_PROVIDER_NAMES: dict[str, tuple[str, ...]] = {
    "upsn": ("UPS",),
    "upgf": ("UPS",),
    "usps": ("USPS",),
    "fdeg": ("FedEx",),
    "fdex": ("FedEx",),
    "fdxg": ("FedEx",),
    "fdxe": ("FedEx",),
    "dhlc": ("DHL eCommerce",),
    "dhlx": ("DHL Express",),
    "emsy": ("OnTrac",),
}


@dataclass(frozen=True)
class CarrierDecision:
    """The provider to push with, or None with the reason an operator reads."""

    provider: ShippingProvider | None
    how: str
    detail: str | None = None

    @property
    def is_accepted(self) -> bool:
        return self.provider is not None


def resolve_provider(
    carrier: str | None,
    scac: str | None,
    providers: Sequence[ShippingProvider],
    override: CarrierOverride | None = None,
) -> CarrierDecision:
    """Pick the listed TikTok provider for an Extensiv carrier: the operator's override first,
    then the default table, then a provider with the carrier's own name."""
    listed = ", ".join(sorted(provider.name or provider.id for provider in providers)) or "none"
    if override is not None:
        chosen = _by_override(override, providers)
        if chosen is None:
            wanted = override.shipping_provider_id or override.shipping_provider_name
            detail = f"override {wanted} for carrier {override.extensiv_carrier} is not listed (listed: {listed})"
            return CarrierDecision(None, "override", detail)
        return CarrierDecision(chosen, "override")

    if not (carrier and carrier.strip()) and not (scac and scac.strip()):
        return CarrierDecision(None, "missing", "the Extensiv order names no carrier")
    for name in candidate_names(carrier, scac):
        chosen = _by_name(name, providers)
        if chosen is not None:
            return CarrierDecision(chosen, "default")
    detail = f"carrier {carrier or scac} matches no shipping provider TikTok lists (listed: {listed})"
    return CarrierDecision(None, "default", detail)


def candidate_names(carrier: str | None, scac: str | None) -> list[str]:
    """TikTok provider names an Extensiv carrier may stand for, most likely first."""
    names: list[str] = []
    folded = carrier_key(carrier or "")
    if folded:
        prefixes = sorted((key for key in DEFAULT_PROVIDER_NAMES if folded.startswith(key)), key=len, reverse=True)
        if prefixes:
            names.extend(DEFAULT_PROVIDER_NAMES[prefixes[0]])
        names.append(carrier.strip() if carrier else "")
    names.extend(SCAC_PROVIDER_NAMES.get(carrier_key(scac or ""), ()))
    return [name for name in dict.fromkeys(names) if name]


def _by_override(override: CarrierOverride, providers: Sequence[ShippingProvider]) -> ShippingProvider | None:
    if override.shipping_provider_id:
        return next((provider for provider in providers if provider.id == override.shipping_provider_id), None)
    return _by_name(override.shipping_provider_name or "", providers)


def _by_name(name: str, providers: Sequence[ShippingProvider]) -> ShippingProvider | None:
    wanted = carrier_key(name)
    if not wanted:
        return None
    return next((provider for provider in providers if carrier_key(provider.name or "") == wanted), None)
