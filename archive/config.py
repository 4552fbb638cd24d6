"""Operator configuration: a TOML file whose values become the commands' defaults.

Precedence, highest first: a command-line option, its environment variable
(``PORTAL_ARCHIVE_DB`` …), the config file, the built-in default. The file is
``--config PATH``, else ``$PORTAL_ARCHIVE_CONFIG``, else ``./portal-archive.toml`` when present::

    db = "/srv/archive/archive.db"            # every command's --db
    registry = "/etc/portal-archive/portals.toml"
    contact = "https://example.org/archive"   # contact URL in the crawler's User-Agent

    [crawl]                                    # defaults of one command's options
    delay = 2.0
    max_pages = 20

    [serve]
    host = "0.0.0.0"
    port = 8001
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import click

DEFAULT_CONFIG = Path("portal-archive.toml")
# Top-level keys that apply to every command having the matching option.
GLOBAL_KEYS = {"db": "db_path", "registry": "registry"}
ENV_KEYS = {"contact": "PORTAL_ARCHIVE_CONTACT"}


class ConfigError(click.ClickException):
    exit_code = 2


def config_path(explicit: str | None) -> Path | None:
    """The config file in use, or None when there is none."""
    if explicit:
        return Path(explicit)
    from_env = os.environ.get("PORTAL_ARCHIVE_CONFIG")
    if from_env:
        return Path(from_env)
    return DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None


def load_config(path: Path, group: click.Group) -> dict[str, dict[str, Any]]:
    """Read the file and turn it into click's ``default_map``, validating every key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}: {exc.reason}); TOML files are UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    default_map: dict[str, dict[str, Any]] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            command = group.commands.get(key)
            if command is None:
                raise ConfigError(f"{path}: [{key}]: no such command")
            # An option is named in the file as on the command line (at, max-pages) or by
            # its parameter name (max_pages); db/registry as at the top level.
            names = {}
            for param in command.params:
                for alias in [param.name, *(o.lstrip("-") for o in getattr(param, "opts", []) if o.startswith("--"))]:
                    names[alias.replace("-", "_")] = param.name
            for option, option_value in value.items():
                alias = option.replace("-", "_")
                name = names.get(GLOBAL_KEYS.get(alias, alias)) or names.get(alias)
                if name is None:
                    raise ConfigError(f"{path}: [{key}] {option}: the {key} command has no such option")
                param = next(p for p in command.params if p.name == name)
                if isinstance(param.type, click.Path) and not isinstance(option_value, str):
                    raise ConfigError(f"{path}: [{key}] {option} = {option_value!r}: expected a file path in quotes")
                default_map.setdefault(key, {})[name] = option_value
        elif key in GLOBAL_KEYS:
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"{path}: {key} = {value!r}: expected a file path in quotes, e.g. {key} = \"/srv/archive/{'archive.db' if key == 'db' else 'portals.toml'}\"")
            for name, command in group.commands.items():
                if any(p.name == GLOBAL_KEYS[key] for p in command.params):
                    default_map.setdefault(name, {}).setdefault(GLOBAL_KEYS[key], value)
        elif key in ENV_KEYS:
            if not isinstance(value, str):
                raise ConfigError(f"{path}: {key} = {value!r}: expected text in quotes")
            os.environ.setdefault(ENV_KEYS[key], value)
        else:
            raise ConfigError(f"{path}: unknown key {key!r} (top level: {', '.join(sorted(GLOBAL_KEYS | ENV_KEYS))}, or a [command] table)")
    return default_map
