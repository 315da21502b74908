"""Send rendered messages through Apprise: concurrently, fast, and saying why a send failed.

    async with Sender(plugin_paths=[Path("~/shopdesk-plugins").expanduser()]) as sender:
        result = await sender.send("mailtos://user:pw@smtp.example.com?to=ann@example.com",
                                   rendered)
        if not result.ok:
            print(result.error)   # Apprise's own reason, credentials masked

What this module does about Apprise 2.3's defaults (each one measured by
``python -m bench notify``):

* **One SSL context, not one per email.** Apprise's SMTP controller calls
  ``ssl.create_default_context()`` for every email, TLS or not (~20 ms of CPU: loading the CA
  store). We give *that module only* (``apprise.plugins.email.smtp``) a stand-in ``ssl``
  namespace whose ``create_default_context()`` returns a deferred context: it records the
  ``check_hostname``/``verify_mode`` Apprise sets and, when a socket is actually wrapped,
  uses one shared, never-mutated context per setting, built on first use. Plain SMTP never
  builds one. Any other change Apprise makes to the context gets a private fresh context.
  The stdlib ``ssl`` module and every other user of it are untouched.
* **No 5.5 s pause between emails.** ``NotifyBase.request_rate_per_sec`` defaults to 5.5 s
  per plugin instance; the email plugin inherits it. We cache one plugin instance per URL and
  set that instance's rate to 0 when the plugin only has the generic default (a plugin that
  declares its own rate, e.g. Telegram, keeps it). Concurrency is bounded by ``concurrency``.
* **Our own threads.** ``async_notify`` and timed ``notify`` calls run on Apprise's
  process-wide pool (``ThreadPoolExecutor()``: 6 threads on 2 cores). Our asset sets
  ``async_mode=False`` and ``service_timeout=0`` so ``Apprise.notify`` runs the send inline,
  and we call it on a ``ThreadPoolExecutor(concurrency)`` owned by the Sender; the time
  limit is ours (``timeout``).
* **Plugins load once.** The first ``Apprise().add()`` imports every plugin (0.3-0.5 s);
  :func:`load_plugins` keeps one asset per plugin-path set for the life of the process and the
  Sender warms it in a worker thread, not on the event loop.
* **Reasons.** Apprise logs the useful part of a failure (the SMTP reply, the socket error) at
  DEBUG. ``notify(log_callback=..., log_level=DEBUG)`` only receives records the ``apprise``
  logger lets through, and lowering that logger's level alone would send Apprise's DEBUG
  chatter to the application's handlers. So instead of ``log_callback`` we set that logger to
  DEBUG with one filter, which copies each record into the list of the send running in the
  current thread (a ContextVar) and lets through to handlers only what the application's
  logging level would have shown anyway. (An application that later sets the ``apprise``
  logger's level itself gets coarser reasons: Apprise's WARNING lines only.)
* **Plain-text alternative.** Apprise's email plugin builds the text/plain part itself by
  converting the HTML. While one of our sends runs, that conversion returns ``rendered.text``
  instead (same ContextVar scoping). Services that only take text get ``rendered.text`` too.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import contextlib
import contextvars
import ipaddress
import logging
import re
import ssl
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

import apprise
from apprise import Apprise, AppriseAsset, NotifyFormat
from apprise.plugins.base import NotifyBase

import shopdesk
from shopdesk.notify.message import Rendered

__all__ = ["SHIPPED_PLUGINS", "SendResult", "Sender", "load_plugins", "plugin_dirs", "validate_url"]

log = logging.getLogger(__name__)

SHIPPED_PLUGINS = Path(shopdesk.__file__).resolve().parents[1] / "plugins"
DEFAULT_TIMEOUT = 60.0  # seconds for one send, after it got a worker thread
_CACHE_SIZE = 1024  # plugin instances kept (one per distinct URL)


@dataclass(frozen=True, slots=True)
class SendResult:
    ok: bool
    error: str = ""  # why it failed, in Apprise's words, secrets masked; "" when ok


# -- plugins and the shared asset ----------------------------------------------------------
_assets: dict[tuple[str, ...], AppriseAsset] = {}
_assets_lock = threading.Lock()


def plugin_dirs(paths: Sequence[Path | str] = ()) -> list[Path]:
    """The shipped ``plugins/`` folder (when present) followed by ``paths``, expanded,
    de-duplicated, existing ones only."""
    dirs: list[Path] = []
    for candidate in (SHIPPED_PLUGINS, *paths):
        path = Path(candidate).expanduser().resolve()
        if path.exists() and path not in dirs:
            dirs.append(path)
    return dirs


def load_plugins(paths: Sequence[Path | str] = ()) -> AppriseAsset:
    """Load the shipped and the given plugin folders/files into Apprise, once per process,
    and return the asset our senders share for them."""
    key = tuple(str(p) for p in plugin_dirs(paths))
    with _assets_lock:
        asset = _assets.get(key)
        if asset is None:
            _install_apprise_fixes()
            asset = AppriseAsset(
                plugin_paths=list(key),
                async_mode=False,  # Apprise.notify() sends inline: on *our* worker thread ...
                service_timeout=0,  # ... which a deadline would move to Apprise's 6-thread pool
                secure_logging=True,
            )
            _assets[key] = asset
    return asset


def _warm_up(paths: Sequence[Path | str]) -> AppriseAsset:
    """Load our plugins and Apprise's built-in ones now (the 0.2-0.5 s first-use cost)."""
    asset = load_plugins(paths)
    Apprise.instantiate("json://localhost", asset=asset)
    return asset


