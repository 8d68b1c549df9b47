"""Errors a client can cause; the HTTP layer turns them into 4xx JSON bodies."""


class ValidationError(ValueError):
    """A request that must change nothing. `field` names the offending parameter."""

    def __init__(self, field: str, message: str, status: int = 400):
        super().__init__(message)
        self.field = field
        self.message = message
        self.status = status

    def to_json(self) -> dict:
        return {"error": self.message, "field": self.field}
