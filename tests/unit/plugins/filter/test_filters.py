# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.golive.stack.plugins.filter import app_settings, placeholders

APP_SETTINGS = app_settings.FilterModule().filters()["app_settings"]
PLACEHOLDERS = placeholders.FilterModule().filters()["placeholders"]

ENV = {
    "DJANGO_SECRET_KEY": "k8Jd!2mQ#x9vLr4Tz7WbNc1Hs5Fg3Ae6",
    "DJANGO_DEBUG": "False",
    "DJANGO_ALLOWED_HOSTS": "shop.example.com,www.shop.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://shop.example.com",
    "SITE_URL": "https://shop.example.com",
    "DATABASE_URL": "postgres://shop:pw@db/shop?sslmode=disable",
    "REDIS_URL": "redis://redis:6379/0",
    "UNRELATED": "changeme",
}


def test_app_settings_with_default_names():
    assert APP_SETTINGS(ENV) == {
        "secret_key": "k8Jd!2mQ#x9vLr4Tz7WbNc1Hs5Fg3Ae6",
        "debug": False,
        "allowed_hosts": ["shop.example.com", "www.shop.example.com"],
        "csrf_trusted_origins": ["https://shop.example.com"],
        "public_url": "https://shop.example.com",
        "database": {
            "scheme": "postgres",
            "host": "db",
            "port": 5432,
            "name": "shop",
            "user": "shop",
            "password": "pw",
            "options": {"sslmode": "disable"},
        },
        "redis": {
            "scheme": "redis",
            "host": "redis",
            "port": 6379,
            "db": 0,
            "username": None,
            "password": None,
            "tls": False,
        },
        "cors_allowed_origins": None,
        "env_keys": {
            "secret_key": "DJANGO_SECRET_KEY",
            "debug": "DJANGO_DEBUG",
            "allowed_hosts": "DJANGO_ALLOWED_HOSTS",
            "csrf_trusted_origins": "CSRF_TRUSTED_ORIGINS",
            "public_url": "SITE_URL",
            "database_url": "DATABASE_URL",
            "redis_url": "REDIS_URL",
            "cors_allowed_origins": "CORS_ALLOWED_ORIGINS",
        },
    }


def test_app_settings_reads_cors_origins_by_default_or_mapped_name():
    origins = "https://shop.example.com, https://www.shop.example.com"
    assert APP_SETTINGS({**ENV, "CORS_ALLOWED_ORIGINS": origins})["cors_allowed_origins"] == [
        "https://shop.example.com",
        "https://www.shop.example.com",
    ]
    settings = APP_SETTINGS({"API_ORIGINS": "https://a.test"}, {"cors_allowed_origins": "API_ORIGINS"})
    assert settings["cors_allowed_origins"] == ["https://a.test"]
    assert settings["env_keys"]["cors_allowed_origins"] == "API_ORIGINS"


def test_app_settings_mapping_overrides_per_key_and_missing_is_none():
    env = {"SECRET_KEY": "s", "DEBUG": "on", "DJANGO_ALLOWED_HOSTS": "a"}
    settings = APP_SETTINGS(env, {"secret_key": "SECRET_KEY", "debug": "DEBUG"})
    assert settings["secret_key"] == "s"
    assert settings["debug"] is True
    assert settings["allowed_hosts"] == ["a"]  # not overridden: default name still used
    assert settings["csrf_trusted_origins"] is None
    assert settings["public_url"] is None
    assert settings["database"] is None
    assert settings["redis"] is None
    assert settings["env_keys"]["debug"] == "DEBUG" and settings["env_keys"]["public_url"] == "SITE_URL"


def test_app_settings_unknown_debug_value_is_a_clear_filter_error():
    with pytest.raises(AnsibleFilterError, match=r"app_settings: DEBUG: 'sometimes' is not a boolean"):
        APP_SETTINGS({"DEBUG": "sometimes"}, {"debug": "DEBUG"})


@pytest.mark.parametrize(
    "env, keys, message",
    [
        (["not", "a", "dict"], None, "expected the app's environment as a dict, got list"),
        ({}, {"secrets": "X"}, "unknown setting 'secrets'"),
        ({"DATABASE_URL": "db/shop"}, None, "DATABASE_URL: expected a URL"),
    ],
)
def test_app_settings_errors(env, keys, message):
    with pytest.raises(AnsibleFilterError, match=message):
        APP_SETTINGS(env, keys)


def test_placeholders_lists_keys_in_order_strings_only():
    env = {
        "DJANGO_SECRET_KEY": "django-insecure-abc",
        "SITE_URL": "https://shop.example.com",
        "SMTP_PASSWORD": "",
        "API_TOKEN": "<your token>",
        "WORKERS": 4,
        "OPTIONAL": None,
        "ADMIN_EMAIL": "your-email@example.com",
    }
    assert PLACEHOLDERS(env) == ["DJANGO_SECRET_KEY", "SMTP_PASSWORD", "API_TOKEN", "ADMIN_EMAIL"]


def test_placeholders_rejects_non_dict():
    with pytest.raises(AnsibleFilterError, match="placeholders: expected the app's environment as a dict"):
        PLACEHOLDERS("changeme")


def test_placeholders_deep_names_paths_into_names_and_references():
    inputs = {
        "golive_app_name": "shop",
        "golive_domain": "shop.golive.test",
        "golive_domain_aliases": ["www.shop.golive.test", "www.example.com"],
        "golive_images": {
            "web": "<registry>/shop:1.0",
            "postgres": "docker.io/library/postgres:17",
            "redis": "ghcr.io/your-org/redis:8",
        },
        "app_superuser_email": "admin@shop.golive.test",
        "replicas": 2,
    }
    assert PLACEHOLDERS(inputs, deep=True) == ["golive_domain_aliases[1]", "golive_images.web", "golive_images.redis"]


def test_placeholders_shallow_stays_whole_values_at_the_top():
    # without deep, nested values and parts of names are not looked at
    inputs = {"golive_domain": "www.example.com", "golive_images": {"web": "<registry>/shop:1.0"}, "P": "changeme"}
    assert PLACEHOLDERS(inputs) == ["P"]


def test_placeholders_deep_rejects_non_dict():
    with pytest.raises(AnsibleFilterError, match="placeholders: expected variables as a dict, got list"):
        PLACEHOLDERS(["example.com"], deep=True)