# -- what happens inside a send: logs and the email alternative part ----------------------
_capture: contextvars.ContextVar[list[tuple[int, str]] | None] = contextvars.ContextVar(
    "shopdesk_notify_capture", default=None
)
_plain_alternative: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "shopdesk_notify_plain_alternative", default=None
)


class _CaptureFilter(logging.Filter):
    """On the ``apprise`` logger: copy records into the current send's list; pass on only
    the records the application's own logging level would have let through."""

    def __init__(self, logger: logging.Logger, app_level: int) -> None:
        super().__init__()
        self.logger = logger
        self.app_level = app_level  # the level set on "apprise" before us, or NOTSET

    def filter(self, record: logging.LogRecord) -> bool:
        entries = _capture.get()
        if entries is not None:
            with contextlib.suppress(Exception):  # a malformed record: logging's problem
                entries.append((record.levelno, record.getMessage()))
        level = self.app_level
        if not level:
            parent = self.logger.parent
            level = parent.getEffectiveLevel() if parent else logging.WARNING
        return record.levelno >= level


_fixes_installed = False


def _install_apprise_fixes() -> None:
    """The module-scoped changes described at the top (once per process)."""
    global _fixes_installed
    if _fixes_installed:
        return
    _fixes_installed = True

    logger = logging.getLogger(apprise.LOGGER_NAME)
    if not any(isinstance(f, _CaptureFilter) for f in logger.filters):
        logger.addFilter(_CaptureFilter(logger, logger.level))
        logger.setLevel(logging.DEBUG)

    try:
        from apprise.plugins.email import base as email_base
        from apprise.plugins.email import smtp as email_smtp
    except ImportError:  # pragma: no cover - a future Apprise layout
        log.warning("Apprise's email module moved; emails will not reuse an SSL context")
        return
    if getattr(email_smtp, "ssl", None) is ssl:
        email_smtp.ssl = _SSLForApprise()
    else:  # pragma: no cover
        log.warning("apprise.plugins.email.smtp no longer uses ssl directly; not patched")
    convert = getattr(email_base, "convert_between", None)
    if convert is not None and not getattr(convert, "_shopdesk", False):
        email_base.convert_between = _alternative_converter(convert)


def _alternative_converter(convert):
    def convert_between(from_format, to_format, content=None, *args, **kwargs):
        text = _plain_alternative.get()
        if text is not None and from_format == NotifyFormat.HTML and to_format == NotifyFormat.TEXT:
            return text
        return convert(from_format, to_format, content, *args, **kwargs)

    convert_between._shopdesk = True  # type: ignore[attr-defined]
    return convert_between


