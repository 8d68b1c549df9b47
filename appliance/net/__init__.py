"""The mesh: UDP discovery, peer sync and shared time between appliances (docs/mesh.md)."""
