"""Extensiv carrier -> TikTok shipping provider, only among the providers TikTok lists."""

from __future__ import annotations

import pytest
from carrier_mapping import candidate_names, resolve_provider

from hub.fulfillments import CarrierOverride, carrier_key
from tiktok_shop.models import ShippingProvider

# The providers of the documented sample (USPS) and the sandbox shop's standard option.
LISTED = [
    ShippingProvider(id="7117858858072016686", name="USPS"),
    ShippingProvider(id="7117000000000000001", name="UPS"),
    ShippingProvider(id="7117000000000000002", name="FedEx"),
    ShippingProvider(id="7117000000000000003", name="DHL eCommerce"),
]


def chosen(carrier: str | None, scac: str | None = None, override: CarrierOverride | None = None) -> str | None:
    decision = resolve_provider(carrier, scac, LISTED, override)
    return decision.provider.name if decision.provider else None


@pytest.mark.parametrize(
    ("carrier", "provider"),
    [
        ("UPS", "UPS"),
        ("ups", "UPS"),
        ("UPS Ground", "UPS"),
        ("United Parcel Service", "UPS"),
        ("USPS", "USPS"),
        ("USPS Priority Mail", "USPS"),
        ("FedEx", "FedEx"),
        ("FedEx Ground", "FedEx"),
        ("Federal Express", "FedEx"),
        ("DHL eCommerce", "DHL eCommerce"),
        ("DHL", "DHL eCommerce"),
    ],
)
def test_default_table_maps_common_extensiv_carriers_to_listed_providers(carrier, provider):
    assert chosen(carrier) == provider


def test_scac_code_is_used_when_the_carrier_name_means_nothing():
    assert chosen("Warehouse pickup 3", scac="FDEG") == "FedEx"


def test_carrier_tiktok_does_not_list_is_not_accepted_and_the_detail_names_what_is_listed():
    decision = resolve_provider("OnTrac", "EMSY", LISTED)

    assert decision.provider is None
    assert decision.detail == (
        "carrier OnTrac matches no shipping provider TikTok lists (listed: DHL eCommerce, FedEx, UPS, USPS)"
    )


def test_dhl_express_is_never_pushed_as_dhl_ecommerce():
    assert chosen("DHL Express") is None


def test_no_carrier_at_all_is_not_accepted():
    assert resolve_provider(None, None, LISTED).detail == "the Extensiv order names no carrier"


def test_override_by_name_wins_over_the_default_table():
    override = CarrierOverride("UPS", shipping_provider_name="USPS")

    assert chosen("UPS", override=override) == "USPS"


def test_override_by_provider_id_picks_that_provider():
    override = CarrierOverride("Acme Parcel", shipping_provider_id="7117000000000000002")

    assert chosen("Acme Parcel", override=override) == "FedEx"


def test_override_to_a_provider_tiktok_does_not_list_is_not_accepted():
    decision = resolve_provider("Acme Parcel", None, LISTED, CarrierOverride("Acme Parcel", "OnTrac"))

    assert decision.provider is None
    assert decision.detail.startswith("override OnTrac for carrier Acme Parcel is not listed")


def test_carrier_named_like_a_listed_provider_outside_the_table_is_accepted():
    providers = [*LISTED, ShippingProvider(id="7117000000000000009", name="Pitney Bowes")]

    assert resolve_provider("pitney-bowes", None, providers).provider.id == "7117000000000000009"


def test_nothing_listed_accepts_nothing():
    decision = resolve_provider("UPS", "UPSN", [])

    assert decision.provider is None
    assert decision.detail.endswith("(listed: none)")


def test_candidate_names_prefer_the_longest_table_entry():
    assert candidate_names("DHL eCommerce Parcel", None) == ["DHL eCommerce", "DHL eCommerce Parcel"]


def test_carrier_key_folds_case_spaces_and_punctuation():
    assert carrier_key(" FedEx-Ground ") == carrier_key("fedex ground") == "fedexground"
