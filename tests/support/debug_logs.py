"""Every logger at DEBUG, each with a handler: what an operator gets who turns all logging up.

``elastic_transport.node`` does not propagate to the root logger, so a handler on the root alone
(pytest's caplog) would miss exactly the records that carry whole request bodies; the handler is
attached to every client logger too, as ``elastic_transport.debug_logging()`` does.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from core.client_logs import BODY_LOGGERS, URL_LOGGERS

EVERY_LOGGER = ("", "elastic_transport", "elasticsearch", "uvicorn", "fastapi", *BODY_LOGGERS, *URL_LOGGERS)


@dataclass(frozen=True)
class Line:
    logger: str
    message: str
    # The message as a handler writes it, with any traceback.
    written: str


class Collected(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[Line] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(Line(record.name, record.getMessage(), self.format(record)))


@contextmanager
def everything_at_debug() -> Iterator[Collected]:
    handler = Collected()
    loggers = [logging.getLogger(name) for name in EVERY_LOGGER]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
