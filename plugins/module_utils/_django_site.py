# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Go-live checks of a Django site as a visitor sees it (private).

The login page with its CSRF token, a hashed static file and its caching, a refused login
and, with monitoring credentials, an accepted one. Requests go through
:class:`_probe.Client` (``connect_to`` like ``curl --resolve``); the outcome is a list of
checks ``{name, ok, detail, data}``, network failures included, never an exception.
"""

from __future__ import annotations

import html.parser
import re
import secrets
import typing as t
import urllib.parse

from ansible_collections.golive.stack.plugins.module_utils import _check, _probe

USER_AGENT = "golive.stack-django_site_probe"
CSRF_COOKIE = "csrftoken"
CSRF_FIELD = "csrfmiddlewaretoken"
SESSION_COOKIE = "sessionid"
# ManifestStaticFilesStorage names: base.css is served as base.0123456789ab.css (12 hex
# digits of the file's MD5), the names that can be cached for ever.
HASHED_NAME = re.compile(r"[^/]+\.[0-9a-f]{12}\.[A-Za-z0-9]+")
FORM_ENCODED = "application/x-www-form-urlencoded"


class Page(html.parser.HTMLParser):
    """The links (``href``/``src``) and the forms (action, inputs) of an HTML page."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[dict[str, t.Any]] = []
        self._in_form = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.links += [values[name] for name in ("href", "src") if values.get(name)]
        if tag == "form":
            self.forms.append({"action": values.get("action", ""), "inputs": []})
            self._in_form = True
        elif tag == "input" and self._in_form and values.get("name"):
            kind = values.get("type", "text").lower()
            self.forms[-1]["inputs"].append((values["name"], kind, values.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False


class LoginForm(t.NamedTuple):
    action: str  # absolute URL the form posts to
    hidden: dict[str, str]  # hidden fields, the CSRF token and ``next`` among them
    username_field: str
    password_field: str


def has_csrf_field(page: Page) -> bool:
    return any(name == CSRF_FIELD for form in page.forms for name, _kind, _value in form["inputs"])


def login_form(page: Page, page_url: str) -> LoginForm | None:
    """The first form with the CSRF token and a password field, or None."""
    for form in page.forms:
        names = [name for name, _kind, _value in form["inputs"]]
        passwords = [name for name, kind, _value in form["inputs"] if kind == "password"]
        if CSRF_FIELD not in names or not passwords:
            continue
        texts = [name for name, kind, _value in form["inputs"] if kind in ("text", "email")]
        return LoginForm(
            action=urllib.parse.urljoin(page_url, form["action"]),
            hidden={name: value for name, kind, value in form["inputs"] if kind == "hidden"},
            username_field=texts[0] if texts else "username",
            password_field=passwords[0],
        )
    return None


def hashed_static_urls(page: Page, page_url: str) -> list[str]:
    """Absolute URLs of the page's links whose file name carries a manifest hash, in page order."""
    urls: list[str] = []
    for link in page.links:
        url = urllib.parse.urljoin(page_url, link)
        parts = urllib.parse.urlsplit(url)
        if parts.scheme in ("http", "https") and HASHED_NAME.fullmatch(parts.path.rsplit("/", 1)[-1]):
            if url not in urls:
                urls.append(url)
    return urls


def cookies_set(set_cookies: t.Iterable[str]) -> dict[str, str]:
    """Name -> value of each ``Set-Cookie``; a removed cookie (empty, ``Max-Age`` <= 0) gives ''."""
    cookies: dict[str, str] = {}
    for header in set_cookies:
        pair, _sep, attributes = header.partition(";")
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            continue
        max_age = re.search(r"(?i)(?:^|;)\s*max-age\s*=\s*(-?\d+)", attributes)
        removed = max_age is not None and int(max_age.group(1)) <= 0
        cookies[name.strip()] = "" if removed else value.strip().strip('"')
    return cookies


class CookieJar:
    """The site's cookies as a browser keeps them for one host (paths and expiry aside)."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def update(self, hop: t.Mapping[str, t.Any]) -> dict[str, str]:
        """Take the response's cookies; return them."""
        received = cookies_set(hop["set_cookies"])
        for name, value in received.items():
            if value:
                self.values[name] = value
            else:
                self.values.pop(name, None)
        return received

    def header(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{name}={value}" for name, value in self.values.items())} if self.values else {}


def cache_policy(cache_control: str | None) -> tuple[int | None, set[str]]:
    """``Cache-Control`` -> (max-age or None, directive names in lower case)."""
    max_age = None
    names = set()
    for directive in (cache_control or "").split(","):
        name, _sep, value = directive.strip().partition("=")
        name = name.strip().lower()
        if not name:
            continue
        names.add(name)
        if name == "max-age" and value.strip().strip('"').isdigit():
            max_age = int(value.strip().strip('"'))
    return max_age, names


class SiteProbe:
    """One visit: the requests share the cookies, as one browser's would."""

    def __init__(self, params: t.Mapping[str, t.Any], tmpdir: str | None = None) -> None:
        self.base_url = params["base_url"].rstrip("/")
        self.login_url = self.base_url + params["login_path"]
        self.site = urllib.parse.urlsplit(self.login_url)
        self.params = params
        self.client = _probe.Client(
            self.login_url,
            connect_to=params["connect_to"],
            headers=params["headers"],
            timeout=params["timeout"],
            validate_certs=params["validate_certs"],
            ca_path=params["ca_path"],
            tmpdir=tmpdir,
            user_agent=USER_AGENT,
        )
        self.jar = CookieJar()

    def shown(self, url: str) -> str:
        """The path for URLs of the site, the whole URL for others."""
        parts = urllib.parse.urlsplit(url)
        if (parts.scheme, parts.netloc) == (self.site.scheme, self.site.netloc):
            return parts.path + (f"?{parts.query}" if parts.query else "")
        return url

    @staticmethod
    def answer(hop: t.Mapping[str, t.Any]) -> str:
        if hop["status"] is None:
            return f"no answer ({hop['error']})"
        return f"{hop['status']}" + (f" Location: {hop['location']}" if hop["location"] else "")

    @staticmethod
    def request_data(hop: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
        return {"url": hop["url"], "status": hop["status"], "elapsed_ms": hop["elapsed_ms"], "error": hop["error"]}

    def run(self) -> list[dict[str, t.Any]]:
        hop = self.client.request(self.login_url)
        received = self.jar.update(hop)
        page = Page(hop["text"])
        form = login_form(page, self.login_url)
        checks = [self.login_page_check(hop, received, page, form)]
        # The checks that need the page still report, as failed: a required check never
        # vanishes from the report because an earlier one failed.
        later = ["static_cached", "login_refused"] + (["login_works"] if self.params["username"] is not None else [])
        if hop["status"] != 200:
            return checks + [_check.not_run(name, "the login page did not answer 200") for name in later]
        checks.append(self.static_check(page))
        if not checks[0]["ok"] or form is None:
            return checks + [_check.not_run(name, "no login form with a CSRF token") for name in later[1:]]
        refused, form = self.login_refused_check(form)
        checks.append(refused)
        if self.params["username"] is not None:
            checks.append(self.login_works_check(form))
        return checks

    def login_page_check(
        self, hop: dict[str, t.Any], received: dict[str, str], page: Page, form: LoginForm | None
    ) -> dict[str, t.Any]:
        data = self.request_data(hop)
        data.update(csrf_cookie=bool(received.get(CSRF_COOKIE)), csrf_field=has_csrf_field(page))
        data["login_form"] = form is not None
        detail = f"GET {self.shown(hop['url'])} -> {self.answer(hop)}"
        if hop["status"] != 200:
            return _check.check("login_page", False, detail, data)
        found = [
            f"{CSRF_COOKIE} cookie" if data["csrf_cookie"] else f"no {CSRF_COOKIE} cookie",
            f"{CSRF_FIELD} field" if data["csrf_field"] else f"no {CSRF_FIELD} field",
        ]
        if form is None:
            found.append("no login form (CSRF token and password field)")
        ok = data["csrf_cookie"] and data["csrf_field"] and form is not None
        return _check.check("login_page", ok, f"{detail}, {', '.join(found)}", data)

    def static_check(self, page: Page) -> dict[str, t.Any]:
        urls = hashed_static_urls(page, self.login_url)
        minimum = self.params["static_min_max_age"]
        if not urls:
            detail = f"no hashed static file (name.0123456789ab.ext) referenced by {self.shown(self.login_url)}"
            return _check.check("static_cached", False, detail, {"hashed_urls": []})
        hop = self.client.request(urls[0])
        cache_control = hop["headers"].get("cache-control")
        max_age, directives = cache_policy(cache_control)
        data = self.request_data(hop)
        data.update(
            cache_control=cache_control,
            max_age=max_age,
            immutable="immutable" in directives,
            min_max_age=minimum,
            hashed_urls=urls,
        )
        detail = f"GET {self.shown(hop['url'])} -> {self.answer(hop)}"
        if hop["status"] is None:
            return _check.check("static_cached", False, detail, data)
        detail += f", Cache-Control: {cache_control or '(none)'}"
        problems = [f"max-age below {minimum}"] if max_age is None or max_age < minimum else []
        problems += [name for name in ("no-store", "no-cache") if name in directives]
        ok = hop["status"] == 200 and not problems
        if hop["status"] == 200 and problems:
            detail += f" ({', '.join(problems)})"
        return _check.check("static_cached", ok, detail, data)

    def post_login(self, form: LoginForm, username: str, password: str) -> tuple[dict[str, t.Any], dict[str, str]]:
        """Submit the form as a browser would (the page's Origin and Referer: Django checks them over HTTPS)."""
        fields = {**form.hidden, form.username_field: username, form.password_field: password}
        headers = {
            "Content-Type": FORM_ENCODED,
            "Origin": f"{self.site.scheme}://{self.site.netloc}",
            "Referer": self.login_url,
            **self.jar.header(),
        }
        hop = self.client.request(
            form.action, "POST", headers=headers, body=urllib.parse.urlencode(fields).encode("utf-8")
        )
        return hop, self.jar.update(hop)

    def login_outcome(
        self, hop: dict[str, t.Any], received: dict[str, str]
    ) -> tuple[dict[str, t.Any], list[str], LoginForm | None]:
        """The request's data with ``session_cookie``, ``form_again``, ``location``; what was
        seen, in words; the login form of the answer, if any."""
        form = login_form(Page(hop["text"]), hop["url"])
        data = self.request_data(hop)
        data.update(
            location=hop["location"], session_cookie=bool(received.get(SESSION_COOKIE)), form_again=form is not None
        )
        if hop["status"] is None:
            return data, [], form
        seen = ["login form again" if form else "no login form"] if hop["status"] == 200 else []
        seen.append(f"{SESSION_COOKIE} cookie set" if data["session_cookie"] else f"no {SESSION_COOKIE} cookie")
        if hop["status"] == 403 and "CSRF" in hop["text"]:
            seen.append("CSRF verification failed")
        return data, seen, form

    def login_refused_check(self, form: LoginForm) -> tuple[dict[str, t.Any], LoginForm]:
        # A user that does not exist: a lockout policy never counts the probe against a real account.
        username = f"golive-probe-{secrets.token_hex(4)}"
        hop, received = self.post_login(form, username, secrets.token_urlsafe(18))
        data, seen, again = self.login_outcome(hop, received)
        data["username"] = username
        ok = hop["status"] == 200 and data["form_again"] and not data["session_cookie"]
        detail = f"POST {self.shown(hop['url'])} as {username} with a wrong password -> {self.answer(hop)}"
        detail += "".join(f", {item}" for item in seen)
        # the refusal's form carries the token a browser would send next
        return _check.check("login_refused", ok, detail, data), again if ok and again else form

    def login_works_check(self, form: LoginForm) -> dict[str, t.Any]:
        username = self.params["username"]
        hop, received = self.post_login(form, username, self.params["password"])
        data, seen, _form = self.login_outcome(hop, received)
        data["username"] = username
        ok = hop["status"] == 302 and data["session_cookie"]
        detail = f"POST {self.shown(hop['url'])} as {username} -> {self.answer(hop)}"
        detail += "".join(f", {item}" for item in seen)
        return _check.check("login_works", ok, detail, data)


def input_errors(params: t.Mapping[str, t.Any]) -> list[str]:
    """What is wrong with the module's input; empty when it is fine."""
    errors = _probe.input_errors(params["base_url"], params["connect_to"], None)
    parts = urllib.parse.urlsplit(params["base_url"])
    if parts.query or parts.fragment:
        errors.append(f"base_url {params['base_url']!r}: expected no query and no fragment")
    if not params["login_path"].startswith("/"):
        errors.append(f"login_path {params['login_path']!r}: expected a path starting with /")
    if params["static_min_max_age"] < 0:
        errors.append(f"static_min_max_age {params['static_min_max_age']}: expected 0 or more")
    if params["timeout"] <= 0:
        errors.append(f"timeout {params['timeout']}: expected more than 0")
    return errors


def site_checks(params: t.Mapping[str, t.Any], tmpdir: str | None = None) -> list[dict[str, t.Any]]:
    """The checks that could run, in order; input must have passed :func:`input_errors`."""
    return SiteProbe(params, tmpdir).run()
