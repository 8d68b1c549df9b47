"""Race Flags appliance firmware: one replicated race state, four roles."""

__version__ = "0.1.0"
