"""Extensiv 3PL Warehouse Manager (formerly 3PL Central): credentials, client, models, errors.

Field names, paths and limits follow the integration reference (reference/extensiv.md);
nothing here touches the network until a client method is called.
"""

from extensiv.auth import (
    ENVIRONMENTS,
    ConnectionCheck,
    ExtensivCredentials,
    TokenProvider,
    resolve_base_url,
)
from extensiv.client import COLLECTIONS, ExtensivClient
from extensiv.errors import (
    ExtensivApiError,
    ExtensivAuthError,
    ExtensivError,
    ExtensivServerError,
    ExtensivUnavailable,
    Forbidden,
    NotFound,
    OperationRejected,
    PreconditionFailed,
    PreconditionRequired,
    QueryRejected,
    RateLimited,
    Unauthorized,
    ValidationFailed,
    error_from_response,
)
from extensiv.models import (
    ExtensivOrder,
    Facility,
    Item,
    OrderCreate,
    OrderLine,
    OrderStatus,
    Receiver,
    ReceiverCreate,
    ReceiverLine,
    ReceiverType,
    SavedElement,
    ShipTo,
    StockSummary,
)

__all__ = [
    "COLLECTIONS",
    "ENVIRONMENTS",
    "ConnectionCheck",
    "ExtensivApiError",
    "ExtensivAuthError",
    "ExtensivClient",
    "ExtensivCredentials",
    "ExtensivError",
    "ExtensivOrder",
    "ExtensivServerError",
    "ExtensivUnavailable",
    "Facility",
    "Forbidden",
    "Item",
    "NotFound",
    "OperationRejected",
    "OrderCreate",
    "OrderLine",
    "OrderStatus",
    "PreconditionFailed",
    "PreconditionRequired",
    "QueryRejected",
    "RateLimited",
    "Receiver",
    "ReceiverCreate",
    "ReceiverLine",
    "ReceiverType",
    "SavedElement",
    "ShipTo",
    "StockSummary",
    "TokenProvider",
    "Unauthorized",
    "ValidationFailed",
    "error_from_response",
    "resolve_base_url",
]
