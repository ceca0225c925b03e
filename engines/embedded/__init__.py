"""The embedded index: tantivy for Swedish text, a numpy column store for geo, filters and facets."""
