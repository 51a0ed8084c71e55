"""Load a function's `app.py` under a unique module name (every function has an `app.py`)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"


def load_app(function: str) -> ModuleType:
    """Import functions/<function>/app.py fresh, as module `<function>_app`."""
    name = f"{function}_app"
    sys.modules.pop(name, None)
    spec = importlib.util.spec_from_file_location(name, FUNCTIONS / function / "app.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class LambdaContext:
    """The attributes Powertools reads from a Lambda context."""

    function_name = "test-function"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    aws_request_id = "test-request"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000
