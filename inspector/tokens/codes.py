"""The token inspector's finding codes (api.md, token section)."""
