"""Fixtures shared by the TikTok Shop unit tests: documented samples and fake credentials."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tiktok_shop.credentials import TikTokCredentials

REPO_ROOT = Path(__file__).resolve().parents[3]
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "tiktok"
# CI lays a copy of shared/ beside the repository.
SHARED_SAMPLES = REPO_ROOT.parent / "shared" / "reference" / "samples"

# The inputs of signing vectors V1 and V4-V7 (reference §2.2).
VECTOR_APP_KEY = "29a39d"
VECTOR_APP_SECRET = "e59af819cc"
VECTOR_SHOP_CIPHER = "GCP_XF90igAAAABh00qsWgtvOiGFNqyubMt3"
VECTOR_TIMESTAMP = 1623812664


@pytest.fixture(scope="session")
def shared_tiktok_samples() -> Path:
    """The documented samples in shared/, to check the committed copies against.

    A clone without shared/ beside it (a user's checkout) skips the comparison; the copies in
    tests/fixtures/ are what every other test reads.
    """
    folder = SHARED_SAMPLES / "tiktok"
    if not folder.is_dir():
        pytest.skip(f"documented samples not beside the repository ({folder}); comparing copies skipped")
    return folder


@pytest.fixture(scope="session")
def tiktok_sample() -> Callable[[str], bytes]:
    """Raw bytes of a sample copied byte-exact into tests/fixtures/tiktok/."""

    def load(name: str) -> bytes:
        return (FIXTURES / name).read_bytes()

    return load


@pytest.fixture
def credentials() -> TikTokCredentials:
    return TikTokCredentials(
        app_key=VECTOR_APP_KEY,
        app_secret=VECTOR_APP_SECRET,
        access_token="TTP_fake-access-token",
        refresh_token="TTP_fake-refresh-token",
        shop_cipher=VECTOR_SHOP_CIPHER,
        shop_id="7000714532876273420",
        access_token_expires_at=VECTOR_TIMESTAMP + 7 * 86400,
        refresh_token_expires_at=VECTOR_TIMESTAMP + 365 * 86400,
    )
