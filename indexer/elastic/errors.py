"""What can go wrong talking to Elasticsearch, in words an operator can act on.

Kept free of ``elasticsearch`` imports so the CLI can catch these without loading the client.
"""

from __future__ import annotations


class ElasticsearchFailure(Exception):
    """A reindex, sync, rollback or status that cannot be done; the message says what to do."""


class NotConfigured(ElasticsearchFailure):
    """No cluster URL, or no mapping file."""


class ClusterUnreachable(ElasticsearchFailure):
    """Connection refused, timed out, or the cluster stayed overloaded through every retry."""


class RequestRefused(ElasticsearchFailure):
    """Elasticsearch answered, and said no (credentials, privileges, a bad request)."""


class ReindexRunning(ElasticsearchFailure):
    """Another reindex or sync holds the writer lock of this alias."""


class NoLiveIndex(ElasticsearchFailure):
    """The alias points nowhere yet, or there is no previous version to roll back to."""


class VerificationFailed(ElasticsearchFailure):
    """The new index does not hold what was written; it is not switched to."""


class DocumentsRejected(ElasticsearchFailure):
    """Elasticsearch refused some documents (e.g. a mapping conflict)."""
