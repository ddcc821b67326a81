"""Data for a page's scripts, embedded as `<script type="application/json">`: JSON that cannot end the script
element or open a comment, whatever raw file names and annotation texts hold."""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

# `<` and `>` cannot close the element (`</script>`) or start `<!--`; `&` cannot start an entity; U+2028 and U+2029
# are line ends to older JavaScript parsers
_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_json(data: Any) -> Markup:
    text = json.dumps(data, separators=(",", ":"), allow_nan=False, default=str)
    for char, escaped in _ESCAPES.items():
        text = text.replace(char, escaped)
    return Markup(text)  # noqa: S704 - every character that could end the element is escaped above
