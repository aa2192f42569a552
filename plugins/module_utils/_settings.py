# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a Django app's settings from its environment variables (private).

Shared by the ``app_settings`` and ``placeholders`` filters; modules may use it too.
Errors are ``SettingsError`` (a ``ValueError``) with a message naming the variable.
"""

from __future__ import annotations

import re
import typing as t
import urllib.parse

# setting -> the variable that carries it, unless the app names it differently
DEFAULT_KEYS = {
    "secret_key": "DJANGO_SECRET_KEY",
    "debug": "DJANGO_DEBUG",
    "allowed_hosts": "DJANGO_ALLOWED_HOSTS",
    "csrf_trusted_origins": "CSRF_TRUSTED_ORIGINS",
    "public_url": "SITE_URL",
    "database_url": "DATABASE_URL",
    "redis_url": "REDIS_URL",
    "cors_allowed_origins": "CORS_ALLOWED_ORIGINS",
}

TRUE_WORDS = ("true", "1", "yes", "on")
FALSE_WORDS = ("false", "0", "no", "off")

DATABASE_PORTS = {
    **dict.fromkeys(("postgres", "postgresql", "pgsql", "postgis", "psql"), 5432),
    **dict.fromkeys(("mysql", "mysql2", "mysqlgis"), 3306),
}
REDIS_PORT = 6379

# Values that are obviously not real ones (full match, case-insensitive, surrounding
# blanks ignored).
PLACEHOLDER_PATTERN = re.compile(
    r"|change[-_]?me.*|your[-_ ].*|<.*>|x{3,}|example[-_]secret|insecure|django-insecure-.*|todo|replace.*",
    re.IGNORECASE,
)

# Names and references (host names, image references, email addresses) are read part by
# part (between . / : @) against a narrower list: "replace.*" or "todo" would refuse
# replacement.io or ghcr.io/acme/todo. A <...> counts anywhere.
PLACEHOLDER_PART_PATTERN = re.compile(r"change[-_]?me.*|your[-_ ].*|x{3,}|replace[-_]?me", re.IGNORECASE)
TEMPLATE_PATTERN = re.compile(r"<[^<>]*>")
# Reserved for documentation (RFC 2606, RFC 6761): no real site, registry or mailbox.
EXAMPLE_DOMAIN_PATTERN = re.compile(r"(?:.*\.)?example\.(?:com|net|org)\.?|.*\.example\.?", re.IGNORECASE)


class SettingsError(ValueError):
    pass


def _is_missing(value: t.Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_bool(value: t.Any, name: str = "value") -> bool | None:
    """true/false, 1/0, yes/no, on/off in any case; None (or blank) stays None."""
    if isinstance(value, bool):
        return value
    if _is_missing(value):
        return None
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise SettingsError(
        f"{name}: {value!r} is not a boolean (expected one of {', '.join(TRUE_WORDS + FALSE_WORDS)}, any case)"
    )


def parse_list(value: t.Any, name: str = "value") -> list[str] | None:
    """A comma- (or blank-) separated string, or a list, as a list of strings."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return [str(item).strip() for item in value if str(item).strip()]
    if isinstance(value, str):
        return [item for item in re.split(r"[,\s]+", value) if item]
    raise SettingsError(f"{name}: expected a comma-separated string or a list, got {type(value).__name__}")


def _split_url(url: t.Any, name: str) -> tuple[urllib.parse.SplitResult, str, str | None, str | None]:
    """Return (parts, host info, user, password) of ``url``, all unquoted."""
    if not isinstance(url, str) or "://" not in url:
        raise SettingsError(f"{name}: expected a URL such as scheme://user:password@host:port/name, got {url!r}")
    parts = urllib.parse.urlsplit(url.strip())
    userinfo, _at, hostinfo = parts.netloc.rpartition("@")
    user, colon, password = userinfo.partition(":")
    return (
        parts,
        hostinfo,
        urllib.parse.unquote(user) or None,
        urllib.parse.unquote(password) if colon else None,
    )


def _host_port(hostinfo: str, default_port: int | None, name: str) -> tuple[str | None, int | None]:
    # Our own split instead of SplitResult.hostname, which lowercases percent-encoded
    # socket paths such as %2Fvar%2Frun%2Fpostgresql.
    match = re.fullmatch(r"\[(?P<v6>[^\]]*)\](?::(?P<v6port>[^:]*))?|(?P<host>[^:]*)(?::(?P<port>[^:]*))?", hostinfo)
    if not match:
        raise SettingsError(f"{name}: cannot read host and port from {hostinfo!r}")
    host = match.group("v6") if match.group("v6") is not None else match.group("host")
    port = match.group("v6port") if match.group("v6") is not None else match.group("port")
    if port:
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise SettingsError(f"{name}: port {port!r} is not a number from 1 to 65535")
        return urllib.parse.unquote(host) or None, int(port)
    return urllib.parse.unquote(host) or None, default_port


def parse_database_url(url: t.Any, name: str = "database_url") -> dict[str, t.Any] | None:
    """``scheme://user:password@host:port/name?option=value`` in the dj-database-url style."""
    if _is_missing(url):
        return None
    parts, hostinfo, user, password = _split_url(url, name)
    scheme = parts.scheme.lower()
    host, port = _host_port(hostinfo, DATABASE_PORTS.get(scheme), name)
    return {
        "scheme": scheme,
        "host": host,
        "port": port,
        "name": urllib.parse.unquote(parts.path[1:]) or None,
        "user": user,
        "password": password,
        "options": dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True)),
    }


