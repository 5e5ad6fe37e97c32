"""YAML (`---`) and TOML (`+++`) front matter of Markdown and Hugo pages, read with PyYAML and
tomllib; only the fields the output shows are returned."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import yaml

_YAML = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_TOML = re.compile(r"\A\+\+\+[ \t]*\n(.*?\n)?\+\+\+[ \t]*(?:\n|\Z)", re.S)
SHOWN_FIELDS = ("title", "description")


def has_front_matter(text: str) -> bool:
    return bool(_YAML.match(text) or _TOML.match(text))


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """({'title': …, 'description': …} as found, body without the front matter).

    A block that does not parse is still removed (it is metadata, not prose), and gives no
    fields.
    """
    for pattern, load in ((_YAML, _load_yaml), (_TOML, _load_toml)):
        m = pattern.match(text)
        if m:
            data = load(m.group(1) or "")
            fields = {key: _scalar(data.get(key)) for key in SHOWN_FIELDS}
            return {k: v for k, v in fields.items() if v}, text[m.end() :]
    return {}, text


def _load_yaml(block: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(block)
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def _load_toml(block: str) -> dict[str, Any]:
    try:
        return tomllib.loads(block)
    except tomllib.TOMLDecodeError:
        return {}


def _scalar(value: object) -> str:
    # A title may be a number or a date in YAML; lists and tables are not shown.
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).strip()
