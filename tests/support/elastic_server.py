"""Where the Elasticsearch suite finds a real server: ELASTICSEARCH_URL, else Docker via testcontainers.

With neither, every Elasticsearch case skips and says which was missing. Nothing is mocked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

ES_IMAGE = "docker.elastic.co/elasticsearch/elasticsearch:9.1.5"


def _docker_answers() -> str | None:
    """None if a Docker engine answers, else why not."""
    try:
        import docker

        docker.from_env(timeout=3).ping()
    except Exception as exc:  # any failure means: no engine to start a container with
        return f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
    return None


@contextmanager
def elasticsearch_url() -> Iterator[str]:
    """A reachable Elasticsearch URL for the session, or a skip with the reason."""
    url = os.environ.get("ELASTICSEARCH_URL")
    if url:
        yield url
        return
    why = _docker_answers()
    if why is not None:
        pytest.skip(
            "Elasticsearch suite skipped: ELASTICSEARCH_URL is not set and no Docker engine answers "
            f"for testcontainers ({why})"
        )
    from testcontainers.community.elasticsearch import ElasticSearchContainer

    with ElasticSearchContainer(ES_IMAGE, mem_limit="2g") as container:
        # testcontainers 4.x has no get_url() for Elasticsearch: the URL is host plus mapped port.
        yield f"http://{container.get_container_host_ip()}:{container.get_exposed_port(container.port)}"
