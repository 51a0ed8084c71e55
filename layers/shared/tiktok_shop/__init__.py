"""TikTok Shop Partner API: signing, typed errors, payload models and the client.

Nothing here touches the network at import time; the client takes its `requests.Session`.
"""

from tiktok_shop.client import TikTokShopClient
from tiktok_shop.credentials import TikTokCredentials
from tiktok_shop.errors import (
    AccessTokenExpired,
    CredentialsRejected,
    InvalidSignature,
    MalformedPayload,
    NotFound,
    OrderOnHold,
    RateLimited,
    TikTokApiError,
    TikTokServerError,
    TikTokShopError,
    TikTokUnavailable,
    ValidationFailed,
    VersionRetired,
    error_for,
)
from tiktok_shop.signing import sign_request, verify_webhook, webhook_signature

__all__ = [
    "AccessTokenExpired",
    "CredentialsRejected",
    "InvalidSignature",
    "MalformedPayload",
    "NotFound",
    "OrderOnHold",
    "RateLimited",
    "TikTokApiError",
    "TikTokCredentials",
    "TikTokServerError",
    "TikTokShopClient",
    "TikTokShopError",
    "TikTokUnavailable",
    "ValidationFailed",
    "VersionRetired",
    "error_for",
    "sign_request",
    "verify_webhook",
    "webhook_signature",
]
