"""Model definitions: small, readable, one file per family."""
