"""Resources that hold a password, token or key show `***` for it in repr() and str(), so a resource printed in a
log line, an error or a debugger never gives the secret away. The value itself is unchanged for the code that uses
it."""

from __future__ import annotations

from typing import ClassVar

HIDDEN = "***"


class HidesSecrets:
    """Mixin for Dagster resources (pydantic models): the fields named in `secret_fields` print as `***`."""

    secret_fields: ClassVar[frozenset[str]] = frozenset()

    def __repr_args__(self):
        for name, value in super().__repr_args__():
            yield name, HIDDEN if name in self.secret_fields and value is not None else value
