"""The ``placeringssok`` command: what ops run to index providers and serve searches."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, replace
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from core.client_logs import keep_client_logs_private
from core.errors import DiskFull, IndexFailure, JobRefused, ServingMisconfigured, TooManyBadRecords
from core.records import source_line_json_schema
from core.settings import Backend, Settings, get_settings
from core.vacancy_ledger import VacancyLedger
from core.writing import IndexTarget
from indexer.exit_codes import ExitCode, exit_code_help
from indexer.geocoding import AddressGeocoder
from indexer.jobs import DEFAULT_MAX_ERRORS, MAX_SHRINK, ErrorLimit, JobReport, run_job
from indexer.source import RecordProblem, read_source

app = typer.Typer(
    help="Placeringssök: index placement providers and serve caseworker searches.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

SourceOption = Annotated[
    list[Path],
    typer.Option("--source", "-s", exists=True, dir_okay=False, readable=True, help="A JSON Lines export; repeatable."),
]
BackendOption = Annotated[
    Backend | None,
    typer.Option("--backend", help="Where to write; default PLACERINGSSOK_BACKEND (embedded)."),
]
CacheOption = Annotated[
    Path | None,
    typer.Option("--geocoding-cache", help="JSON cache of geocoded addresses; default PLACERINGSSOK_GEOCODING_CACHE."),
]


@app.callback()
def _before_every_command() -> None:
    # Geocoding and Elasticsearch clients log URLs and bodies at DEBUG; keep them out of any log.
    keep_client_logs_private()


def _fail(message: str, code: int = ExitCode.FAILED) -> typer.Exit:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code)


def _settings(backend: Backend | None) -> Settings:
    settings = get_settings()
    return settings.model_copy(update={"backend": backend}) if backend else settings


def _geocoder(settings: Settings, cache: Path | None) -> AddressGeocoder:
    return AddressGeocoder(cache or settings.geocoding_cache_path, service=settings.geocoder)


def _target(settings: Settings) -> IndexTarget[Any]:
    # Each engine prepares its own item type and run_job is generic in it; the CLI only picks one.
    if settings.backend is Backend.elasticsearch:
        from engines.elasticsearch.target import ElasticsearchTarget

        return ElasticsearchTarget.from_settings(settings)
    from engines.embedded.target import EmbeddedTarget

    return EmbeddedTarget(settings.embedded_dir, settings.keep_versions)


def _count_lines(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        with path.open("rb") as f:
            total += sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    return total


def _print_problem(problem: RecordProblem) -> None:
    typer.echo(f"bad record: {problem}", err=True)


def _run_with_progress(settings: Settings, sources: list[Path], cache: Path | None, **kwargs: Any) -> JobReport:
    target = _target(settings)
    geocoder = _geocoder(settings, cache)
    kwargs["ledger"] = VacancyLedger.if_present(settings.vacancy_ledger_path)
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        columns = (TextColumn("indexing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        console = Console(stderr=True)
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task("indexing", total=_count_lines(sources))
            return run_job(
                target,
                sources,
                geocoder,
                progress=lambda n: bar.advance(task, n),
                on_problem=lambda p: console.print(f"bad record: {p}", markup=False, highlight=False),
                **kwargs,
            )

    seen = 0

    def plain(n: int) -> None:
        nonlocal seen
        seen += n
        if seen % 10_000 == 0:
            typer.echo(f"read {seen} records", err=True)

    return run_job(target, sources, geocoder, progress=plain, on_problem=_print_problem, **kwargs)


def _print_report(report: JobReport) -> None:
    typer.echo(
        f"read {report.read} records: {report.indexed} indexed, {report.deleted} deleted, "
        f"{report.stale} older than the indexed version (skipped), {report.bad_records} bad"
    )
    if report.version:
        typer.echo(f"live version: {report.version}")
    for removed in report.removed_versions:
        typer.echo(f"removed old version: {removed}")


# The exit status of each refusal; every one leaves the live index as it was.
_REFUSALS: tuple[tuple[type[IndexFailure], ExitCode], ...] = (
    (TooManyBadRecords, ExitCode.TOO_MANY_BAD_RECORDS),
    (JobRefused, ExitCode.REFUSED),
    (DiskFull, ExitCode.DISK_FULL),
    (IndexFailure, ExitCode.FAILED),
)


def _job(backend: Backend | None, sources: list[Path], cache: Path | None, **kwargs: Any) -> None:
    settings = _settings(backend)
    try:
        report = _run_with_progress(settings, sources, cache, **kwargs)
    except IndexFailure as exc:
        code = next(code for kind, code in _REFUSALS if isinstance(exc, kind))
        raise _fail(str(exc), code) from exc
    except OSError as exc:
        raise _fail(
            f"{exc.strerror or type(exc).__name__}; check the data dir {settings.data_dir.resolve()} "
            "(that it exists, is writable and has free space), then run again; the live index is unchanged"
        ) from exc
    _print_report(report)
    if report.bad_records:
        typer.echo(f"{report.bad_records} records were rejected (listed above); the rest are live", err=True)
        raise typer.Exit(ExitCode.RECORDS_REJECTED)


def _error_limit(text: str | ErrorLimit) -> ErrorLimit:
    if isinstance(text, ErrorLimit):  # the default, which typer passes through the parser too
        return text
    try:
        return ErrorLimit.parse(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc


MaxErrorsOption = Annotated[
    ErrorLimit,
    typer.Option(
        "--max-errors",
        parser=_error_limit,
        metavar="N|P%",
        help="Abandon the run, leaving the live index as it is, above this many bad records (a count, or a "
        "percentage of the records read). Every bad record is still reported.",
    ),
]


@app.command(epilog=exit_code_help())
def reindex(
    source: SourceOption,
    max_errors: MaxErrorsOption = DEFAULT_MAX_ERRORS,
    allow_shrink: Annotated[
        bool,
        typer.Option(
            "--allow-shrink",
            help=f"Switch even if the new version holds more than {MAX_SHRINK:.0%} fewer documents than the live one.",
        ),
    ] = False,
    backend: BackendOption = None,
    geocoding_cache: CacheOption = None,
) -> None:
    """Build a new index version from the sources, verify it and switch to it atomically.

    Refused, the live index unchanged: an empty source, too many bad records, a 10% shrink.
    """
    _job(backend, source, geocoding_cache, incremental=False, max_errors=max_errors, allow_shrink=allow_shrink)


@app.command(epilog=exit_code_help())
def sync(
    source: SourceOption,
    max_errors: MaxErrorsOption = DEFAULT_MAX_ERRORS,
    backend: BackendOption = None,
    geocoding_cache: CacheOption = None,
) -> None:
    """Apply upserts and tombstones to the live index; an older record never replaces a newer one."""
    _job(backend, source, geocoding_cache, incremental=True, max_errors=max_errors)


@app.command(epilog="Exit status: 0 every record is good; 3 some records are bad (listed on stdout).")
def validate(source: SourceOption, geocoding_cache: CacheOption = None) -> None:
    """Report every bad record (file, line, field, reason); write nothing."""
    settings = get_settings()
    geocoder = _geocoder(settings, geocoding_cache)
    good = bad = 0
    for result in read_source(source, geocoder):
        if result.problems:
            bad += 1
            for problem in result.problems:
                typer.echo(str(problem))
        else:
            good += 1
    geocoder.save()
    typer.echo(f"{good} good records, {bad} bad", err=True)
    if bad:
        raise typer.Exit(ExitCode.RECORDS_REJECTED)


@app.command("load-schools")
def load_schools(
    source: Annotated[
        Path,
        typer.Option("--source", "-s", exists=True, dir_okay=False, help="Skolverket school units, JSON Lines."),
    ],
) -> None:
    """Load the school register into the data dir (SWEREF 99 TM converted to WGS84)."""
    from core.schools import save_schools
    from indexer.schools import read_school_register

    settings = get_settings()
    schools, problems = read_school_register(source)
    for problem in problems:
        typer.echo(f"bad record: {problem}", err=True)
    if not schools:
        raise _fail(f"no valid school units in {source}")
    save_schools(settings.schools_path, schools)
    typer.echo(f"loaded {len(schools)} schools into {settings.schools_path} ({len(problems)} problems)")


@app.command("load-articles")
def load_articles(
    source: Annotated[
        Path,
        typer.Option("--source", "-s", exists=True, dir_okay=False, help="The portal's articles, JSON Lines."),
    ],
    backend: BackendOption = None,
) -> None:
    """Load the portal's articles, replacing the ones loaded before; a bad line loads nothing."""
    from indexer.articles import read_articles

    settings = _settings(backend)
    articles, problems = read_articles(source)
    for problem in problems:
        typer.echo(f"bad record: {problem}", err=True)
    if problems:
        raise _fail(f"{len(problems)} problems in {source}; fix them and load again (nothing was loaded)")
    if not articles:
        raise _fail(f"no articles in {source}")
    if settings.backend is Backend.elasticsearch:
        from engines.elasticsearch.article_index import write_articles as write_to_elasticsearch

        version = write_to_elasticsearch(settings, articles)
    else:
        from engines.embedded.article_index import write_articles

        version = write_articles(settings.articles_dir, articles)
    typer.echo(f"loaded {len(articles)} articles ({version})")


