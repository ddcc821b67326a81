"""AlphaKraken's tokens in a tool's command template, and how a template is filled.

AlphaKraken replaces bare upper-case tokens (`RAW_FILE_PATH`, `OUTPUT_PATH`, ...) in the command text and hands the
result to a shell. Here the template is split into words once, a token is replaced only where it stands as a whole
identifier (`OUTPUT_PATH` inside `RELATIVE_OUTPUT_PATH` is not touched, whatever the order), and every filled word is
quoted for the shell again: a value with spaces, `;` or `$(...)` stays one inert word.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping

# token -> what it is, as the cluster sees it (AlphaKraken's eight first, then this platform's)
BUILT_IN_TOKENS: dict[str, str] = {
    "RAW_FILE_PATH": "the raw file the tool opens (for Sciex: the job's temporary copy of the file set)",
    "RELATIVE_RAW_FILE_PATH": "the raw file below locations.backup: <instrument>/<YYYY_MM>/<name>",
    "OUTPUT_PATH": "the job's output folder",
    "RELATIVE_OUTPUT_PATH": "the output folder below locations.output",
    "LIBRARY_PATH": "the settings' spectral library file",
    "FASTA_PATH": "the settings' fasta file",
    "NUM_THREADS": "the settings' thread count",
    "PROJECT_ID": "the raw file's project, or _FALLBACK",
    "RAW_FILE_BACKUP_PATH": "the raw file in the backup pool (for Sciex: the .wiff of the original set)",
    "RAW_FILE_ID": "the raw file id",
    "SETTINGS_PATH": "the settings folder <settings>/<settings name>",
    "CONFIG_PATH": "the settings' config file",
    "SOFTWARE_PATH": "locations.software (the software folder)",
}
# tokens whose value comes from a file name of the settings: a settings version must name that file
FILE_TOKENS = {"LIBRARY_PATH": "speclib_file_name", "FASTA_PATH": "fasta_file_name", "CONFIG_PATH": "config_file_name"}

_TOKEN = re.compile(r"(?<![A-Za-z0-9_])([A-Z][A-Z0-9_]*)(?![A-Za-z0-9_])")


def parameter_token(name: str) -> str:
    """A declared parameter `tolerance` is written `TOLERANCE` in the template."""
    return name.upper()


def template_words(template: str) -> list[str]:
    """The template's words as the shell would split them; ValueError for unbalanced quotes."""
    return shlex.split(template)


def tokens_in(words: Iterable[str]) -> set[str]:
    """Every upper-case identifier standing on its own in the words (tokens and, possibly, plain option values)."""
    return {match for word in words for match in _TOKEN.findall(word)}


def fill_words(words: Iterable[str], values: Mapping[str, str]) -> list[str]:
    """Each word with the tokens of `values` replaced; identifiers that are not tokens stay as written."""
    return [_TOKEN.sub(lambda m: values.get(m.group(1), m.group(1)), word) for word in words]


def shell_command(words: Iterable[str]) -> str:
    """One command line, every word quoted (the job script evaluates it only to split it into these words)."""
    return shlex.join(list(words))
