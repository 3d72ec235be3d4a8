"""stattools.frechet (see the family's spec)."""
