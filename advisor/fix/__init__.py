"""Autofix codemods (libcst) for findings that can be fixed mechanically."""
