"""The site's job header: `#SBATCH` lines and a few declared setup commands from the YAML
(`quanting.slurm.job_header`), put in front of the job script's body. The script the platform installs and
hash-checks is the composed one, so a site header never breaks the check. No I/O here.

Only the YAML (operators) sets the header; nothing from the companion or any other web form reaches it.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache

from kraken_core.quanting.job_request import JOB_SCRIPT

# commands a header line may start with (site environment setup only)
SETUP_COMMANDS = ("module", "ml", "source", "export", "ulimit", "umask")
# options the platform sets itself on the sbatch command line (they would be overridden, or redirect the log)
PLATFORM_OPTIONS = ("output", "error", "export", "job-name", "parsable", "wrap", "chdir", "array")
_SBATCH = re.compile(r"#SBATCH --([a-z][a-z0-9-]*)(?:[= ]([A-Za-z0-9_.,:+@%/\[\]=-]+))?")
_SETUP_WORD = re.compile(r"[A-Za-z0-9_.,:+@%/=-]+")


class JobHeaderError(ValueError):
    """A header line that is not an `#SBATCH` option or a declared setup command."""


def check_header_line(line: str) -> str:
    text = line.strip()
    if text.startswith("#SBATCH"):
        match = _SBATCH.fullmatch(text)
        if not match:
            raise JobHeaderError(f"job header line {line!r}: expected `#SBATCH --option[=value]` with a plain value")
        if match.group(1) in PLATFORM_OPTIONS:
            raise JobHeaderError(f"job header line {line!r}: --{match.group(1)} is set by the platform "
                                 f"(not allowed: {', '.join(PLATFORM_OPTIONS)})")
        return text
    words = text.split()
    if not words or words[0] not in SETUP_COMMANDS:
        raise JobHeaderError(f"job header line {line!r}: only `#SBATCH` lines and the setup commands "
                             f"{', '.join(SETUP_COMMANDS)} are allowed")
    for word in words[1:]:
        if not _SETUP_WORD.fullmatch(word):
            raise JobHeaderError(f"job header line {line!r}: {word!r} has characters a setup command may not use "
                                 f"(no $, quotes, ;, |, &, <, >, backticks)")
    return " ".join(words)


def check_header(lines: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    checked = tuple(check_header_line(line) for line in lines)
    sbatch = [i for i, line in enumerate(checked) if line.startswith("#SBATCH")]
    if sbatch and sbatch[-1] >= len(sbatch):
        raise JobHeaderError("job header: every `#SBATCH` line must come before the setup commands "
                             "(sbatch stops reading options at the first command)")
    return checked


def compose_job_script(body: bytes, header: tuple[str, ...]) -> bytes:
    """Shebang, the site's `#SBATCH` lines, its setup commands, then the platform's script body."""
    if not header:
        return body
    first, _, rest = body.partition(b"\n")
    if not first.startswith(b"#!"):
        raise ValueError("the job script must start with a shebang line")
    sbatch = [line for line in header if line.startswith("#SBATCH")]
    setup = [line for line in header if not line.startswith("#SBATCH")]
    lines = [first.decode(), *sbatch, "# site setup (quanting.slurm.job_header)", *setup]
    return ("\n".join(lines) + "\n").encode() + rest


@cache
def job_script(header: tuple[str, ...] = ()) -> tuple[bytes, str]:
    """The script to install for this header, and its sha256."""
    data = compose_job_script(JOB_SCRIPT.read_bytes(), check_header(header))
    return data, hashlib.sha256(data).hexdigest()
