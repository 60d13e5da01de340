"""The environment check's finding codes (api.md, env section)."""
