"""The connection inspector's finding codes (api.md, connection section)."""