@app.command()
def status(
    backend: BackendOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object, for scripts.")] = False,
) -> None:
    """Show the backend, data dir or cluster, live and previous version, when it was switched to and
    built, and its documents by provider type; the same fields on every backend."""
    from indexer.status import index_status, status_text

    settings = _settings(backend)
    try:
        found = index_status(settings)
    except IndexFailure as exc:
        raise _fail(str(exc)) from exc
    except Exception as exc:
        raise _fail(f"the index could not be read ({type(exc).__name__}); check {settings.data_dir.resolve()}") from exc
    typer.echo(json.dumps(found, indent=2, ensure_ascii=False) if as_json else status_text(found))
    if found["integrity"] not in (None, "intact"):
        raise typer.Exit(ExitCode.FAILED)


@app.command()
def rollback(
    to: Annotated[
        str | None,
        typer.Option("--to", metavar="VERSION", help="A kept version to make live ('status' lists them)."),
    ] = None,
    backend: BackendOption = None,
) -> None:
    """Make the previous version live again, or the kept version --to names; the current one becomes
    the previous."""
    settings = _settings(backend)
    try:
        target = _target(settings)
        with target.writer_lock():
            live = target.rollback(to)
    except IndexFailure as exc:
        raise _fail(str(exc)) from exc
    typer.echo(f"live version: {live}")


