"""stattools.duration (see the family's spec)."""
