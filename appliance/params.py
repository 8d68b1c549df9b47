"""Reading request parameters the way the original clients send them.

Form bodies carry strings only, and a blank optional field arrives as "" — which means
"not given". Every failure names its field.
"""

from __future__ import annotations

import math
from typing import Any

from . import flags
from .errors import ValidationError

TRUE = {"1", "true", "on", "yes"}
FALSE = {"0", "false", "off", "no"}


class Params:
    def __init__(self, data: dict[str, Any]):
        self._data = data

    def _raw(self, name: str) -> Any:
        value = self._data.get(name)
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                return None
        return value

    def given(self, name: str) -> bool:
        return self._raw(name) is not None

    def text(self, name: str, *, required: bool = False, max_len: int = 500) -> str:
        value = self._raw(name)
        if value is None:
            if required:
                raise ValidationError(name, f"{name} is required")
            return ""
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            raise ValidationError(name, f"{name} must be text")
        value = str(value)
        if len(value) > max_len:
            raise ValidationError(name, f"{name} is longer than {max_len} characters")
        if any(ord(c) < 32 and c not in "\t\n" for c in value):
            raise ValidationError(name, f"{name} contains control characters")
        return value

    def boolean(self, name: str, *, default: bool | None = None) -> bool:
        value = self._raw(name)
        if value is None:
            if default is None:
                raise ValidationError(name, f"{name} is required (1 or 0)")
            return default
        if isinstance(value, bool):
            return value
        text = str(value).lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        raise ValidationError(name, f"{name} must be 1 or 0, got {value!r}")

    def integer(self, name: str, lo: int, hi: int, *, required: bool = True) -> int | None:
        value = self._raw(name)
        if value is None:
            if required:
                raise ValidationError(name, f"{name} is required")
            return None
        if isinstance(value, bool) or not isinstance(value, (int, str)) \
                or not str(value).lstrip("-").isdigit():
            raise ValidationError(name, f"{name} must be a whole number, got {value!r}")
        number = int(value)
        if not lo <= number <= hi:
            raise ValidationError(name, f"{name} must be {lo}..{hi}, got {number}")
        return number

    def seconds(self, name: str, *, required: bool, hi: float = 3600.0) -> float | None:
        value = self._raw(name)
        if value is None:
            if required:
                raise ValidationError(name, f"{name} is required")
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValidationError(name, f"{name} must be a number, got {value!r}") from None
        if isinstance(value, bool) or not math.isfinite(number) or not 0 < number <= hi:
            raise ValidationError(name, f"{name} must be more than 0 and at most {hi:g}")
        return number

    def flag(self, name: str = "flag") -> str:
        value = self.text(name, required=True, max_len=40)
        canonical = flags.normalize(value)
        if canonical is None:
            raise ValidationError(name, f"unknown flag {value!r}; known: "
                                        f"{', '.join(flags.PRECEDENCE)}")
        return canonical

    def car_number(self, name: str, *, required: bool = True) -> str | None:
        value = self._raw(name)
        if value is None:
            if required:
                raise ValidationError(name, f"{name} is required")
            return None
        text = str(value)
        if isinstance(value, bool) or not (text.isascii() and text.isdigit() and len(text) <= 4):
            raise ValidationError(name, f"{name} must be a car number of 1 to 4 digits, "
                                        f"got {value!r}")
        return text

    def choice(self, name: str, choices, *, aliases: dict | None = None) -> str:
        value = self.text(name, required=True, max_len=40).lower()
        value = (aliases or {}).get(value, value)
        if value not in choices:
            raise ValidationError(name, f"{name} must be one of {', '.join(choices)}, "
                                        f"got {value!r}")
        return value
