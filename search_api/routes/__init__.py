"""HTTP routes, grouped by resource; each is thin and delegates to the query side."""
