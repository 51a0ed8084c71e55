"""syncctl: the operator's command for one connector stack (local or deployed).

Not part of the Lambda layer (layers/shared/Makefile copies only the runtime packages); it is
installed into the developer environment by `pip install -e .` with the `syncctl` script.
"""
