"""The Elasticsearch backend of the index side: versioned indexes behind an alias, bulk loading, sync."""
