"""Typed domain errors. Each UI maps them at its edge (exit code, HTTP status, notification)."""


class ShopdeskError(Exception):
    """Base for errors whose message is meant for the shop owner: it says what to do.

    ``code`` (with ``params``) names the error for a UI that words it itself, such as a
    customer page in the customer's language; "" when no UI needs to.
    """

    def __init__(self, message: str = "", *, code: str = "", **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class ConfigError(ShopdeskError):
    """The configuration is invalid: names the key, the bad value and what is allowed."""


class NotFound(ShopdeskError):
    """An order, shipment or other record does not exist."""


class Conflict(ShopdeskError):
    """The change clashes with what is stored (a duplicate order number, a cancelled order)."""


class InvalidInput(ShopdeskError):
    """A value given to a service is malformed or out of range."""


class AlreadyExists(Conflict):
    """The record is there already (same order number, same tracking number on the order)."""
