"""What the ``placeringssok`` command's exit status means, for the scripts and schedulers that run it.

Any status but 0 and 3 means nothing was switched: the live index is the one that served before.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    # The index, the cluster or the data dir failed (the message says what to do); nothing switched.
    FAILED = 1
    # A wrong option or argument (click's own code).
    USAGE = 2
    # The new version is live, but some records were rejected; each is listed on stderr.
    RECORDS_REJECTED = 3
    # More bad records than --max-errors allows; every one is listed, nothing switched.
    TOO_MANY_BAD_RECORDS = 4
    # A guard refused the result: an empty source, or a shrink beyond 10% without --allow-shrink.
    REFUSED = 5
    # The disk holding the index is full; the message names it and the space needed.
    DISK_FULL = 6


def exit_code_help() -> str:
    """The table for ``--help`` and the README."""
    return (
        "Exit status: 0 done; 1 failed, nothing switched; 2 bad usage; 3 live, but records were rejected "
        "(listed on stderr); 4 more bad records than --max-errors, nothing switched; 5 refused by a guard "
        "(empty source, or shrinking more than 10% without --allow-shrink), nothing switched; 6 disk full, "
        "nothing switched."
    )
