"""Realistic but fake US buyers, addresses and catalog words, drawn from a seeded generator.

Nothing here is a real person or a deliverable address: phone numbers use the 555-01xx
fiction range, e-mail and image hosts use the reserved `.invalid` top-level domain.
"""

from __future__ import annotations

import random
from typing import Any

FIRST_NAMES = (
    "Avery", "Jordan", "Maya", "Elijah", "Harper", "Lucas", "Nora", "Mateo", "Chloe", "Isaac",
    "Layla", "Owen", "Zoe", "Caleb", "Aria", "Ethan", "Grace", "Julian", "Ruby", "Samuel",
)  # fmt: skip
LAST_NAMES = (
    "Bennett", "Alvarez", "Nguyen", "Patel", "Okafor", "Kowalski", "Reyes", "Fischer", "Chen",
    "Morrison", "Delgado", "Hughes", "Sato", "Ramirez", "Whitaker", "Larsen", "Mbeki", "Castillo",
)  # fmt: skip
STREETS = (
    "Maple Ave", "Cedar St", "Lakeview Dr", "Sunset Blvd", "Hillcrest Rd", "Oak Ln", "Pine Ridge Ct",
    "Riverside Dr", "Elm St", "Willow Way", "Harbor Rd", "Meadow Ln",
)  # fmt: skip
# (city, county, state name, state code, ZIP, area code)
CITIES = (
    ("Austin", "Travis County", "Texas", "TX", "78704", "512"),
    ("Columbus", "Franklin County", "Ohio", "OH", "43215", "614"),
    ("Boise", "Ada County", "Idaho", "ID", "83702", "208"),
    ("Raleigh", "Wake County", "North Carolina", "NC", "27601", "919"),
    ("Portland", "Multnomah County", "Oregon", "OR", "97205", "503"),
    ("Madison", "Dane County", "Wisconsin", "WI", "53703", "608"),
    ("Tucson", "Pima County", "Arizona", "AZ", "85701", "520"),
    ("Savannah", "Chatham County", "Georgia", "GA", "31401", "912"),
    ("Albany", "Albany County", "New York", "NY", "12207", "518"),
    ("Denver", "Denver County", "Colorado", "CO", "80202", "303"),
)
DROP_OFF = ("Front Door", "Back Door", "Mailroom", "Side Porch")
IMAGE_BASE = "https://images.sandbox.invalid/sku"


def fake_recipient_address(rng: random.Random) -> dict[str, Any]:
    """A US recipient shaped like `recipient_address` in order-detail-202507 (key for key)."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    city, county, state, state_code, zip_code, area = rng.choice(CITIES)
    line1 = f"{rng.randint(100, 9899)} {rng.choice(STREETS)}"
    line2 = rng.choice(("", "", f"Apt {rng.randint(1, 40)}", f"Unit {rng.randint(100, 499)}"))
    phone = f"(+1){area}-555-01{rng.randint(0, 99):02d}"
    street = f"{line1} {line2}".strip()
    return {
        "full_address": f"{street}, {city}, {state_code} {zip_code}",
        "phone_number": phone,
        "name": f"{first} {last}",
        "first_name": first,
        "last_name": last,
        "first_name_local_script": "",
        "last_name_local_script": "",
        "region_code": "US",
        "postal_code": zip_code,
        "post_town": "",
        "address_line1": line1,
        "address_line2": line2,
        "address_line3": "",
        "address_line4": "",
        "district_info": [
            {"address_level_name": "Country", "address_name": "United States", "address_level": "L0"},
            {"address_level_name": "State", "address_name": state, "address_level": "L1"},
            {"address_level_name": "County", "address_name": county, "address_level": "L2"},
            {"address_level_name": "City", "address_name": city, "address_level": "L3"},
        ],
        "delivery_preferences": {"drop_off_location": rng.choice(DROP_OFF)},
        "address_detail": line2,
    }


def masked_recipient_address(address: dict[str, Any]) -> dict[str, Any]:
    """The address as the US market masks it once an order is CANCELLED (reference §4.1.2)."""
    if not address:
        return {}
    masked = dict(address)
    phone = address.get("phone_number", "")
    masked["phone_number"] = f"{phone[:7]}***{phone[-4:]}" if len(phone) > 11 else "***"
    masked["name"] = _mask_word(address.get("name", ""))
    masked["address_detail"] = ""
    masked["address_line1"] = "***"
    masked["address_line2"] = ""
    postal = address.get("postal_code", "")
    masked["postal_code"] = postal[:3] + "**" if postal else ""
    masked["delivery_preferences"] = {"drop_off_location": ""}
    masked["district_info"] = [
        level for level in address.get("district_info", []) if level["address_level"] in {"L0", "L1", "L2"}
    ]
    masked["full_address"] = "***"
    return masked


def fake_buyer_email(rng: random.Random) -> str:
    alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
    local = "".join(rng.choice(alphabet) for _ in range(8))
    return f"{local}@relay.sandbox.invalid"


def sku_image_url(sku_id: str) -> str:
    return f"{IMAGE_BASE}/{sku_id}.jpeg"


def _mask_word(value: str) -> str:
    return f"{value[0]}***" if value else ""
