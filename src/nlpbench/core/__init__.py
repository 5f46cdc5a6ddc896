"""Shared plumbing for both parts: errors, file io, command-line types, config, plots, statistics."""
