"""stattools.nonstationary (see the family's spec)."""
