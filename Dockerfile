# Placeringssök: the indexer and the search API in one image; docker-compose.yml runs both.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# The project as committed (.dockerignore keeps out virtualenvs, data dirs and tests).
COPY . .
RUN pip install .

# The mapping file and the fixtures are read from /app; indexes and the school register live in /data.
ENV PLACERINGSSOK_ELASTICSEARCH_MAPPINGS=/app/mappings/providers.json \
    PLACERINGSSOK_DATA_DIR=/data
RUN useradd --system --uid 10001 --home-dir /app placeringssok \
    && mkdir /data && chown placeringssok /data
USER placeringssok
VOLUME ["/data"]

EXPOSE 8000
CMD ["placeringssok", "serve", "--host", "0.0.0.0", "--port", "8000"]
