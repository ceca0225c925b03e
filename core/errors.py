"""Every failure Placeringssök reports, in one hierarchy; callers catch a base class.

Each message says what to do next, and none carries a value the caller sent or a confidential
home's details: these texts reach terminals, logs and HTTP bodies.

    PlaceringssokError
    ├── IndexFailure              a reindex, sync, rollback or status that cannot be done
    │   ├── WriterBusy            another reindex or sync holds the index (either engine)
    │   ├── NoLiveIndex           nothing indexed yet, or no previous version to roll back to
    │   ├── VerificationFailed    the new version does not hold what was written; not switched to
    │   ├── DocumentsRejected     the engine refused documents (e.g. a mapping conflict)
    │   ├── JobRefused            the job's own guards kept the result from going live
    │   │   ├── EmptySource       a reindex with no documents to index
    │   │   ├── TooMuchShrink     a reindex that would drop more than 10% of the live documents
    │   │   └── TooManyBadRecords more bad records than --max-errors allows
    │   ├── DiskFull              no space left where the index is written
    │   ├── IndexDamaged          a version fails its checksums or cannot be opened
    │   │   └── PointerDamaged    the live pointer is unreadable or names no version of the data dir
    │   └── ElasticsearchFailure  talking to Elasticsearch failed
    │       ├── NotConfigured     no cluster URL, or no mapping file
    │       ├── ClusterUnreachable  refused, timed out, or overloaded through every retry
    │       └── RequestRefused    the cluster answered no (credentials, privileges, a bad request)
    ├── RecordRejected            one source record cannot be indexed (its field and reason)
    ├── GeocodingFailed           an address has no coordinates
    ├── SearchRefused             a search that is well-formed but cannot be run (e.g. unknown school)
    │   └── UnknownSchool
    ├── BackendUnavailable        the engine cannot answer now: the API answers 503 with Retry-After
    ├── AuditUnavailable          the caseworkers' audit log cannot be written: the API answers 503
    ├── ServingMisconfigured      settings that cannot serve together (per-process rate counts, workers)
    ├── NativeRoutineMissing      the engine's compiled routine (facet counts) cannot be built or loaded
    └── ConfidentialLeak          a response would expose a confidential home: the API answers 500
"""

from __future__ import annotations


class PlaceringssokError(Exception):
    """The base of every error the product raises on purpose."""


class IndexFailure(PlaceringssokError):
    """A reindex, sync, rollback or status that cannot be done; the message says what to do."""


class WriterBusy(IndexFailure):
    """Another reindex or sync holds the index; run again when it has finished."""


class NoLiveIndex(IndexFailure):
    """Nothing has been indexed yet, or there is no previous version to roll back to."""


class VerificationFailed(IndexFailure):
    """The new version does not hold what was written; it is not switched to."""


class DocumentsRejected(IndexFailure):
    """The engine refused some documents (e.g. a mapping conflict)."""


class JobRefused(IndexFailure):
    """A reindex or sync whose result the job's guards refused; nothing was switched."""


class EmptySource(JobRefused):
    """A reindex that would leave no document live: an empty or wholly bad export."""


class TooMuchShrink(JobRefused):
    """A reindex that would drop more of the live documents than ops allow without --allow-shrink."""


class TooManyBadRecords(JobRefused):
    """More bad records than --max-errors allows; every one was still reported."""


class DiskFull(IndexFailure):
    """The file system holding the index is full; the message names it and the space needed."""


class IndexDamaged(IndexFailure):
    """A version on disk is not as it was built (its checksums) or cannot be opened."""


class PointerDamaged(IndexDamaged):
    """The live pointer is unreadable, or names something that is not a version of the data dir."""


class ElasticsearchFailure(IndexFailure):
    """Elasticsearch could not do what the indexer asked, in words an operator can act on."""


class NotConfigured(ElasticsearchFailure):
    """No cluster URL, or no mapping file."""


class ClusterUnreachable(ElasticsearchFailure):
    """Connection refused, timed out, or the cluster stayed overloaded through every retry."""


class RequestRefused(ElasticsearchFailure):
    """Elasticsearch answered, and said no (credentials, privileges, a bad request)."""


class RecordRejected(PlaceringssokError):
    """A valid record that still cannot be indexed; ``field`` and ``reason`` go into the report."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class GeocodingFailed(PlaceringssokError):
    """An address could not be turned into coordinates; the message says why and what to do."""


class SearchRefused(PlaceringssokError):
    """A well-formed search that cannot be run; ``field`` names the criterion to change."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class UnknownSchool(SearchRefused):
    """The school code is not in the loaded register."""


class BackendUnavailable(PlaceringssokError):
    """The engine cannot answer now (down, timing out, no index yet); the API answers 503."""

    def __init__(self, reason: str, retry_after_s: int = 5) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after_s = retry_after_s


class AuditUnavailable(PlaceringssokError):
    """The audit log cannot be written: a caseworker's request is refused rather than left unrecorded."""


class ConfidentialLeak(PlaceringssokError):
    """A response was about to expose a confidential home to a role that may not see it."""


class ServingMisconfigured(PlaceringssokError):
    """Settings the server cannot start with together; the message names the setting to change."""


class NativeRoutineMissing(PlaceringssokError):
    """The embedded engine's compiled routine (``engines/embedded/popcounts.c``) could not be built
    or loaded; the message says what failed and what to install or run."""
