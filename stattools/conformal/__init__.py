"""stattools.conformal (see the family's spec)."""
