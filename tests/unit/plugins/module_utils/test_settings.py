# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.golive.stack.plugins.module_utils import _settings


@pytest.mark.parametrize(
    "value, expected",
    [
        ("true", True),
        ("TRUE", True),
        ("1", True),
        ("yes", True),
        ("On", True),
        (" true ", True),
        (True, True),
        ("false", False),
        ("False", False),
        ("0", False),
        ("no", False),
        ("OFF", False),
        (False, False),
        (0, False),
        (1, True),
        (None, None),
        ("", None),
        ("  ", None),
    ],
)
def test_parse_bool(value, expected):
    assert _settings.parse_bool(value, "DJANGO_DEBUG") is expected


@pytest.mark.parametrize("value", ["maybe", "2", "tru", "enabled", 2])
def test_parse_bool_rejects_unknown_words(value):
    with pytest.raises(_settings.SettingsError, match=r"DJANGO_DEBUG: .* is not a boolean \(expected one of true"):
        _settings.parse_bool(value, "DJANGO_DEBUG")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("a.example.com,b.example.com", ["a.example.com", "b.example.com"]),
        (" a.example.com , b.example.com ,", ["a.example.com", "b.example.com"]),
        ("a.example.com b.example.com", ["a.example.com", "b.example.com"]),
        ("", []),
        (["a", " b ", ""], ["a", "b"]),
        (None, None),
    ],
)
def test_parse_list(value, expected):
    assert _settings.parse_list(value) == expected


def test_parse_list_rejects_other_types():
    with pytest.raises(_settings.SettingsError, match="HOSTS: expected a comma-separated string or a list, got int"):
        _settings.parse_list(3, "HOSTS")


@pytest.mark.parametrize(
    "url, expected",
    [
        (
            "postgres://shop:p%40ss%3Aword@db:6432/shop?sslmode=require&connect_timeout=5",
            {
                "scheme": "postgres",
                "host": "db",
                "port": 6432,
                "name": "shop",
                "user": "shop",
                "password": "p@ss:word",
                "options": {"sslmode": "require", "connect_timeout": "5"},
            },
        ),
        (
            "postgresql://shop@db.internal/shop",
            {
                "scheme": "postgresql",
                "host": "db.internal",
                "port": 5432,
                "name": "shop",
                "user": "shop",
                "password": None,
                "options": {},
            },
        ),
        (
            "postgres://u:@[2001:db8::5]:5433/app",
            {
                "scheme": "postgres",
                "host": "2001:db8::5",
                "port": 5433,
                "name": "app",
                "user": "u",
                "password": "",
                "options": {},
            },
        ),
        (
            "postgres://%2Fvar%2Frun%2Fpostgresql/App",
            {
                "scheme": "postgres",
                "host": "/var/run/postgresql",
                "port": 5432,
                "name": "App",
                "user": None,
                "password": None,
                "options": {},
            },
        ),
        (
            "mysql://root:x@mysql/shop",
            {
                "scheme": "mysql",
                "host": "mysql",
                "port": 3306,
                "name": "shop",
                "user": "root",
                "password": "x",
                "options": {},
            },
        ),
        (
            "sqlite:////data/db.sqlite3",
            {
                "scheme": "sqlite",
                "host": None,
                "port": None,
                "name": "/data/db.sqlite3",
                "user": None,
                "password": None,
                "options": {},
            },
        ),
        (None, None),
        ("", None),
    ],
    ids=["full", "default_port", "ipv6", "socket_path", "mysql", "sqlite", "none", "blank"],
)
def test_parse_database_url(url, expected):
    assert _settings.parse_database_url(url) == expected


@pytest.mark.parametrize(
    "url, message",
    [
        ("db:5432/shop", "DATABASE_URL: expected a URL"),
        ("postgres://db:54x/shop", "DATABASE_URL: port '54x' is not a number"),
        ("postgres://db:70000/shop", "DATABASE_URL: port '70000' is not a number"),
        (5432, "DATABASE_URL: expected a URL"),
    ],
)
def test_parse_database_url_rejects(url, message):
    with pytest.raises(_settings.SettingsError, match=message):
        _settings.parse_database_url(url, "DATABASE_URL")


@pytest.mark.parametrize(
    "url, expected",
    [
        (
            "redis://redis:6379/1",
            {
                "scheme": "redis",
                "host": "redis",
                "port": 6379,
                "db": 1,
                "username": None,
                "password": None,
                "tls": False,
            },
        ),
        (
            "rediss://app:s%23cret@cache.example.com:6380/2",
            {
                "scheme": "rediss",
                "host": "cache.example.com",
                "port": 6380,
                "db": 2,
                "username": "app",
                "password": "s#cret",
                "tls": True,
            },
        ),
        (
            "redis://:only-pass@redis",
            {
                "scheme": "redis",
                "host": "redis",
                "port": 6379,
                "db": 0,
                "username": None,
                "password": "only-pass",
                "tls": False,
            },
        ),
        (
            "redis://redis/?db=3",
            {
                "scheme": "redis",
                "host": "redis",
                "port": 6379,
                "db": 3,
                "username": None,
                "password": None,
                "tls": False,
            },
        ),
        (
            "unix:///run/redis/redis.sock?db=4",
            {
                "scheme": "unix",
                "host": "/run/redis/redis.sock",
                "port": None,
                "db": 4,
                "username": None,
                "password": None,
                "tls": False,
            },
        ),
        (None, None),
    ],
    ids=["plain", "tls_user_password", "password_only", "db_in_query", "unix_socket", "none"],
)
def test_parse_redis_url(url, expected):
    assert _settings.parse_redis_url(url) == expected


