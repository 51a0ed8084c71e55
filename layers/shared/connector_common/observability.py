"""Structured logs for every module a function runs, not only its handler."""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

LAYER_PACKAGES = frozenset({"connector_common", "extensiv", "hub", "tiktok_shop"})


def route_library_logs(logger: Logger, *function_modules: str) -> None:
    """Give the layer's and the function's own module loggers the handler's JSON formatter.

    Layer modules log through the standard `logging` module (they must not depend on a
    handler); this copies the Powertools handler onto their top-level loggers so every line
    is one JSON object with the handler's keys (order id, cold start, request id).
    """
    copy_config_to_registered_loggers(source_logger=logger, include=set(LAYER_PACKAGES | set(function_modules)))
