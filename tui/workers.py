"""Slow work for the screens: Textual workers whose unexpected errors do not end the app.

``@guarded_work("Loading the returns", group=...)`` is ``@work`` for an async method, except
that an error it did not expect (a database gone away, a table missing, a bug) is logged with
its traceback and shown as a notification saying what failed and where to look; the app keeps
running and the owner can try again. Errors meant for the owner (``ShopdeskError``) are still
handled by the screens themselves, with their own wording.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from textual import work
from textual.dom import DOMNode

log = logging.getLogger(__name__)

LOG_HINT = "see shopdesk.log in the data directory"
Method = TypeVar("Method", bound=Callable[..., Awaitable[Any]])


def report_failure(node: DOMNode, what: str, exc: BaseException) -> str:
    """Log ``exc`` with its traceback and tell the owner; returns the notification's text."""
    log.error("%s failed", what, exc_info=exc)
    reason = str(exc).strip() or type(exc).__name__
    text = f"{what} failed: {reason} — {LOG_HINT}."
    node.notify(text, title="Something went wrong", severity="error", timeout=15)
    return text


def guarded_work(
    what: str | Callable[[Any], str],
    *,
    group: str,
    exclusive: bool = True,
    description: str | None = None,
) -> Callable[[Method], Any]:
    """``@work`` for an async method; an unexpected error becomes a notification.

    Args:
        what: the work as the owner would name it ("Loading the returns"), used in the
            notification and the worker's description; or a function of the node giving it
            (for a base class whose subclasses each name the work their own way).
        group: the worker group (see ``textual.work``).
        exclusive: cancel the group's running worker first.
        description: the worker's description, if not ``what``.
    """

    def decorate(method: Method) -> Any:
        @functools.wraps(method)
        async def guarded(self: DOMNode, *args: Any, **kwargs: Any) -> Any:
            try:
                return await method(self, *args, **kwargs)
            except asyncio.CancelledError:
                raise  # replaced by a newer worker, or the screen went away
            except Exception as exc:
                report_failure(self, what if isinstance(what, str) else what(self), exc)
                return None

        return work(
            guarded,
            exclusive=exclusive,
            group=group,
            description=description or (what if isinstance(what, str) else group),
            exit_on_error=False,
        )

    return decorate
