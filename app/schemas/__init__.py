"""Pydantic models: ``inputs`` is what the loader (and later the write API) accepts; ``read`` is
what the API returns."""
