"""Index side of Placeringssök: provider records in, a validated, normalised search index out."""