def parse_redis_url(url: t.Any, name: str = "redis_url") -> dict[str, t.Any] | None:
    """``redis://[user][:password]@host:port/db`` or ``rediss://...`` (TLS)."""
    if _is_missing(url):
        return None
    parts, hostinfo, user, password = _split_url(url, name)
    scheme = parts.scheme.lower()
    query = dict(urllib.parse.parse_qsl(parts.query))
    host, port = _host_port(hostinfo, REDIS_PORT if scheme in ("redis", "rediss") else None, name)
    db = query.get("db") or parts.path.strip("/") or "0"
    if scheme == "unix":  # unix:///run/redis.sock?db=1: the path is the socket, not the db
        host, db = parts.path, query.get("db", "0")
    if not db.isdigit():
        raise SettingsError(f"{name}: database number {db!r} is not a number")
    return {
        "scheme": scheme,
        "host": host,
        "port": port,
        "db": int(db),
        "username": user,
        "password": password,
        "tls": scheme == "rediss",
    }


def key_map(overrides: t.Mapping[str, t.Any] | None) -> dict[str, str]:
    keys = dict(DEFAULT_KEYS)
    for setting, variable in (overrides or {}).items():
        if setting not in DEFAULT_KEYS:
            raise SettingsError(f"keys: unknown setting {setting!r} (known: {', '.join(DEFAULT_KEYS)})")
        if not isinstance(variable, str) or not variable:
            raise SettingsError(f"keys: {setting} must name an environment variable, got {variable!r}")
        keys[setting] = variable
    return keys


def app_settings(env: t.Mapping[str, t.Any], keys: t.Mapping[str, t.Any] | None = None) -> dict[str, t.Any]:
    """The settings the go-live cares about, normalized; a missing variable gives None."""
    if not isinstance(env, t.Mapping):
        raise SettingsError(f"expected the app's environment as a dict, got {type(env).__name__}")
    names = key_map(keys)
    raw = {setting: env.get(variable) for setting, variable in names.items()}
    return {
        "secret_key": raw["secret_key"],
        "debug": parse_bool(raw["debug"], names["debug"]),
        "allowed_hosts": parse_list(raw["allowed_hosts"], names["allowed_hosts"]),
        "csrf_trusted_origins": parse_list(raw["csrf_trusted_origins"], names["csrf_trusted_origins"]),
        "public_url": raw["public_url"],
        "database": parse_database_url(raw["database_url"], names["database_url"]),
        "redis": parse_redis_url(raw["redis_url"], names["redis_url"]),
        "cors_allowed_origins": parse_list(raw["cors_allowed_origins"], names["cors_allowed_origins"]),
        # which variable carries each setting, for messages that use the app's own names
        "env_keys": names,
    }


def is_placeholder(value: t.Any) -> bool:
    return isinstance(value, str) and PLACEHOLDER_PATTERN.fullmatch(value.strip()) is not None


def placeholder_keys(env: t.Mapping[str, t.Any]) -> list[str]:
    """Names of the variables whose values look like placeholders, in the env's order."""
    if not isinstance(env, t.Mapping):
        raise SettingsError(f"expected the app's environment as a dict, got {type(env).__name__}")
    return [name for name, value in env.items() if is_placeholder(value)]


def _hosts_in(value: str) -> list[str]:
    """Where a host name sits in a site name, an image reference or an email address."""
    first = value.split("/", 1)[0]
    return [value, first.rsplit("@", 1)[-1].split(":", 1)[0]]


def has_placeholder(value: t.Any) -> bool:
    """A name or reference (host name, image reference, email address) that is a placeholder.

    Blank; a ``<...>`` anywhere (``<registry>/app:1.0``); a part between ``. / : @`` such as
    ``your-org``, ``changeme``, ``replace-me`` or ``xxx``; or a host under the domains reserved for
    documentation (``example.com``, ``.net``, ``.org``, ``.example``).
    """
    if not isinstance(value, str):
        return False
    text = value.strip()
    return (
        not text
        or TEMPLATE_PATTERN.search(text) is not None
        or any(PLACEHOLDER_PART_PATTERN.fullmatch(part) for part in re.split(r"[./:@]", text))
        or any(EXAMPLE_DOMAIN_PATTERN.fullmatch(host) for host in _hosts_in(text))
    )


def placeholder_paths(data: t.Mapping[str, t.Any]) -> list[str]:
    """Where, in the variables given (name -> value), a string value has a placeholder.

    Nested dicts and lists are walked; paths read ``golive_images.web`` and
    ``golive_domain_aliases[0]``. Values are judged by has_placeholder.
    """
    if not isinstance(data, t.Mapping):
        raise SettingsError(f"expected variables as a dict, got {type(data).__name__}")
    found: list[str] = []

    def walk(value: t.Any, path: str) -> None:
        if isinstance(value, t.Mapping):
            for key, item in value.items():
                walk(item, f"{path}.{key}")
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                walk(item, f"{path}[{index}]")
        elif has_placeholder(value):
            found.append(path)

    for name, value in data.items():
        walk(value, str(name))
    return found
