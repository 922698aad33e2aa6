"""Dialect-neutral rules: update operations, plans, JSON kinds, merge, ids. Pure functions."""