class _SharedContexts:
    """One default client context per (check_hostname, verify_mode), built on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._contexts: dict[tuple[bool, int], ssl.SSLContext] = {}

    def get(self, check_hostname: bool, verify_mode: int) -> ssl.SSLContext:
        key = (bool(check_hostname), int(verify_mode))
        context = self._contexts.get(key)
        if context is None:
            with self._lock:
                context = self._contexts.get(key)
                if context is None:
                    context = ssl.create_default_context()
                    context.check_hostname = key[0]
                    context.verify_mode = ssl.VerifyMode(key[1])
                    self._contexts[key] = context
        return context


_shared_contexts = _SharedContexts()
share_ssl_contexts = True  # False: Apprise's behaviour (a new context per email), for the bench


class _DeferredContext:
    """What Apprise's SMTP controller gets from ``ssl.create_default_context()``."""

    __slots__ = ("_private", "check_hostname", "verify_mode")

    def __init__(self) -> None:
        object.__setattr__(self, "check_hostname", True)
        object.__setattr__(self, "verify_mode", ssl.CERT_REQUIRED)
        object.__setattr__(self, "_private", None)

    def _context(self) -> ssl.SSLContext:
        if self._private is not None:
            return self._private
        return _shared_contexts.get(self.check_hostname, self.verify_mode)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("check_hostname", "verify_mode") and self._private is None:
            object.__setattr__(self, name, value)
            return
        if self._private is None:  # anything else: a context of its own, never shared
            private = ssl.create_default_context()
            private.check_hostname = self.check_hostname
            private.verify_mode = self.verify_mode
            object.__setattr__(self, "_private", private)
        setattr(self._private, name, value)

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        return self._context().wrap_socket(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context(), name)


class _SSLForApprise:
    """The ``ssl`` name inside ``apprise.plugins.email.smtp``: the real module, except that
    ``create_default_context()`` hands out a deferred, shared context."""

    def __getattr__(self, name: str) -> Any:
        return getattr(ssl, name)

    @staticmethod
    def create_default_context(purpose=ssl.Purpose.SERVER_AUTH, *args: Any, **kwargs: Any):
        if args or kwargs or purpose != ssl.Purpose.SERVER_AUTH or not share_ssl_contexts:
            return ssl.create_default_context(purpose, *args, **kwargs)
        return _DeferredContext()


# -- secrets -------------------------------------------------------------------------------
_SECRET_KEYS = re.compile(r"pass|secret|token|key|auth|sig|apikey|pw|pin", re.I)
_USERINFO = re.compile(r"([a-z][a-z0-9+.-]*://[^:/@\s'\"]+:)[^@\s'\"]+@", re.I)
_SPLIT = re.compile(r"[:/@?&=#,;\s]+")


def _secrets_of(url: str, public_url: str | None) -> list[str]:
    """Strings from ``url`` that must not appear in an error message.

    Always: the password and the values of secret-looking options (``secret=``, ``token=``,
    ...). Then every other part that looks like a key (5+ characters with digits, mixed case,
    or 16+ characters; not a host name, an IP address or an option name), unless the
    service's privacy-masked URL (``public_url``) shows it, which Apprise does for the parts
    it knows are not secret.
    """
    scheme, _, rest = url.strip().partition("://")
    secrets: set[str] = set()
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    userinfo, _, hostport = authority.rpartition("@")
    if ":" in userinfo:
        secrets.add(userinfo.split(":", 1)[1])
    host, port = hostport, ""
    head, _, tail = hostport.rpartition(":")
    if tail.isdigit() and (hostport.count(":") == 1 or head.endswith("]")):
        host, port = head, tail
    for key, value in parse_qsl(rest.partition("?")[2], keep_blank_values=False):
        if _SECRET_KEYS.search(key):
            secrets.add(value)
    informative = public_url is not None and public_url.rstrip("/:") != scheme
    public = unquote(public_url or "")
    query = rest.partition("?")[2]
    keys = {key for key, _ in parse_qsl(query, keep_blank_values=True)}
    for token in _SPLIT.split(rest):
        if (
            not token
            or token in keys
            or token == port
            or (token == host and _is_host(host))
            or len(token) < 5
            or not _looks_random(token)
        ):
            continue
        if not informative or (token not in public_url and unquote(token) not in public):
            secrets.add(token)
    found = set()
    for secret in secrets:
        for form in (secret, unquote(secret)):
            if len(form) >= 3:
                found.add(form)
    return sorted(found, key=len, reverse=True)


