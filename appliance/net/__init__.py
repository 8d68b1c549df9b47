"""The mesh: UDP discovery, peer sync and shared time between appliances (README: "The mesh"; wire format: ARCHITECTURE.md)."""
