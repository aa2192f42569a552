# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.golive.stack.plugins.module_utils import _django_site

# As Django 4.2's admin renders it (trimmed), hashed by ManifestStaticFilesStorage.
ADMIN_LOGIN = """<!DOCTYPE html>
<html lang="en-us" dir="ltr"><head><title>Log in | Django site admin</title>
<link rel="stylesheet" href="/static/admin/css/base.1f418065fc2c.css">
<link rel="stylesheet" href="/static/admin/css/dark_mode.ef27a31af300.css">
<script src="/static/admin/js/theme.ab270f56bb9c.js" defer></script>
<link rel="stylesheet" href="/static/admin/css/login.586129c60a93.css">
<link rel="icon" href="/favicon.ico">
</head><body class=" login">
<form action="/admin/login/?next=/admin/" method="post" id="login-form"><input type="hidden"
 name="csrfmiddlewaretoken" value="Zk3&#x27;token">
  <div class="form-row"><label for="id_username">Username:</label>
  <input type="text" name="username" autofocus autocapitalize="none" autocomplete="username" maxlength="150"
   required id="id_username"></div>
  <div class="form-row"><input type="password" name="password" autocomplete="current-password" required
   id="id_password"><input type="hidden" name="next" value="/admin/"></div>
  <div class="submit-row"><input type="submit" value="Log in"></div>
</form></body></html>
"""


def test_admin_login_page():
    page = _django_site.Page(ADMIN_LOGIN)
    url = "https://demo.golive.test/admin/login/"
    form = _django_site.login_form(page, url)
    assert form == _django_site.LoginForm(
        action="https://demo.golive.test/admin/login/?next=/admin/",
        hidden={"csrfmiddlewaretoken": "Zk3'token", "next": "/admin/"},
        username_field="username",
        password_field="password",
    )
    assert _django_site.has_csrf_field(page)
    assert _django_site.hashed_static_urls(page, url) == [
        "https://demo.golive.test/static/admin/css/base.1f418065fc2c.css",
        "https://demo.golive.test/static/admin/css/dark_mode.ef27a31af300.css",
        "https://demo.golive.test/static/admin/js/theme.ab270f56bb9c.js",
        "https://demo.golive.test/static/admin/css/login.586129c60a93.css",
    ]


@pytest.mark.parametrize(
    "html, fields",
    [
        # an e-mail login, the form posting to its own URL
        (
            '<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="t">'
            '<input type="email" name="login"><input type="password" name="secret"></form>',
            ("https://x.test/accounts/login/", "login", "secret"),
        ),
        # a search form first: the login form is the one with the token and a password
        (
            '<form action="/search/"><input name="q"></form><input type="password" name="stray">'
            '<form action="/login/" method="post"><input type="hidden" name="csrfmiddlewaretoken" value="t">'
            '<input name="user"><input type="password" name="pw"></form>',
            ("https://x.test/login/", "user", "pw"),
        ),
        ('<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="t"></form>', None),
        ('<form method="post"><input type="password" name="password"></form>', None),
    ],
)
def test_login_form(html, fields):
    form = _django_site.login_form(_django_site.Page(html), "https://x.test/accounts/login/")
    assert (form and (form.action, form.username_field, form.password_field)) == fields


@pytest.mark.parametrize(
    "link, hashed",
    [
        ("/static/admin/css/base.1f418065fc2c.css", True),
        ("https://cdn.example.net/static/app.0123456789ab.js?v=1", True),
        ("/static/admin/css/base.css", False),
        ("/static/admin/css/base.1F418065FC2C.css", False),  # Django writes lower-case hex
        ("/static/admin/css/base.1f418065fc2.css", False),  # 11 digits
        ("/static/fonts/font.1f418065fc2c", False),
        ("mailto:ops@1f418065fc2c.ab", False),
    ],
)
def test_hashed_static_urls(link, hashed):
    page = _django_site.Page(f'<link href="{link}">')
    assert bool(_django_site.hashed_static_urls(page, "https://x.test/admin/login/")) is hashed


@pytest.mark.parametrize(
    "headers, expected",
    [
        (
            ["csrftoken=abc; expires=Fri, 26 Nov 2027 13:00:00 GMT; Max-Age=31449600; Path=/; SameSite=Lax"],
            {"csrftoken": "abc"},
        ),
        (['sessionid="a b"; HttpOnly', "csrftoken=new"], {"sessionid": "a b", "csrftoken": "new"}),
        (['sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/'], {"sessionid": ""}),
        (["messages=x; max-age=-1"], {"messages": ""}),
        (["garbage", "=novalue"], {}),
    ],
)
def test_cookies_set(headers, expected):
    assert _django_site.cookies_set(headers) == expected


def test_cookie_jar_keeps_and_removes():
    jar = _django_site.CookieJar()
    assert jar.header() == {}
    jar.update({"set_cookies": ["csrftoken=a; Path=/", "sessionid=s"]})
    assert jar.header() == {"Cookie": "csrftoken=a; sessionid=s"}
    assert jar.update({"set_cookies": ["sessionid=; Max-Age=0"]}) == {"sessionid": ""}
    assert jar.header() == {"Cookie": "csrftoken=a"}


@pytest.mark.parametrize(
    "value, max_age, directives",
    [
        ("max-age=315360000, public, immutable", 315360000, {"max-age", "public", "immutable"}),
        ('Public, Max-Age="600"', 600, {"public", "max-age"}),
        ("no-store", None, {"no-store"}),
        ("max-age=soon", None, {"max-age"}),
        (None, None, set()),
    ],
)
def test_cache_policy(value, max_age, directives):
    assert _django_site.cache_policy(value) == (max_age, directives)