def _looks_random(token: str) -> bool:
    """A key or token rather than a word or a file name."""
    if re.fullmatch(r"[A-Za-z_-]+\.[a-z]{1,5}", token):
        return False
    return (
        any(c.isdigit() for c in token)
        or len(token) >= 16
        or (any(c.isupper() for c in token) and any(c.islower() for c in token))
    )


def _is_host(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
        return True
    except ValueError:
        return (
            text == "localhost"
            or re.fullmatch(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,24}", text, re.I)
            is not None
        )


def _redact(message: str, secrets: Sequence[str]) -> str:
    message = _USERINFO.sub(r"\1****@", message)
    for secret in secrets:
        message = message.replace(secret, "****")
    return message


_SMTP_REPLY = re.compile(r"\((\d{3}), b(['\"])(.*?)\2\)")
_SMTP_REFUSED = re.compile(r"\{'([^']+)': (\d{3} [^{}]*)\}")


def _reason(entries: Sequence[tuple[int, str]]) -> str:
    """Apprise's WARNING/ERROR lines, then the exception details it logged at DEBUG, e.g.
    'Sending email to "ann@example.com" failed: 451 4.3.0 Mailbox busy'."""
    said: list[str] = []
    details: list[str] = []
    for level, message in entries:
        if level >= logging.WARNING:
            text, into = message.strip().rstrip(".: "), said
        elif "Exception: " in message:
            text, into = message.split("Exception: ", 1)[1].strip(), details
            text = _SMTP_REFUSED.sub(r"\1: \2", _SMTP_REPLY.sub(r"\1 \3", text))
        else:
            continue
        if text and text not in into:
            into.append(text)
    if said and details:
        return f"{'; '.join(said)}: {'; '.join(details)}"
    return "; ".join(said or details)


# -- the sender ----------------------------------------------------------------------------
@dataclass(slots=True)
class _Target:
    apprise: Apprise
    service: NotifyBase
    secrets: list[str]


class Sender:
    """Sends :class:`Rendered` messages to Apprise URLs, ``concurrency`` at a time.

    One per process is the idea: it keeps the plugin instances (one per URL), its thread
    pool and the shared asset. ``send`` never raises for a failed delivery; it returns
    ``SendResult(ok=False, error=...)``.
    """

    def __init__(
        self,
        plugin_paths: Sequence[Path] = (),
        concurrency: int = 50,
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.concurrency = concurrency
        self.timeout = timeout
        self._pool = cf.ThreadPoolExecutor(concurrency, thread_name_prefix="shopdesk-notify")
        self._slots: asyncio.Semaphore | None = None
        self._targets: OrderedDict[str, _Target] = OrderedDict()
        self._targets_lock = threading.Lock()
        # Loading plugins takes 0.2-0.5 s the first time: on a worker, not the event loop.
        self._ready = self._pool.submit(_warm_up, tuple(plugin_paths))
        self._closed = False

    @property
    def asset(self) -> AppriseAsset:
        """The shared asset (plugins loaded); blocks until they are."""
        return self._ready.result()

    async def __aenter__(self) -> Sender:
        await asyncio.wrap_future(self._ready)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Wait for sends in progress, then release the threads."""
        if self._closed:
            return
        self._closed = True
        await asyncio.to_thread(self._pool.shutdown, wait=True)

    async def send(self, url: str, rendered: Rendered) -> SendResult:
        if self._closed:
            raise RuntimeError("Sender is closed")
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.concurrency)
        slots = self._slots
        loop = asyncio.get_running_loop()
        await slots.acquire()
        try:
            future = self._pool.submit(self._send_blocking, url, rendered)
        except BaseException:
            slots.release()
            raise

        def release(_: cf.Future) -> None:  # when the thread is done, even after a timeout
            with contextlib.suppress(RuntimeError):  # the loop is gone
                loop.call_soon_threadsafe(slots.release)

        future.add_done_callback(release)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout)
        except TimeoutError:
            return SendResult(
                False, f"no answer within {self.timeout:g} s (still trying in the background)"
            )

    # runs on a worker thread ------------------------------------------------------------
    def _send_blocking(self, url: str, rendered: Rendered) -> SendResult:
        entries: list[tuple[int, str]] = []
        token = _capture.set(entries)
        secrets: Sequence[str] = ()
        try:
            target = self._target(url)
            if target is None:
                secrets = _secrets_of(url, None)
                reason = _unknown_url_reason(url, _reason(entries))
                return SendResult(False, _redact(reason, secrets))
            secrets = target.secrets
            body, body_format, alternative = _choose_body(target.service, rendered)
            alt_token = _plain_alternative.set(alternative)
            try:
                result = target.apprise.notify(
                    body=body, title=rendered.title, body_format=body_format
                )
            finally:
                _plain_alternative.reset(alt_token)
            if result:
                return SendResult(True, "")
            reason = (
                _reason(entries)
                or f"Apprise reported {getattr(result, 'status', 'a')} failure without a reason"
            )
            return SendResult(False, _redact(reason, secrets))
        except Exception as e:  # a plugin bug must not take the sender down
            return SendResult(
                False, _redact(f"{type(e).__name__}: {e}", secrets or _secrets_of(url, None))
            )
        finally:
            _capture.reset(token)

    def _target(self, url: str) -> _Target | None:
        with self._targets_lock:
            target = self._targets.get(url)
            if target is not None:
                self._targets.move_to_end(url)
                return target
        service = Apprise.instantiate(url, asset=self.asset)
        if service is None:
            return None
        if _generic_rate(type(service)):
            service.request_rate_per_sec = 0  # concurrency is our limit, not a 5.5 s pause
        apobj = Apprise(asset=self.asset)
        apobj.add(service)
        target = _Target(apobj, service, _secrets_of(url, service.url(privacy=True)))
        with self._targets_lock:
            self._targets[url] = target
            while len(self._targets) > _CACHE_SIZE:
                self._targets.popitem(last=False)
        return target


def _generic_rate(cls: type) -> bool:
    """True when ``cls`` only inherits NotifyBase's placeholder request rate."""
    for klass in cls.__mro__:
        if "request_rate_per_sec" in vars(klass):
            return klass is NotifyBase
    return True


def _choose_body(service: NotifyBase, rendered: Rendered) -> tuple[str, str, str | None]:
    """(body, body_format, plain alternative) for this service."""
    body_format = rendered.body_format or NotifyFormat.TEXT.value
    try:
        target = service.resolve_format(body_format)
    except Exception:
        target = None
    if rendered.text and body_format != NotifyFormat.TEXT.value:
        if target == NotifyFormat.TEXT:
            return rendered.text, NotifyFormat.TEXT.value, None  # ours, not a conversion
        if target == NotifyFormat.HTML:
            return rendered.body, body_format, rendered.text
    return rendered.body, body_format, None


def _unknown_url_reason(url: str, apprise_said: str = "") -> str:
    schema, sep, _ = url.partition("://")
    if not sep or not schema:
        return "not an Apprise URL (expected scheme://...)"
    if not re.fullmatch(r"[a-z0-9]{1,32}", schema, re.I):
        return (
            f"{schema[:32]!r} cannot be an Apprise scheme: 1-32 letters and digits only "
            "(no '-', '_' or '.')"
        )
    if schema.lower() not in apprise.NotificationManager():
        return f"no Apprise plugin handles {schema.lower()}:// URLs"
    return apprise_said or f"Apprise could not load this {schema.lower()}:// URL"


def validate_url(url: str, plugin_paths: Sequence[Path] = ()) -> str | None:
    """None if Apprise (with the shipped and given plugins) accepts ``url``, else why not —
    without echoing any credential from it."""
    asset = load_plugins(plugin_paths)
    entries: list[tuple[int, str]] = []
    token = _capture.set(entries)
    try:
        service = Apprise.instantiate(url, asset=asset)
    except Exception as e:
        return _redact(f"{type(e).__name__}: {e}", _secrets_of(url, None))
    finally:
        _capture.reset(token)
    if service is not None:
        return None
    return _redact(_unknown_url_reason(url, _reason(entries)), _secrets_of(url, None))
