"""stattools.mixture (see the family's spec)."""