@app.command()
def audit(
    since: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="First day to export (UTC), YYYY-MM-DD.")],
    subject: Annotated[str | None, typer.Option(help="Only this caseworker (the sign-in's subject).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="A JSON array instead of one line per entry.")] = False,
    register_ids: Annotated[
        bool, typer.Option("--register-ids", help="The register's own provider ids instead of the public ones.")
    ] = False,
) -> None:
    """Export the caseworkers' audit log for review: who opened or was shown which providers, and when."""
    settings = get_settings()
    from core.audit import AuditLog
    from core.public_ids import PublicIds

    entries = list(AuditLog(settings.audit_dir).entries(since.date(), subject))
    if register_ids and settings.opaque_ids:
        ids = PublicIds.from_settings(settings)
        entries = [replace(e, providers=[ids.register(p) or p for p in e.providers]) for e in entries]
    if as_json:
        typer.echo(json.dumps([asdict(e) for e in entries], ensure_ascii=False, indent=2))
        return
    for e in entries:
        providers = " ".join(e.providers) or "-"
        typer.echo(f"{e.at}  {e.subject}  {e.organisation or '-'}  {e.method} {e.route}  {e.status}  {providers}")


@app.command()
def schema() -> None:
    """Print the JSON Schema of one provider line, for source systems to validate their exports."""
    typer.echo(json.dumps(source_line_json_schema(), indent=2, ensure_ascii=False))


def _cores() -> int:
    """The cores this process may run on (a container's CPU set, not the machine's)."""
    return len(os.sched_getaffinity(0)) or 1


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(help="Worker processes; default PLACERINGSSOK_WORKERS, else one per core.", min=1),
    ] = None,
) -> None:
    """Serve the search API (and the embeddable search box) with uvicorn, one worker process per core."""
    import faulthandler

    import uvicorn

    settings = get_settings()
    workers = workers or settings.workers or _cores()
    try:
        storage = settings.rate_limit_storage_for(workers)
    except ServingMisconfigured as exc:
        raise _fail(str(exc), ExitCode.USAGE) from exc
    # The workers are started afresh (spawned) and read their settings from the environment: this is
    # how each learns the storage of the counts they share.
    os.environ["PLACERINGSSOK_RATE_LIMIT_STORAGE"] = storage
    scheme = storage.partition("://")[0]
    typer.echo(f"serving with {workers} worker process(es); rate-limit counts: {scheme}", err=True)
    # A fatal signal (SIGBUS from an index file truncated under its memory map) leaves a line and
    # the threads' stacks on stderr, never a silent exit.
    faulthandler.enable()

    uvicorn.run(
        "search_api.worker_app:create_worker_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        server_header=False,  # no banner naming the server software
        log_level="info",
    )