def test_parse_redis_url_rejects_bad_db():
    with pytest.raises(_settings.SettingsError, match="REDIS_URL: database number 'cache' is not a number"):
        _settings.parse_redis_url("redis://redis/cache", "REDIS_URL")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "  ",
        "changeme",
        "CHANGEME",
        "change-me",
        "change_me_please",
        "your-secret-key",
        "YOUR_DOMAIN",
        "<secret>",
        "<put the key here>",
        "xxx",
        "XXXXXXXX",
        "example-secret",
        "insecure",
        "Insecure",
        "django-insecure-7x!k2@abc",
        "todo",
        "TODO",
        "replace-me",
        "REPLACE_WITH_REAL_KEY",
    ],
)
def test_placeholders_are_recognised(value):
    assert _settings.is_placeholder(value)


@pytest.mark.parametrize(
    "value",
    [
        "k8Jd!2mQ#x9vLr4Tz7WbNc1Hs5Fg3Ae6",
        "shop.example.com",
        "xx",
        "todos",
        "example-secret-2024x",
        "secure",
        "my-changeme",
        "postgres://u:p@db/shop",
        None,
        0,
        False,
        ["changeme"],
    ],
)
def test_real_values_and_non_strings_are_not_placeholders(value):
    assert not _settings.is_placeholder(value)


def test_key_map_rejects_unknown_settings_and_bad_names():
    with pytest.raises(_settings.SettingsError, match="keys: unknown setting 'secret'"):
        _settings.key_map({"secret": "SECRET_KEY"})
    with pytest.raises(_settings.SettingsError, match="keys: debug must name an environment variable"):
        _settings.key_map({"debug": ""})


def test_key_map_knows_cors_allowed_origins():
    assert _settings.key_map(None)["cors_allowed_origins"] == "CORS_ALLOWED_ORIGINS"
    assert _settings.key_map({"cors_allowed_origins": "API_ORIGINS"})["cors_allowed_origins"] == "API_ORIGINS"


def test_app_settings_cors_origins_blank_is_an_empty_list_and_missing_is_none():
    assert _settings.app_settings({"CORS_ALLOWED_ORIGINS": ""})["cors_allowed_origins"] == []
    assert _settings.app_settings({})["cors_allowed_origins"] is None


@pytest.mark.parametrize(
    "value",
    [
        "",
        "  ",
        "your-domain.com",
        "YOUR_DOMAIN",
        "app.your-domain.com",
        "changeme.golive.test",
        "www.CHANGE-ME.io",
        "<domain>",
        "<registry>/app:1.0",
        "registry.golive.test/<app>:v1",
        "<registry.example>/app",
        "ghcr.io/your-org/app:1.0",
        "registry.golive.test/shop:xxx",
        "replace-me.golive.test",
        "example.com",
        "www.example.com",
        "shop.EXAMPLE.org",
        "api.example.net.",
        "shop.example",
        "registry.example.com:5000/shop/web:1.2",
        "admin@example.com",
        "admin@yoursurgery.example.com",
        "your_name@shop.golive.test",
    ],
)
def test_names_and_references_with_placeholders(value):
    assert _settings.has_placeholder(value)


@pytest.mark.parametrize(
    "value",
    [
        "demo.golive.test",
        "registry.golive.test:5000/golive-demo/app:v1",
        "docker.io/library/postgres:17",
        "postgres:17",
        "ghcr.io/acme/todo:1.2",
        "todo.acme.io",
        "replacement.io",
        "insecure-parts.shop",
        "myexample.com",
        "examples.com",
        "example.com.au",
        "example/app:1.0",
        "app@sha256:" + "0" * 64,
        "admin@company.io",
        "my-changeme.io",
        None,
        8001,
        ["example.com"],
    ],
)
def test_real_names_and_references_and_non_strings_are_not_placeholders(value):
    assert not _settings.has_placeholder(value)


def test_placeholder_paths_walks_dicts_and_lists_in_order():
    data = {
        "golive_domain": "shop.golive.test",
        "golive_domain_aliases": ["www.shop.golive.test", "your-alias.golive.test"],
        "golive_images": {"web": "<registry>/shop:1", "redis": "redis:8", "extra": ["xxx/tool:1"]},
        "nested": {"deeper": {"host": "example.org"}},
        "unset": None,
    }
    assert _settings.placeholder_paths(data) == [
        "golive_domain_aliases[1]",
        "golive_images.web",
        "golive_images.extra[0]",
        "nested.deeper.host",
    ]


def test_placeholder_paths_rejects_non_dicts():
    with pytest.raises(_settings.SettingsError, match="expected variables as a dict, got str"):
        _settings.placeholder_paths("example.com")
