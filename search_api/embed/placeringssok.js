/*
 * <placeringssok-search>: the Placeringssök search box that municipal portals embed with one script tag.
 *
 *   <script src="https://API/embed/placeringssok.js" defer></script>
 *   <placeringssok-search api-key="..." county="07" facets="provider_type,target_groups"></placeringssok-search>
 *
 * Rules this file keeps (domain.md, "Privacy and secrecy"; WCAG 2.1 AA, which binds the portals):
 * - A search describes a child. Criteria, typed text and the school travel only in POST bodies, never in a
 *   URL; nothing is written to cookies or Web Storage; inputs opt out of autofill history and of spellcheck
 *   (Chrome's enhanced spellcheck sends text to a third party). Requests go only to the API base.
 * - No dependencies, no build step, no eval and no inline handlers, so a portal's strict CSP can load it.
 *   Styles are constructable stylesheets, which CSP's style-src does not block.
 * - Every UI string is Swedish. Both text fields follow the WAI-ARIA 1.2 combobox pattern (list
 *   autocomplete, manual selection) with the listbox in the same shadow root, so the IDREFs resolve.
 */
(() => {
  'use strict';

  const TAG = 'placeringssok-search';
  if (customElements.get(TAG)) return;

  // document.currentScript is only set while this classic script runs: the default API base is its origin.
  const SCRIPT_ORIGIN = (() => {
    try {
      const script = document.currentScript;
      return script && script.src ? new URL(script.src).origin : window.location.origin;
    } catch {
      return window.location.origin;
    }
  })();

  // The checkbox facets in order, name -> {field: the criteria field a selection goes to, legend, default}.
  // The API writes them in from its facet registry (core/facets.py) when it serves this file.
  const FACETS = /* facets: written in by the API from core/facets.py */ {};
  const FACET_FIELDS = Object.fromEntries(Object.entries(FACETS).map(([name, facet]) => [name, facet.field]));
  const FACET_LEGENDS = {
    ...Object.fromEntries(Object.entries(FACETS).map(([name, facet]) => [name, facet.legend])),
    needs: 'Behov',
  };
  const FIELD_LABELS = {
    gender: 'Barnets kön',
    max_price_per_day: 'Högsta pris',
    permit_covers_needs: 'Tillståndet',
    far_from: 'Långt från en plats',
    exclude: 'Undantagna områden',
    q: 'Söktext',
    school: 'Barnets skola',
    max_km: 'Högsta avstånd',
    min_km: 'Minsta avstånd',
    age: 'Barnets ålder',
    needs: 'Behov',
    sort: 'Sortering',
    page: 'Sida',
    has_vacancy: 'Lediga platser',
  };
  for (const [facet, field] of Object.entries(FACET_FIELDS)) FIELD_LABELS[field] = FACET_LEGENDS[facet];

  const DEFAULT_FACETS = Object.keys(FACETS).filter((name) => FACETS[name].default);
  const MAX_KM_CHOICES = [10, 20, 40, 80, 150, 300];
  // A minimum distance is how a caseworker keeps a child away from a threat ("at least 150 km from Malmö").
  const MIN_KM_CHOICES = [10, 20, 50, 100, 150, 200, 300];
  const SORTS = [
    ['relevance', 'Bäst matchning'],
    ['distance', 'Närmast skolan först'],
    ['price', 'Lägst pris först'],
    ['vacancies_updated', 'Senast bekräftade platser först'],
  ];
  const SUGGESTION_KINDS = {
    provider: 'verksamhet',
    target_group: 'behov',
    method: 'metod',
    municipality: 'kommun',
  };
  const GENDERS = [
    ['flickor', 'Flicka'],
    ['pojkar', 'Pojke'],
    ['alla', 'Icke-binär'],
  ];
  // "At least 150 km from Malmö": how far from the place where the child is at risk.
  const FAR_KM_CHOICES = [50, 100, 150, 200, 300, 500];
  const ZONE_KM_CHOICES = [10, 25, 50, 100, 150];
  const PRICE_CHOICES = [2000, 3000, 4000, 5000, 6000, 8000, 10000];
  // Selects and checkboxes: one search when the reader stops, not one per arrow-key step.
  const CONTROL_DEBOUNCE_MS = 300;
  const HISTORY_KEY = 'placeringssok';
  const PAGE_SIZE = 10;
  const MAX_PAGE = 500; // the API's limit
  const FACET_VALUES_SHOWN = 6;
  const DEBOUNCE_MS = 250;
  const MIN_CHARS = 2;

  const numberFormat = new Intl.NumberFormat('sv-SE');
  const decimalFormat = new Intl.NumberFormat('sv-SE', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const scoreFormat = new Intl.NumberFormat('sv-SE', { maximumFractionDigits: 2 });
  const dateFormat = new Intl.DateTimeFormat('sv-SE', { day: 'numeric', month: 'long', year: 'numeric' });

  const STYLES = `
:host {
  display: block;
  container-type: inline-size;
  font-family: var(--pls-font, inherit);
  font-size: var(--pls-font-size, 1rem);
  line-height: 1.5;
  color: var(--pls-color-text, #1b1b1b);
  background: var(--pls-color-bg, #ffffff);
  --_accent: var(--pls-color-accent, #1a56a6);
  --_accent-text: var(--pls-color-accent-text, #ffffff);
  --_border: var(--pls-color-border, #6b6b6b);
  --_subtle: var(--pls-color-border-subtle, #d0d0d0);
  --_muted: var(--pls-color-muted, #4d4d4d);
  --_focus: var(--pls-color-focus, #a83b00);
  --_error: var(--pls-color-error, #b00020);
  --_warning-bg: var(--pls-color-warning-bg, #fff4e5);
  --_warning-text: var(--pls-color-warning-text, #5c3200);
  --_warning-border: var(--pls-color-warning-border, #b45309);
  --_mark: var(--pls-color-mark, #ffe27a);
  --_radius: var(--pls-radius, 0.25rem);
}
:host([hidden]) { display: none; }
[hidden] { display: none !important; }
*, *::before, *::after { box-sizing: border-box; }
h2, h3, p, ul, ol, dl, dd, fieldset { margin: 0; }
h2 { font-size: 1.25rem; line-height: 1.3; }
h3 { font-size: 1.125rem; line-height: 1.3; }
a { color: var(--_accent); }
:focus-visible { outline: 3px solid var(--_focus); outline-offset: 2px; }
.visually-hidden {
  position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}
form { display: grid; gap: 1rem; }
.field { display: flex; flex-direction: column; gap: 0.25rem; min-width: 0; }
label, legend { font-weight: 600; }
fieldset { border: 1px solid var(--_subtle); border-radius: var(--_radius); padding: 0.75rem; min-width: 0; }
legend { padding: 0 0.25rem; }
.place { display: grid; gap: 0.75rem; }
.row { display: flex; flex-wrap: wrap; gap: 0.75rem; }
.row > .field { flex: 1 1 9rem; }
.hint { color: var(--_muted); font-size: 0.875rem; }
.field-error { color: var(--_error); font-weight: 600; }
input[type=text], select {
  font: inherit; color: inherit; background: var(--pls-color-input-bg, #ffffff);
  border: 2px solid var(--_border); border-radius: var(--_radius);
  padding: 0.5rem 0.625rem; min-height: 2.75rem; width: 100%; max-width: 100%;
}
input[aria-invalid=true], select[aria-invalid=true] { border-color: var(--_error); }
input[type=checkbox] { width: 1.25rem; height: 1.25rem; margin: 0.125rem 0 0; flex: none; accent-color: var(--_accent); }
.combo { position: relative; }
[role=listbox] {
  position: absolute; left: 0; right: 0; top: 100%; z-index: 10;
  margin: 0.25rem 0 0; padding: 0.25rem 0; list-style: none;
  background: var(--pls-color-bg, #ffffff); color: var(--pls-color-text, #1b1b1b);
  border: 2px solid var(--_border); border-radius: var(--_radius);
  max-height: 18rem; overflow-y: auto; box-shadow: 0 0.25rem 0.75rem rgba(0, 0, 0, 0.2);
}
[role=option] { padding: 0.5rem 0.75rem; cursor: pointer; overflow-wrap: anywhere; }
[role=option]:hover { background: #eef3fa; }
[role=option][aria-selected=true] { background: var(--_accent); color: var(--_accent-text); }
.kind { font-size: 0.875rem; color: var(--_muted); }
[role=option][aria-selected=true] .kind { color: inherit; }
.chosen { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem; }
button {
  font: inherit; min-height: 2.75rem; padding: 0.5rem 1rem; cursor: pointer;
  border: 2px solid var(--_accent); border-radius: var(--_radius);
  background: var(--_accent); color: var(--_accent-text);
}
button.secondary { background: transparent; color: var(--_accent); }
button.link { border: 0; background: none; color: var(--_accent); text-decoration: underline; padding: 0.25rem; min-height: 2.75rem; }
button:disabled { cursor: default; background: #ededed; border-color: #c4c4c4; color: #595959; }
.actions { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: center; }
.skip:not(:focus) { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.active { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem; margin-top: 1rem; }
.active ul { display: flex; flex-wrap: wrap; gap: 0.5rem; list-style: none; padding: 0; }
.chip { padding: 0.25rem 0.75rem; min-height: 2.75rem; background: transparent; color: var(--_accent); overflow-wrap: anywhere; text-align: start; }
.error { margin-top: 1rem; }
.error:empty { display: none; }
.error-box {
  display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: center;
  border: 2px solid var(--_error); border-left-width: 0.5rem; border-radius: var(--_radius); padding: 0.75rem;
}
.error-box p { flex: 1 1 14rem; font-weight: 600; }
.layout { display: grid; grid-template-columns: minmax(0, 1fr); gap: 1.5rem; margin-top: 1.5rem; }
/* Wide (46 rem and more, measured by the element itself): the filters are a sidebar beside the results. */
.box:not(.narrow) .layout { grid-template-columns: minmax(13rem, 18rem) minmax(0, 1fr); align-items: start; }
.filters, .facets { display: grid; gap: 1rem; }
.toggle, .facet li { display: flex; gap: 0.5rem; align-items: flex-start; }
.toggle label, .facet label { font-weight: 400; overflow-wrap: anywhere; }
.facet ul { list-style: none; padding: 0; display: grid; gap: 0.375rem; margin-top: 0.25rem; }
.count { color: var(--_muted); }
.results { display: grid; grid-template-columns: minmax(0, 1fr); gap: 1rem; min-width: 0; }
.results[aria-busy=true] .hits { opacity: 0.6; }
.results-head { display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; align-items: end; justify-content: space-between; }
.results-head h2:focus { outline: none; }
.results-head h2:focus-visible { outline: 3px solid var(--_focus); }
.sort { flex: 0 1 16rem; }
.status { font-weight: 600; }
.hits { list-style: none; padding: 0; display: grid; gap: 1rem; }
.hit { border: 1px solid var(--_subtle); border-radius: var(--_radius); padding: 1rem; display: grid; gap: 0.5rem; overflow-wrap: anywhere; }
.meta { color: var(--_muted); }
.facts { display: grid; gap: 0.25rem; }
.facts div { display: flex; flex-wrap: wrap; gap: 0 0.5rem; }
.facts dt { font-weight: 600; }
.facts dt::after { content: ":"; }
.stale { color: var(--_warning-text); background: var(--_warning-bg); padding: 0 0.25rem; }
.warnings { background: var(--_warning-bg); color: var(--_warning-text); border-left: 0.25rem solid var(--_warning-border); padding: 0.5rem 0.75rem; }
.warnings ul { padding-left: 1.25rem; }
.warnings p { font-weight: 600; }
.snippet { font-style: italic; }
mark { background: var(--_mark); color: inherit; font-style: normal; padding: 0 0.1em; }
details summary { cursor: pointer; color: var(--_accent); font-weight: 600; min-height: 2.75rem; display: flex; align-items: center; }
details summary::before { content: "▸" / ""; margin-right: 0.375rem; }
details[open] summary::before { content: "▾" / ""; }
details summary::-webkit-details-marker { display: none; }
details ul { padding-left: 1.25rem; }
.empty { padding: 1rem; border: 1px dashed var(--_border); border-radius: var(--_radius); }
.pagination { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; }
.pagination ul { display: flex; flex-wrap: wrap; gap: 0.5rem; list-style: none; padding: 0; }
.pagination button { min-width: 2.75rem; padding: 0.5rem 0.75rem; }
.pagination button[aria-current=page] { background: var(--_accent); color: var(--_accent-text); }
/* Narrow: results first; every filter waits in a modal drawer (<dialog>) the "Filter (n)" button opens. */
.box:not(.narrow) .drawer-toggle { display: none; }
.drawer {
  margin: 0 0 0 auto; padding: 0; border: 0; border-left: 1px solid var(--_border);
  width: min(100vw, 28rem); max-width: 100vw; height: 100%; max-height: 100%; overflow-y: auto;
  background: var(--pls-color-bg, #ffffff); color: var(--pls-color-text, #1b1b1b);
}
.drawer::backdrop { background: rgba(0, 0, 0, 0.5); }
.drawer-head, .drawer-foot {
  position: sticky; z-index: 20; display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: center;
  justify-content: space-between; padding: 0.75rem 1rem; background: var(--pls-color-bg, #ffffff);
}
.drawer-head { top: 0; border-bottom: 1px solid var(--_subtle); }
.drawer-foot { bottom: 0; border-top: 1px solid var(--_subtle); }
.drawer-head h2:focus { outline: none; }
.drawer-head h2:focus-visible { outline: 3px solid var(--_focus); }
.drawer .filters { padding: 1rem; }
.drawer-status { font-weight: 600; }
.drawer .filters > h2 { display: none; } /* the drawer's own heading names it */
.sections:empty { display: none; }
@container (max-width: 30rem) {
  /* Every pixel above the first result counts: the hint stays for screen readers, the sort sits inline. */
  #q-hint { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  .sort { flex-direction: row; align-items: center; gap: 0.5rem; flex: 1 1 100%; }
  .sort select { width: auto; min-width: 0; flex: 1 1 0; }
  .layout { margin-top: 1rem; }
}
.map { margin: 0; display: grid; gap: 0.5rem; }
.map-svg { width: 100%; height: auto; max-height: 36rem; border: 1px solid var(--_subtle); border-radius: var(--_radius); background: #e8f1f8; }
.map-svg .land { fill: #f4f4f0; stroke: #6b6b6b; stroke-width: 1; }
.map-svg .area { fill: #f4f4f0; stroke: #b5b5b5; stroke-width: 0.6; }
.map-svg .area.excluded { fill: url(#pls-hatch); }
.map-svg .county { fill: none; stroke: #6b6b6b; stroke-width: 1.2; }
.map-svg .county.excluded { fill: url(#pls-hatch); fill-opacity: 0.8; stroke: #b00020; stroke-width: 2; }
.map-svg .hatch-bg { fill: #f6dede; }
.map-svg .hatch-line { stroke: #b00020; stroke-width: 3; }
.map-svg .area.confidential { fill: #cfe0f5; stroke: #1a56a6; stroke-width: 2; }
.map-svg .zone { fill: url(#pls-hatch); fill-opacity: 0.8; stroke: #b00020; stroke-width: 1.5; }
.map-svg .far { fill: none; stroke: #b00020; stroke-width: 2; stroke-dasharray: 8 6; }
.map-svg .radius { fill: none; stroke: #1a56a6; stroke-width: 2; stroke-dasharray: 4 4; }
.map-svg .school rect { fill: #1b1b1b; stroke: #ffffff; stroke-width: 2; }
.map-svg .point circle { fill: #1a56a6; stroke: #ffffff; stroke-width: 1.5; }
.map-svg .point text { fill: #ffffff; font-size: 9px; font-weight: 700; text-anchor: middle; }
.map figcaption { color: var(--_muted); font-size: 0.875rem; }
@media (forced-colors: active) {
  [role=option][aria-selected=true] { background: Highlight; color: HighlightText; forced-color-adjust: none; }
  mark { forced-color-adjust: none; }
}
`;

  function adoptStyles(root) {
    // Constructable stylesheets pass a portal's CSP without 'unsafe-inline'; <style> is the fallback.
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(STYLES + ARTICLE_STYLES);
      root.adoptedStyleSheets = [sheet];
    } catch {
      const style = document.createElement('style');
      style.textContent = STYLES + ARTICLE_STYLES;
      root.append(style);
    }
  }

  /** Build an element: h('button', {class: 'x', onclick: fn}, 'text'). Never parses HTML. */
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
      else if (key === 'text') el.textContent = value;
      else el.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : String(child));
    }
    return el;
  }

  /** The engine's highlight (escaped text with <mark>) as nodes: text and <mark> only, nothing else survives. */
  function highlightNodes(html) {
    const doc = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html');
    const out = [];
    for (const node of doc.body.childNodes) {
      if (node.nodeType === Node.ELEMENT_NODE && node.nodeName === 'MARK') out.push(h('mark', null, node.textContent));
      else out.push(document.createTextNode(node.textContent || ''));
    }
    return out;
  }

  function plural(n, one, many) {
    return `${numberFormat.format(n)} ${n === 1 ? one : many}`;
  }

  /** A confidential home's distance is whole km on purpose; showing "12,0" would claim a precision it lacks. */
  function km(value, whole) {
    return whole ? `${numberFormat.format(Math.round(value))} km` : `${decimalFormat.format(value)} km`;
  }

  function daysAgo(iso) {
    const then = Date.parse(iso);
    if (Number.isNaN(then)) return null;
    return Math.max(0, Math.floor((Date.now() - then) / 86400000));
  }

  function safeHttpUrl(value) {
    try {
      const url = new URL(value);
      return url.protocol === 'https:' || url.protocol === 'http:' ? url : null;
    } catch {
      return null;
    }
  }

  /** The whole search as the box holds it; also what "Rensa alla" returns to. */
  function emptyState() {
    return {
      q: '',
      school: null, // {code, name, municipality}
      maxKm: '',
      minKm: '',
      age: '',
      gender: '',
      maxPrice: '',
      permitCovers: false,
      farFrom: { place: null, km: '' }, // place: {kind, code, name, lat, lon}
      zones: [], // {place, km}: km null = the whole municipality or county
      needs: new Map(), // value -> label
      selected: new Map(), // facet -> Set(values)
      hasVacancy: false,
      sort: 'relevance',
      page: 1,
      result: null,
      error: null,
    };
  }

  function zoneCriterion(zone) {
    if (zone.km) return { lat: zone.place.lat, lon: zone.place.lon, radius_km: zone.km };
    return zone.place.kind === 'county' ? { county_code: zone.place.code } : { municipality_code: zone.place.code };
  }

  function zoneText(zone) {
    return zone.km ? `${zone.km} km runt ${zone.place.name}` : zone.place.name;
  }

  function comboInput(id, describedBy, maxlength) {
    return h('input', {
      id,
      type: 'text',
      role: 'combobox',
      'aria-autocomplete': 'list',
      'aria-expanded': 'false',
      'aria-controls': `${id}-listbox`,
      'aria-describedby': describedBy,
      autocomplete: 'off',
      autocapitalize: 'off',
      spellcheck: 'false',
      maxlength: String(maxlength),
      part: 'input',
    });
  }

  /** Inside the iframe fallback: tell the portal page how tall the box is, so the frame fits it. */
  function watchHeight(element) {
    if (window.parent === window || typeof ResizeObserver === 'undefined') return;
    let last = 0;
    new ResizeObserver(() => {
      const height = Math.ceil(document.documentElement.scrollHeight);
      if (height === last) return;
      last = height;
      // Only a height travels; '*' because the framing portal's origin is not known here.
      window.parent.postMessage({ type: 'placeringssok:height', height }, '*');
    }).observe(document.body);
    void element;
  }

  class ApiError extends Error {
    constructor(status, body, retryAfter) {
      super(`HTTP ${status}`);
      this.status = status;
      this.body = body;
      this.retryAfter = retryAfter;
    }
  }

  /** Swedish text for a failed request: what happened and what the reader can do. */
  function errorText(error) {
    if (error.local) return error.local;
    switch (error.status) {
      case 0:
        if (error.refused) {
          return (
            `Placeringssök svarar men tillåter inte sökningar från den här webbplatsen (${window.location.origin}) – webbläsaren stoppade svaret (CORS). ` +
            'Webbplatsens webbredaktion: be Placeringssöks drift lägga till webbplatsens adress i PLACERINGSSOK_PUBLIC_ORIGINS (sökruta utan nyckel) ' +
            'eller bland API-nyckelns origins i PLACERINGSSOK_API_KEYS.'
          );
        }
        return 'Det gick inte att nå Placeringssök. Kontrollera internetanslutningen och försök igen.';
      case 503:
      case 502:
      case 504: {
        const seconds = Number.parseInt(error.retryAfter || '', 10);
        const when = Number.isFinite(seconds) && seconds > 0 ? ` om cirka ${plural(seconds, 'sekund', 'sekunder')}` : ' om en stund';
        return `Sökningen är tillfälligt otillgänglig. Försök igen${when}.`;
      }
      case 401:
        return (
          'Sökrutan har en ogiltig eller saknad API-nyckel (401). Webbplatsens webbredaktion: kontrollera attributet api-key ' +
          'på <placeringssok-search>, eller ta bort det för en publik sökruta från en adress i PLACERINGSSOK_PUBLIC_ORIGINS.'
        );
      case 403:
        return (
          `Sökrutan får inte användas på den här webbplatsen med sin API-nyckel (403). Webbplatsens webbredaktion: be Placeringssöks drift ` +
          `lägga till ${window.location.origin} bland nyckelns origins i PLACERINGSSOK_API_KEYS.`
        );
      case 422: {
        const errors = (error.body && Array.isArray(error.body.errors) && error.body.errors) || [];
        const parts = errors.map((e) => {
          const field = String(e.field || '').split('.')[0];
          return `${FIELD_LABELS[field] || field || 'Sökningen'}: ${e.message}`;
        });
        const detail = parts.length ? parts.join('; ') : (error.body && error.body.detail) || '';
        return `Sökningen kunde inte göras eftersom något i den är ogiltigt. ${detail}`.trim();
      }
      case 429:
        return 'För många sökningar på kort tid. Vänta en stund och försök igen.';
      default:
        return `Något gick fel i sökningen (felkod ${error.status}). Försök igen om en stund.`;
    }
  }

  /**
   * One WAI-ARIA 1.2 combobox: a text input that owns a listbox of suggestions (list autocomplete,
   * manual selection). DOM focus stays on the input; aria-activedescendant points at the active option.
   */
  class Combobox {
    constructor({ input, listbox, load, describe, pick, announce }) {
      this.input = input;
      this.listbox = listbox;
      this.load = load;
      this.describe = describe;
      this.pick = pick;
      this.announce = announce;
      this.items = [];
      this.active = -1;
      this.timer = 0;
      this.seq = 0;
      // After a pick, Enter or Escape, a late answer must not reopen the list under the reader.
      this.quiet = false;
      input.addEventListener('input', () => this.onInput());
      input.addEventListener('keydown', (event) => this.onKeydown(event));
      input.addEventListener('blur', () => this.close());
      // mousedown would blur the input and close the list before the click lands.
      listbox.addEventListener('mousedown', (event) => event.preventDefault());
      listbox.addEventListener('click', (event) => {
        const option = event.target.closest('[role=option]');
        if (option) this.choose(Number(option.dataset.index));
      });
    }

    get isOpen() {
      return !this.listbox.hidden;
    }

    onInput() {
      this.quiet = false;
      window.clearTimeout(this.timer);
      const text = this.input.value.trim();
      if (text.length < MIN_CHARS) {
        this.seq += 1;
        this.items = [];
        this.close();
        return;
      }
      this.timer = window.setTimeout(() => this.fetch(text), DEBOUNCE_MS);
    }

    async fetch(text) {
      const seq = ++this.seq;
      let items = [];
      try {
        items = await this.load(text);
      } catch {
        items = []; // a failed suggestion is not worth an alert; the search itself reports errors
      }
      if (seq !== this.seq || this.quiet || this.input.value.trim() !== text) return;
      this.items = items;
      this.active = -1;
      this.render();
      if (items.length && this.input.getRootNode().activeElement === this.input) {
        this.open();
        this.announce(`${plural(items.length, 'förslag', 'förslag')}. Välj med pil upp och pil ned.`);
      } else {
        this.close();
        if (!items.length) this.announce('Inga förslag.');
      }
    }

    render() {
      const prefix = this.listbox.id;
      this.listbox.replaceChildren(
        ...this.items.map((item, index) => {
          const { text, detail } = this.describe(item);
          return h(
            'li',
            { role: 'option', id: `${prefix}-${index}`, 'data-index': index, 'aria-selected': 'false', part: 'option' },
            text,
            detail ? h('span', { class: 'kind' }, ` – ${detail}`) : null,
          );
        }),
      );
    }

    open() {
      this.listbox.hidden = false;
      this.input.setAttribute('aria-expanded', 'true');
    }

    close() {
      this.listbox.hidden = true;
      this.input.setAttribute('aria-expanded', 'false');
      this.setActive(-1);
    }

    setActive(index) {
      this.active = index;
      const options = this.listbox.querySelectorAll('[role=option]');
      options.forEach((option, i) => option.setAttribute('aria-selected', String(i === index)));
      if (index >= 0 && options[index]) {
        this.input.setAttribute('aria-activedescendant', options[index].id);
        options[index].scrollIntoView({ block: 'nearest' });
      } else {
        this.input.removeAttribute('aria-activedescendant');
      }
    }

    choose(index) {
      const item = this.items[index];
      if (!item) return;
      this.quiet = true;
      this.close();
      this.pick(item);
    }

    onKeydown(event) {
      const count = this.items.length;
      switch (event.key) {
        case 'ArrowDown':
          if (!count) return;
          event.preventDefault();
          if (!this.isOpen) {
            this.open();
            this.setActive(event.altKey ? -1 : 0);
          } else {
            this.setActive((this.active + 1) % count);
          }
          break;
        case 'ArrowUp':
          if (!count) return;
          event.preventDefault();
          if (!this.isOpen) this.open();
          this.setActive(this.active <= 0 ? count - 1 : this.active - 1);
          break;
        case 'Enter':
          if (this.isOpen && this.active >= 0) {
            event.preventDefault();
            this.choose(this.active);
          } else {
            // No option chosen: Enter submits the form (the search), and the list stays shut.
            this.quiet = true;
            this.close();
          }
          break;
        case 'Escape':
          if (this.isOpen) {
            event.preventDefault();
            this.quiet = true;
            this.close();
          } else if (this.input.value) {
            event.preventDefault();
            this.input.value = '';
            this.input.dispatchEvent(new Event('input', { bubbles: true }));
          }
          break;
        case 'Tab':
          this.close();
          break;
        default:
          break;
      }
    }
  }

  const SVG_NS = 'http://www.w3.org/2000/svg';
  const EARTH_RADIUS_KM = 6371.0088;

  /** Build an SVG element, as h() builds HTML ones. */
  function svg(tag, attrs, ...children) {
    const el = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value !== null && value !== undefined && value !== false) el.setAttribute(key, String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : String(child));
    }
    return el;
  }

  /**
   * The caseworker's map: the page's hits, the school and the exclusion zones over Sweden's
   * municipality and county boundaries (sweden-areas.json, SCB's boundaries shipped with the API:
   * no tiles, no third party).
   * A second view only: the list holds the same hits and is the keyboard-complete one, so the map is
   * one image with a caption. Confidential homes have no position in any response: they are drawn as
   * their municipality's area, never as a point. The public role gets no map at all.
   */
  class CaseworkerMap {
    constructor(loadAreas) {
      this.loadAreas = loadAreas;
      this.areas = null;
      this.element = h('figure', { class: 'map', part: 'map', hidden: true });
      this.seq = 0;
    }

    project([lat, lon]) {
      const p = this.areas.projection;
      return [(lon - p.lon0) * p.km_per_deg_lon, -(lat - p.lat0) * p.km_per_deg_lat];
    }

    /** A circle of ``km`` around a point, as a path in map kilometres (exact on the sphere). */
    circle(lat, lon, km) {
      const d = km / EARTH_RADIUS_KM;
      const phi1 = (lat * Math.PI) / 180;
      const lambda1 = (lon * Math.PI) / 180;
      const points = [];
      for (let i = 0; i < 72; i += 1) {
        const theta = (2 * Math.PI * i) / 72;
        const phi2 = Math.asin(Math.sin(phi1) * Math.cos(d) + Math.cos(phi1) * Math.sin(d) * Math.cos(theta));
        const lambda2 =
          lambda1 + Math.atan2(Math.sin(theta) * Math.sin(d) * Math.cos(phi1), Math.cos(d) - Math.sin(phi1) * Math.sin(phi2));
        points.push(this.project([(phi2 * 180) / Math.PI, (lambda2 * 180) / Math.PI]));
      }
      return `M${points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join('L')}Z`;
    }

    async draw(state) {
      const result = state.result;
      const seq = ++this.seq;
      if (!result || result.role !== 'caseworker' || !result.hits.length) {
        this.element.hidden = true;
        this.element.replaceChildren();
        return;
      }
      try {
        this.areas = this.areas || (await this.loadAreas());
      } catch {
        this.element.hidden = true; // the map is extra; the list has everything
        return;
      }
      if (seq !== this.seq) return;
      this.render(state, result);
      this.element.hidden = false;
    }

    render(state, result) {
      const areas = this.areas;
      const excluded = new Set(); // municipalities
      const excludedCounties = new Set();
      const zonePaths = [];
      for (const zone of state.zones) {
        if (zone.km) zonePaths.push(this.circle(zone.place.lat, zone.place.lon, zone.km));
        else if (zone.place.kind === 'county') excludedCounties.add(zone.place.code);
        else excluded.add(zone.place.code);
      }
      const confidential = new Map(); // municipality -> hit numbers
      const points = [];
      const extent = [];
      result.hits.forEach((hit, index) => {
        const number = (result.page - 1) * result.size + index + 1;
        if (hit.location) {
          const [x, y] = this.project([hit.location.lat, hit.location.lon]);
          points.push({ x, y, number, name: hit.name });
          extent.push([x, y]);
        } else {
          const list = confidential.get(hit.municipality_code) || [];
          list.push(`${number}. ${hit.name}`);
          confidential.set(hit.municipality_code, list);
          const seat = areas.municipalities[hit.municipality_code];
          if (seat) extent.push(seat.seat);
        }
      });
      const school = state.school && state.school.lat !== undefined ? this.project([state.school.lat, state.school.lon]) : null;
      if (school) extent.push(school);

      const cells = Object.entries(areas.municipalities).map(([code, m]) => {
        const classes = ['area'];
        if (excluded.has(code)) classes.push('excluded');
        if (confidential.has(code)) classes.push('confidential');
        const title = confidential.has(code)
          ? svg('title', null, `${m.name}: ${confidential.get(code).join('; ')} (visas som kommunens område)`)
          : null;
        return svg('path', { d: m.area, class: classes.join(' '), 'data-municipality': code }, title);
      });
      const counties = Object.entries(areas.counties).map(([code, c]) =>
        svg('path', { d: c.area, class: excludedCounties.has(code) ? 'county excluded' : 'county', 'data-county': code }),
      );
      const overlays = [];
      for (const d of zonePaths) overlays.push(svg('path', { d, class: 'zone' }));
      const far = state.farFrom;
      if (far.place && far.km) overlays.push(svg('path', { d: this.circle(far.place.lat, far.place.lon, Number(far.km)), class: 'far' }));
      if (school && state.maxKm) overlays.push(svg('path', { d: this.circle(state.school.lat, state.school.lon, Number(state.maxKm)), class: 'radius' }));

      const marks = points.map((p) =>
        svg(
          'g',
          { class: 'point', 'data-hit': p.number },
          svg('title', null, `${p.number}. ${p.name}`),
          svg('circle', { cx: p.x.toFixed(1), cy: p.y.toFixed(1), r: 7 }),
          svg('text', { x: p.x.toFixed(1), y: (p.y + 3.5).toFixed(1) }, String(p.number)),
        ),
      );
      const schoolMark = school
        ? svg('g', { class: 'school' }, svg('title', null, `Skolan: ${state.school.name}`), svg('rect', { x: school[0] - 7, y: school[1] - 7, width: 14, height: 14 }))
        : null;

      const [vx, vy, vw, vh] = areas.view_box;
      let box = [vx, vy, vw, vh];
      if (extent.length) {
        const xs = extent.map(([x]) => x);
        const ys = extent.map(([, y]) => y);
        const pad = 40 + (state.maxKm && school ? Number(state.maxKm) : 0);
        const w = Math.max(Math.max(...xs) - Math.min(...xs) + 2 * pad, 200);
        const hgt = Math.max(Math.max(...ys) - Math.min(...ys) + 2 * pad, 200);
        const cx = (Math.max(...xs) + Math.min(...xs)) / 2;
        const cy = (Math.max(...ys) + Math.min(...ys)) / 2;
        box = [cx - w / 2, cy - hgt / 2, w, hgt];
      }
      const captionId = 'map-caption';
      const picture = svg(
        'svg',
        { viewBox: box.map((n) => n.toFixed(1)).join(' '), role: 'img', 'aria-labelledby': captionId, class: 'map-svg', focusable: 'false' },
        svg(
          'defs',
          null,
          svg('clipPath', { id: 'pls-land' }, svg('path', { d: areas.outline })),
          svg(
            'pattern',
            { id: 'pls-hatch', width: 12, height: 12, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
            svg('rect', { width: 12, height: 12, class: 'hatch-bg' }),
            svg('line', { x1: 0, y1: 0, x2: 0, y2: 12, class: 'hatch-line' }),
          ),
        ),
        svg('path', { d: areas.outline, class: 'land' }),
        cells,
        counties,
        svg('g', { 'clip-path': 'url(#pls-land)' }, overlays),
        schoolMark,
        marks,
      );
      const parts = [`${plural(points.length, 'träff', 'träffar')} som numrerade punkter i listans ordning`];
      const areaCount = [...confidential.values()].reduce((n, list) => n + list.length, 0);
      if (areaCount) parts.push(`${plural(areaCount, 'konfidentiellt hem', 'konfidentiella hem')} som sin kommuns område, aldrig som punkt`);
      if (school) parts.push('skolan som en fyrkant');
      if (state.zones.length) parts.push(`${plural(state.zones.length, 'undantaget område', 'undantagna områden')} randigt i rött`);
      const caption = h(
        'figcaption',
        { id: captionId },
        `Karta över den här sidans träffar: ${parts.join(', ')}. Kommun- och länsgränser från SCB. Listan ovan har samma träffar.`,
      );
      this.element.replaceChildren(h('h3', null, 'Karta'), picture, caption);
    }
  }

  // ---- Artiklar: the portal's articles, a section of its own -------------------------------------
  // Self-contained: it talks to POST /v1/articles/search through the box's own _post, shows the newest
  // articles until the reader searches, then the articles matching the same free text (the same
  // Swedish analysis as the homes), with a topic (tag) filter. Every role may read it.

  const ARTICLE_PAGE_SIZE = 5;
  const ARTICLE_TAGS_SHOWN = 8;
  const ARTICLE_STYLES = `
.articles { margin-top: 2rem; display: grid; gap: 0.75rem; }
.article-status { font-weight: 600; }
.article-list { list-style: none; padding: 0; display: grid; gap: 0.75rem; }
.article-list h3 { font-size: 1.05rem; margin: 0; }
.article-meta { color: var(--pls-color-muted, #4a4a4a); font-size: 0.9rem; }
.article-tags { border: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; }
.article-tags legend { font-weight: 600; margin-bottom: 0.25rem; }
`;

  class ArticleSection {
    constructor(post) {
      this.post = post;
      this.q = null;
      this.tags = new Set();
      this.page = 1;
      this.seq = 0;
      this.shown = [];
      this.heading = h('h2', { id: 'articles-heading', tabindex: '-1' }, 'Artiklar');
      this.status = h('p', { class: 'article-status', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });
      this.tagBox = h('fieldset', { class: 'article-tags', hidden: true }, h('legend', null, 'Ämnen'));
      this.list = h('ol', { class: 'article-list', 'aria-labelledby': 'articles-heading', part: 'articles' });
      this.more = h('button', { type: 'button', class: 'secondary', hidden: true, onclick: () => this.load(true) }, 'Visa fler artiklar');
      this.element = h(
        'section',
        { class: 'articles', 'aria-labelledby': 'articles-heading', part: 'articles-section' },
        this.heading,
        this.status,
        this.tagBox,
        this.list,
        this.more,
      );
    }

    /** The box searched: follow its free text (only a new text starts the articles over). */
    follow(q) {
      const text = (q || '').trim();
      if (text === this.q) return;
      this.q = text;
      this.page = 1;
      this.load(false);
    }

    async load(more) {
      const seq = ++this.seq;
      const body = { page: more ? this.page + 1 : 1, size: ARTICLE_PAGE_SIZE };
      if (this.q) body.q = this.q;
      if (this.tags.size) body.tags = [...this.tags];
      let data;
      try {
        data = await this.post('/v1/articles/search', body);
      } catch {
        if (seq !== this.seq) return;
        this.status.textContent = 'Artiklarna kunde inte hämtas just nu.';
        return;
      }
      if (seq !== this.seq) return;
      this.page = data.page;
      this.shown = more ? [...this.shown, ...data.hits] : data.hits;
      this.render(data, more);
    }

    render(data, more) {
      const count = plural(data.total, 'artikel', 'artiklar');
      this.status.textContent = data.total === 0
        ? 'Inga artiklar matchar söktexten.'
        : this.q ? `${count} om söktexten` : `${count}, de senaste först`;
      const firstNew = more ? this.list.children.length : 0;
      this.list.replaceChildren(...this.shown.map((article, index) => this.item(article, index)));
      this.more.hidden = this.shown.length >= data.total;
      this.renderTags(data.facets.tags || []);
      // Keyboard readers land on the first article that was added, not back at the top.
      if (more && this.list.children[firstNew]) this.list.children[firstNew].querySelector('h3').focus();
    }

    item(article, index) {
      const id = `article-${index}-title`;
      const words = article.title_highlight ? highlightNodes(article.title_highlight) : article.title;
      const title = article.url ? h('a', { href: article.url, rel: 'noopener noreferrer' }, words) : words;
      const marked = (article.highlights || [])[0];
      return h(
        'li',
        null,
        h(
          'article',
          { 'aria-labelledby': id },
          h('h3', { id, tabindex: '-1' }, title),
          h(
            'p',
            { class: 'article-meta' },
            h('time', { datetime: article.published_at }, dateFormat.format(new Date(article.published_at))),
            ` · ${article.tags.join(', ')}`,
          ),
          h('p', { class: marked ? 'snippet' : null }, marked ? highlightNodes(marked) : article.excerpt),
        ),
      );
    }

    renderTags(counts) {
      // Re-drawn after every change: the reader's focus stays on the topic they just ticked.
      const focused = this.tagBox.getRootNode().activeElement;
      const refocus = focused && this.tagBox.contains(focused) ? focused.dataset.tag : null;
      const shown = counts.filter((t) => this.tags.has(t.value) || counts.indexOf(t) < ARTICLE_TAGS_SHOWN);
      this.tagBox.hidden = shown.length === 0;
      this.tagBox.replaceChildren(
        h('legend', null, 'Ämnen'),
        ...shown.map((tag, i) => {
          const id = `article-tag-${i}`;
          const box = h('input', {
            id,
            type: 'checkbox',
            checked: this.tags.has(tag.value),
            'data-tag': tag.value,
            onchange: (event) => {
              if (event.target.checked) this.tags.add(tag.value);
              else this.tags.delete(tag.value);
              this.load(false);
            },
          });
          return h('div', { class: 'check' }, box, h('label', { for: id }, `${tag.value} (${numberFormat.format(tag.count)})`));
        }),
      );
      if (refocus !== null) {
        const again = [...this.tagBox.querySelectorAll('input')].find((input) => input.dataset.tag === refocus);
        if (again) again.focus();
      }
    }
  }

  class PlaceringssokSearch extends HTMLElement {
    static get observedAttributes() {
      return ['api-base', 'api-key', 'county', 'facets'];
    }

    constructor() {
      super();
      this._root = this.attachShadow({ mode: 'open' });
      adoptStyles(this._root);
      this._state = emptyState();
      this._controlTimer = 0;
      this._rememberedKey = null;
      this._onPopStateBound = (event) => this._onPopState(event);
      this._labels = new Map(); // `${facet}\n${value}` -> label, learned from responses and suggestions
      this._expanded = new Set(); // facets whose long list is shown in full
      this._county = null;
      this._seq = 0;
      this._controller = null;
      this._built = false;
      this._pending = false;
    }

    connectedCallback() {
      if (!this._built) {
        this._build();
        this._built = true;
        this._applyCounty();
        if (this.hasAttribute('resize-parent')) watchHeight(this);
      }
      window.addEventListener('popstate', this._onPopStateBound);
      if (!this._state.result && !this._state.error) this._search();
    }

    disconnectedCallback() {
      window.removeEventListener('popstate', this._onPopStateBound);
      if (this._controller) this._controller.abort();
    }

    attributeChangedCallback(name, oldValue, newValue) {
      if (!this._built || oldValue === newValue) return;
      if (name === 'county') this._applyCounty();
      this._state.page = 1;
      // Several attributes set together cause one search, not one each.
      if (this._pending) return;
      this._pending = true;
      queueMicrotask(() => {
        this._pending = false;
        if (this.isConnected) this._search();
      });
    }

    get _apiBase() {
      return (this.getAttribute('api-base') || SCRIPT_ORIGIN).replace(/\/+$/, '');
    }

    get _displayFacets() {
      const asked = (this.getAttribute('facets') || '')
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name in FACET_FIELDS);
      const facets = asked.length ? [...new Set(asked)] : [...DEFAULT_FACETS];
      // A preselected county must stay visible, or the reader could not see or untick it.
      if (this._county && !facets.includes('county_code')) facets.push('county_code');
      return facets;
    }

    _applyCounty() {
      const counties = this._selectedSet('county_code');
      if (this._county) counties.delete(this._county);
      const county = (this.getAttribute('county') || '').trim();
      this._county = /^\d{2}$/.test(county) ? county : null;
      if (this._county) counties.add(this._county);
    }

    _selectedSet(facet) {
      if (!this._state.selected.has(facet)) this._state.selected.set(facet, new Set());
      return this._state.selected.get(facet);
    }

    _label(facet, value) {
      return this._labels.get(`${facet}\n${value}`) || value;
    }

    // ---- building the static parts once -------------------------------------------------------

    _build() {
      const el = (this._els = {});
      // role=status is polite already; aria-live and aria-atomic are spelled out for older screen readers.
      el.status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true', part: 'status' });
      el.suggestStatus = h('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });
      el.error = h('div', { class: 'error', role: 'alert', part: 'error' });

      // Free text with suggestions.
      el.q = h('input', {
        id: 'q',
        type: 'text',
        role: 'combobox',
        'aria-autocomplete': 'list',
        'aria-expanded': 'false',
        'aria-controls': 'q-listbox',
        'aria-describedby': 'q-hint',
        autocomplete: 'off',
        autocapitalize: 'off',
        spellcheck: 'false',
        maxlength: '300',
        part: 'input',
      });
      el.qList = h('ul', { id: 'q-listbox', role: 'listbox', 'aria-label': 'Förslag', hidden: true, part: 'listbox' });

      // School picker: the origin of every distance.
      el.school = comboInput('school', 'school-hint school-error', 100);
      el.schoolList = h('ul', { id: 'school-listbox', role: 'listbox', 'aria-label': 'Skolor', hidden: true, part: 'listbox' });
      el.schoolError = h('p', { id: 'school-error', class: 'field-error', hidden: true });
      el.schoolChosenText = h('span');
      el.schoolChosen = h(
        'p',
        { class: 'chosen', hidden: true },
        el.schoolChosenText,
        h('button', { type: 'button', class: 'secondary', onclick: () => this._clearSchool(true) }, 'Ta bort skolan'),
      );
      const select = (id, describedBy, first, choices, onchange) =>
        h(
          'select',
          { id, 'aria-describedby': describedBy, part: 'select', onchange },
          h('option', { value: '' }, first),
          choices.map(([value, text]) => h('option', { value }, text)),
        );
      const kmChoices = (list) => list.map((n) => [n, `${n} km`]);
      el.maxKm = select('max-km', 'distance-hint', 'Ingen gräns', kmChoices(MAX_KM_CHOICES), () => this._onDistance());
      el.minKm = select('min-km', 'distance-hint', 'Inget', kmChoices(MIN_KM_CHOICES), () => this._onDistance());
      el.distanceHint = h('p', { id: 'distance-hint', class: 'hint' }, 'Avstånden räknas från skolan du väljer.');

      // The child: age and gender decide which homes may take her or him, and the permit check.
      el.age = select('age', 'child-hint', 'Inte angiven', Array.from({ length: 21 }, (_, n) => [n, `${n} år`]), () =>
        this._onControl(),
      );
      el.gender = select('gender', 'child-hint', 'Inte angivet', GENDERS, () => this._onControl());

      // Far from a place that is not the school: where the child is at risk.
      el.far = comboInput('far', 'far-hint', 100);
      el.farList = h('ul', { id: 'far-listbox', role: 'listbox', 'aria-label': 'Platser att hålla avstånd till', hidden: true, part: 'listbox' });
      el.farKm = select('far-km', 'far-hint', 'Inget', kmChoices(FAR_KM_CHOICES), () => this._onFar());

      // Exclusion zones: a municipality, a county, or a circle around a place.
      el.zone = comboInput('zone', 'zone-hint zone-error', 100);
      el.zoneList = h('ul', { id: 'zone-listbox', role: 'listbox', 'aria-label': 'Områden', hidden: true, part: 'listbox' });
      el.zoneSize = select('zone-size', 'zone-hint', 'Hela kommunen eller länet', kmChoices(ZONE_KM_CHOICES).map(([n, t]) => [n, `${t} runt platsen`]), null);
      el.zoneError = h('p', { id: 'zone-error', class: 'field-error', hidden: true });

      el.price = select('price', null, 'Inget', PRICE_CHOICES.map((n) => [n, `${numberFormat.format(n)} kr`]), () => this._onControl());
      el.permit = h('input', { id: 'permit', type: 'checkbox', 'aria-describedby': 'permit-hint', onchange: () => this._onControl() });
      el.vacancy = h('input', { id: 'vacancy', type: 'checkbox', 'data-key': 'has_vacancy', onchange: () => this._onControl() });
      el.vacancyLabel = h('label', { for: 'vacancy' }, 'Bara verksamheter med lediga platser');

      el.drawerToggle = h(
        'button',
        { type: 'button', class: 'secondary drawer-toggle', 'aria-haspopup': 'dialog', 'aria-controls': 'drawer', onclick: () => this._openDrawer() },
        'Filter',
      );
      const form = h(
        'form',
        { role: 'search', 'aria-label': 'Sök placering', novalidate: true, part: 'form', onsubmit: (e) => this._onSubmit(e) },
        h(
          'div',
          { class: 'field' },
          h('label', { for: 'q' }, 'Sök verksamhet, behov, metod eller kommun'),
          h('div', { class: 'combo' }, el.q, el.qList),
          h('p', { id: 'q-hint', class: 'hint' }, 'Förslag visas när du skriver. Välj med pil upp och ned och Enter.'),
        ),
        h(
          'div',
          { class: 'actions' },
          h('button', { type: 'submit', part: 'button' }, 'Sök'),
          el.drawerToggle,
          // Keyboard users would otherwise tab through every filter to reach the hits.
          h(
            'button',
            { type: 'button', class: 'secondary skip', onclick: () => this._els.resultsHeading.focus() },
            'Hoppa till sökresultaten',
          ),
        ),
      );

      el.activeList = h('ul', { 'aria-labelledby': 'active-label' });
      el.active = h(
        'div',
        { class: 'active', hidden: true, part: 'active-filters' },
        h('p', { id: 'active-label' }, 'Valda villkor:'),
        el.activeList,
        h('button', { type: 'button', class: 'link', onclick: () => this._clearAll() }, 'Rensa alla'),
      );

      el.facets = h('div', { class: 'facets' });
      el.sections = h('div', { class: 'sections' }); // extra sections (e.g. articles) slot in here
      // The portal's articles follow the same free text; articles="off" leaves them out.
      if (this.getAttribute('articles') !== 'off') {
        this._articles = new ArticleSection((path, body) => this._post(path, body));
        el.sections.append(this._articles.element);
      }
      el.filters = h(
        'section',
        { class: 'filters', 'aria-labelledby': 'filters-heading', part: 'filters' },
        h('h2', { id: 'filters-heading' }, 'Filtrera'),
        h(
          'fieldset',
          { class: 'place', part: 'place' },
          h('legend', null, 'Barnets skola och avstånd'),
          h(
            'div',
            { class: 'field' },
            h('label', { for: 'school' }, 'Barnets skola (valfritt)'),
            h('div', { class: 'combo' }, el.school, el.schoolList),
            h('p', { id: 'school-hint', class: 'hint' }, 'Skriv skolans namn och välj den i listan.'),
            el.schoolError,
            el.schoolChosen,
          ),
          h(
            'div',
            { class: 'row' },
            h('div', { class: 'field' }, h('label', { for: 'max-km' }, 'Högst så här långt bort'), el.maxKm),
            h('div', { class: 'field' }, h('label', { for: 'min-km' }, 'Minst så här långt bort'), el.minKm),
          ),
          el.distanceHint,
        ),
        h(
          'fieldset',
          { class: 'place', part: 'child' },
          h('legend', null, 'Barnet'),
          h(
            'div',
            { class: 'row' },
            h('div', { class: 'field' }, h('label', { for: 'age' }, 'Barnets ålder'), el.age),
            h('div', { class: 'field' }, h('label', { for: 'gender' }, 'Barnets kön'), el.gender),
          ),
          h('p', { id: 'child-hint', class: 'hint' }, 'Åldern används också för att kontrollera IVO-tillståndet.'),
          h(
            'div',
            { class: 'toggle' },
            el.permit,
            h('label', { for: 'permit' }, 'Bara tillstånd som omfattar behoven'),
          ),
          h(
            'p',
            { id: 'permit-hint', class: 'hint' },
            'Behov, valda målgrupper och ålder jämförs med IVO-tillståndet. Hem som inte behöver tillstånd visas också. Hem vars tillstånd omfattar behoven visas alltid först.',
          ),
        ),
        h(
          'fieldset',
          { class: 'place', part: 'far-from' },
          h('legend', null, 'Långt från en plats'),
          h(
            'div',
            { class: 'field' },
            h('label', { for: 'far' }, 'Plats där barnet inte ska vara nära'),
            h('div', { class: 'combo' }, el.far, el.farList),
          ),
          h('div', { class: 'field' }, h('label', { for: 'far-km' }, 'Minst så här långt från platsen'), el.farKm),
          h('p', { id: 'far-hint', class: 'hint' }, 'En kommun eller en skola, till exempel där barnet riskerar att fara illa.'),
        ),
        h(
          'fieldset',
          { class: 'place', part: 'zones' },
          h('legend', null, 'Undantagna områden'),
          h(
            'div',
            { class: 'field' },
            h('label', { for: 'zone' }, 'Område att undanta'),
            h('div', { class: 'combo' }, el.zone, el.zoneList),
            el.zoneError,
          ),
          h('div', { class: 'field' }, h('label', { for: 'zone-size' }, 'Undanta'), el.zoneSize),
          h('p', { id: 'zone-hint', class: 'hint' }, 'Välj kommun, län eller skola i listan och lägg till. Inga träffar visas inom området.'),
          h('button', { type: 'button', class: 'secondary', onclick: () => this._addZone() }, 'Lägg till området'),
        ),
        h('div', { class: 'field' }, h('label', { for: 'price' }, 'Högsta pris per dygn'), el.price),
        h('div', { class: 'toggle', part: 'vacancy' }, el.vacancy, el.vacancyLabel),
        el.facets,
      );
      // Narrow screens: the same filters move into a modal drawer (showModal: focus moves in and stays,
      // the page behind is inert, Escape closes it and focus returns to the "Filter (n)" button).
      el.drawerStatus = h('p', { class: 'drawer-status', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });
      el.drawerHeading = h('h2', { id: 'drawer-heading', tabindex: '-1' }, 'Filtrera');
      el.drawer = h(
        'dialog',
        { id: 'drawer', class: 'drawer', 'aria-labelledby': 'drawer-heading', part: 'drawer', onclose: () => this._onDrawerClosed() },
        h('div', { class: 'drawer-head' }, el.drawerHeading, h('button', { type: 'button', class: 'secondary', onclick: () => this._closeDrawer() }, 'Stäng')),
        h('div', { class: 'drawer-foot' }, el.drawerStatus, h('button', { type: 'button', onclick: () => this._closeDrawer() }, 'Visa träffar')),
      );
      el.drawer.addEventListener('keydown', (event) => this._trapFocus(event));

      el.sort = h(
        'select',
        { id: 'sort', part: 'select', onchange: () => this._onControl() },
        SORTS.map(([value, text]) => h('option', { value }, text)),
      );
      el.resultsHeading = h('h2', { id: 'results-heading', tabindex: '-1' }, 'Sökresultat');
      el.hits = h('ol', { class: 'hits', part: 'hits', 'aria-labelledby': 'results-heading' });
      el.empty = h('div', { class: 'empty', hidden: true });
      el.pagination = h('nav', { class: 'pagination', 'aria-label': 'Sidor i sökresultatet', part: 'pagination', hidden: true });
      this._map = new CaseworkerMap(() => this._getJson('/embed/sweden-areas.json'));
      el.map = this._map.element;
      el.results = h(
        'section',
        { class: 'results', 'aria-labelledby': 'results-heading', part: 'results' },
        h(
          'div',
          { class: 'results-head' },
          h('div', null, el.resultsHeading, el.status),
          h('div', { class: 'field sort' }, h('label', { for: 'sort' }, 'Sortera'), el.sort),
        ),
        el.hits,
        el.empty,
        el.pagination,
        el.map,
      );

      el.layout = h('div', { class: 'layout' }, el.filters, el.results);
      el.box = h('div', { lang: 'sv', class: 'box' }, form, el.active, el.error, el.layout, el.sections, el.suggestStatus, el.drawer);
      this._root.append(el.box);
      this._narrow = null;
      new ResizeObserver(() => this._fitWidth()).observe(this);
      this._fitWidth();

      this._freeText = new Combobox({
        input: el.q,
        listbox: el.qList,
        load: (q) => this._post('/v1/suggest', { q, limit: 8 }),
        describe: (s) => ({ text: s.text, detail: SUGGESTION_KINDS[s.kind] }),
        pick: (s) => this._onSuggestion(s),
        announce: (text) => this._announceSuggestions(text),
      });
      this._schools = new Combobox({
        input: el.school,
        listbox: el.schoolList,
        load: (q) => this._post('/v1/schools/search', { q, limit: 10 }),
        describe: (s) => ({ text: s.name, detail: s.municipality }),
        pick: (s) => this._onSchool(s),
        announce: (text) => this._announceSuggestions(text),
      });
      const places = (kinds) => async (q) =>
        (await this._post('/v1/places/search', { q, limit: 10 })).filter((p) => kinds.includes(p.kind));
      const describePlace = (p) => ({ text: p.name, detail: p.detail });
      this._farPicker = new Combobox({
        input: el.far,
        listbox: el.farList,
        load: places(['municipality', 'school']),
        describe: describePlace,
        pick: (p) => this._onFarPlace(p),
        announce: (text) => this._announceSuggestions(text),
      });
      this._zonePicker = new Combobox({
        input: el.zone,
        listbox: el.zoneList,
        load: places(['municipality', 'county', 'school']),
        describe: describePlace,
        pick: (p) => {
          this._zonePlace = p;
          el.zone.value = p.name;
          el.zoneError.hidden = true;
          el.zone.removeAttribute('aria-invalid');
        },
        announce: (text) => this._announceSuggestions(text),
      });
      this._zonePlace = null;
      el.zone.addEventListener('input', () => {
        this._zonePlace = null;
      });
      el.far.addEventListener('input', () => {
        if (this._state.farFrom.place) {
          this._state.farFrom.place = null;
          if (this._state.farFrom.km) this._restart();
        }
      });
      // Editing the school's name un-chooses it: a distance must never be measured from a stale school.
      el.school.addEventListener('input', () => {
        this._hideSchoolError();
        if (this._state.school) {
          this._clearSchool(false);
          this._restart();
        }
      });
      this._updateSortChoices();
    }

    /** Below 46 rem of the element's own width the filters live in the drawer, above it in the sidebar. */
    _fitWidth() {
      const el = this._els;
      const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
      const narrow = this.clientWidth > 0 && this.clientWidth < 46 * rem;
      if (narrow === this._narrow) return;
      this._narrow = narrow;
      el.box.classList.toggle('narrow', narrow);
      if (narrow) {
        el.drawer.insertBefore(el.filters, el.drawer.lastElementChild);
      } else {
        if (el.drawer.open) el.drawer.close();
        el.layout.insertBefore(el.filters, el.results);
      }
    }

    _openDrawer() {
      const el = this._els;
      if (!this._narrow || el.drawer.open) return;
      el.drawer.showModal();
      el.drawer.scrollTop = 0;
      el.drawerHeading.focus();
    }

    _closeDrawer() {
      if (this._els.drawer.open) this._els.drawer.close();
    }

    _onDrawerClosed() {
      // Escape, "Stäng" and "Visa träffar" all end here: back to the button that opened the drawer.
      if (this._narrow) this._els.drawerToggle.focus();
    }

    /** The modal dialog already makes the page inert; Tab and Shift+Tab also wrap inside it. */
    _trapFocus(event) {
      if (event.key !== 'Tab') return;
      const focusable = [...this._els.drawer.querySelectorAll('button, input, select, textarea, a[href], [tabindex="0"]')].filter(
        (node) => !node.disabled && node.getClientRects().length > 0,
      );
      if (!focusable.length) return;
      const first = focusable[0];
      const last = focusable[focusable.length - 1];
      const active = this._root.activeElement;
      if (event.shiftKey && (active === first || active === this._els.drawerHeading)) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && active === last) {
        event.preventDefault();
        first.focus();
      }
    }

    _onFarPlace(place) {
      this._state.farFrom.place = place;
      this._els.far.value = place.name;
      if (this._state.farFrom.km) this._restart();
    }

    _onFar() {
      this._state.farFrom.km = this._els.farKm.value;
      if (this._state.farFrom.place) this._restartSoon();
    }

    _addZone() {
      const el = this._els;
      const place = this._zonePlace;
      const km = el.zoneSize.value;
      let problem = null;
      if (!place) problem = 'Välj ett område i listan med förslag först.';
      else if (!km && place.kind === 'school') problem = 'En skola undantas som en cirkel: välj hur många km runt skolan.';
      if (problem) {
        el.zoneError.textContent = problem;
        el.zoneError.hidden = false;
        el.zone.setAttribute('aria-invalid', 'true');
        el.zone.focus();
        return;
      }
      this._state.zones.push({ place, km: km ? Number(km) : null });
      this._zonePlace = null;
      el.zone.value = '';
      el.zoneSize.value = '';
      this._restart();
    }

    _announceSuggestions(text) {
      this._els.suggestStatus.textContent = text;
    }

    // ---- user actions -----------------------------------------------------------------------

    _onSubmit(event) {
      event.preventDefault();
      const el = this._els;
      if (el.school.value.trim() && !this._state.school) {
        this._showSchoolError('Välj skolan i listan med förslag, eller töm fältet.');
        el.school.focus();
        return;
      }
      this._state.q = el.q.value.trim();
      this._restart();
    }

    _onSuggestion(suggestion) {
      const el = this._els;
      const kind = suggestion.kind;
      if (kind === 'target_group') {
        // A target group the caseworker names is the child's need: every hit must list it, and the
        // permit-scope check then tells whether the IVO permit covers it.
        this._state.needs.set(suggestion.value, suggestion.text);
        el.q.value = this._state.q;
      } else if (kind === 'method') {
        this._labels.set(`methods\n${suggestion.value}`, suggestion.text);
        this._selectedSet('methods').add(suggestion.value);
        el.q.value = this._state.q;
      } else if (kind === 'municipality') {
        this._labels.set(`municipality_code\n${suggestion.value}`, suggestion.text);
        this._selectedSet('municipality_code').add(suggestion.value);
        el.q.value = this._state.q;
      } else {
        el.q.value = suggestion.text;
        this._state.q = suggestion.text;
      }
      this._restart();
    }

    _onSchool(school) {
      this._state.school = school;
      const el = this._els;
      el.school.value = `${school.name}, ${school.municipality}`;
      el.schoolChosenText.textContent = `Vald skola: ${school.name}, ${school.municipality}`;
      el.schoolChosen.hidden = false;
      this._hideSchoolError();
      this._updateSortChoices();
      this._restart();
    }

    _clearSchool(search) {
      const el = this._els;
      this._state.school = null;
      el.schoolChosen.hidden = true;
      if (search) {
        el.school.value = '';
        el.school.focus();
      }
      if (this._state.sort === 'distance') {
        this._state.sort = 'relevance';
        el.sort.value = 'relevance';
      }
      this._updateSortChoices();
      if (search) this._restart();
    }

    _showSchoolError(text) {
      const el = this._els;
      el.schoolError.textContent = text;
      el.schoolError.hidden = false;
      el.school.setAttribute('aria-invalid', 'true');
    }

    _hideSchoolError() {
      const el = this._els;
      el.schoolError.hidden = true;
      el.schoolError.textContent = '';
      el.school.removeAttribute('aria-invalid');
    }

    _onDistance() {
      const el = this._els;
      this._state.maxKm = el.maxKm.value;
      this._state.minKm = el.minKm.value;
      // Without a school there is nothing to measure from; the hint under the fields says so.
      if (this._state.school) this._restartSoon();
      else this._validate(true);
    }

    /** Selects and checkboxes: read them all, then search once the reader stops (an arrow key held on a select). */
    _onControl() {
      const el = this._els;
      const st = this._state;
      st.age = el.age.value;
      st.gender = el.gender.value;
      st.maxPrice = el.price.value;
      st.permitCovers = el.permit.checked;
      st.hasVacancy = el.vacancy.checked;
      st.sort = el.sort.value;
      this._restartSoon();
    }

    _onFacet(facet, value, checked) {
      const set = this._selectedSet(facet);
      if (checked) set.add(value);
      else set.delete(value);
      this._restart();
    }

    _removeCriterion(remove, index) {
      remove();
      this._syncControls();
      this._restart({ refocusChip: index });
    }

    /** "Rensa alla": every criterion, the typed text and the school included; the box starts over. */
    _clearAll() {
      this._state = { ...emptyState(), result: this._state.result, error: this._state.error };
      this._county = null;
      this._syncControls();
      this._restart();
      this._els.q.focus();
    }

    _goToPage(page) {
      this._state.page = page;
      this._search({ focusResults: true });
    }

    _restart(options) {
      window.clearTimeout(this._controlTimer);
      this._state.page = 1;
      this._search(options);
    }

    _restartSoon() {
      window.clearTimeout(this._controlTimer);
      this._controlTimer = window.setTimeout(() => this._restart(), CONTROL_DEBOUNCE_MS);
    }

    _updateSortChoices() {
      const distance = this._els.sort.querySelector('option[value=distance]');
      distance.disabled = !this._state.school;
    }

    /** The form shows the state: after Back/Forward, a removed chip or "Rensa alla". */
    _syncControls() {
      const el = this._els;
      const st = this._state;
      el.q.value = st.q;
      el.school.value = st.school ? `${st.school.name}, ${st.school.municipality}` : '';
      el.schoolChosenText.textContent = st.school ? `Vald skola: ${st.school.name}, ${st.school.municipality}` : '';
      el.schoolChosen.hidden = !st.school;
      this._hideSchoolError();
      el.maxKm.value = st.maxKm;
      el.minKm.value = st.minKm;
      el.age.value = st.age;
      el.gender.value = st.gender;
      el.price.value = st.maxPrice;
      el.permit.checked = st.permitCovers;
      el.vacancy.checked = st.hasVacancy;
      el.far.value = st.farFrom.place ? st.farFrom.place.name : '';
      el.farKm.value = st.farFrom.km;
      el.sort.value = st.sort;
      this._updateSortChoices();
    }

    // ---- history: Back and Forward move between searches; nothing goes into the URL --------------

    _snapshot() {
      const st = this._state;
      return {
        q: st.q,
        school: st.school,
        maxKm: st.maxKm,
        minKm: st.minKm,
        age: st.age,
        gender: st.gender,
        maxPrice: st.maxPrice,
        permitCovers: st.permitCovers,
        farFrom: st.farFrom,
        zones: st.zones,
        needs: [...st.needs],
        selected: [...st.selected].map(([facet, values]) => [facet, [...values]]),
        hasVacancy: st.hasVacancy,
        sort: st.sort,
        page: st.page,
        county: this._county,
      };
    }

    _remember(criteria) {
      const key = JSON.stringify(criteria);
      if (key === this._rememberedKey) return;
      const entry = { ...(history.state || {}), [HISTORY_KEY]: this._snapshot() };
      // The state object only: the URL stays as it is, so no criterion reaches a server log or a bookmark.
      if (this._rememberedKey === null) history.replaceState(entry, '');
      else history.pushState(entry, '');
      this._rememberedKey = key;
    }

    _onPopState(event) {
      const saved = event.state && event.state[HISTORY_KEY];
      if (!saved) return;
      const st = { ...emptyState(), result: this._state.result, error: this._state.error };
      Object.assign(st, saved, {
        needs: new Map(saved.needs),
        selected: new Map(saved.selected.map(([facet, values]) => [facet, new Set(values)])),
      });
      delete st.county;
      this._state = st;
      this._county = saved.county;
      this._syncControls();
      this._search({ fromHistory: true });
    }

    // ---- talking to the API -----------------------------------------------------------------

    /** A public file of the API (the map's areas): no key, no criteria. */
    async _getJson(path) {
      const response = await fetch(`${this._apiBase}${path}`, { credentials: 'omit', referrerPolicy: 'no-referrer' });
      if (!response.ok) throw new ApiError(response.status, null, null);
      return response.json();
    }

    async _post(path, body, signal) {
      const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
      const key = this.getAttribute('api-key');
      if (key) headers['X-API-Key'] = key;
      let response;
      try {
        response = await fetch(`${this._apiBase}${path}`, {
          method: 'POST',
          headers,
          body: JSON.stringify(body),
          mode: 'cors',
          credentials: 'omit',
          cache: 'no-store',
          referrerPolicy: 'no-referrer',
          signal,
        });
      } catch (error) {
        if (error && error.name === 'AbortError') throw error;
        throw new ApiError(0, null, null);
      }
      if (!response.ok) {
        let data = null;
        try {
          data = await response.json();
        } catch {
          data = null;
        }
        throw new ApiError(response.status, data, response.headers.get('Retry-After'));
      }
      return response.json();
    }

    _criteria() {
      const st = this._state;
      const facets = [...new Set([...this._displayFacets, 'has_vacancy'])].slice(0, 12);
      const criteria = { facets, sort: st.sort, page: st.page, size: PAGE_SIZE };
      if (st.q) criteria.q = st.q;
      if (st.school) {
        criteria.school = st.school.code;
        if (st.maxKm) criteria.max_km = Number(st.maxKm);
        if (st.minKm) criteria.min_km = Number(st.minKm);
      } else if (criteria.sort === 'distance') {
        criteria.sort = 'relevance';
      }
      if (st.age !== '') criteria.age = Number(st.age);
      if (st.gender) criteria.gender = st.gender;
      if (st.needs.size) criteria.needs = [...st.needs.keys()];
      for (const [facet, values] of st.selected) {
        if (values.size && FACET_FIELDS[facet]) criteria[FACET_FIELDS[facet]] = [...values];
      }
      if (st.hasVacancy) criteria.has_vacancy = true;
      if (st.maxPrice) criteria.max_price_per_day = Number(st.maxPrice);
      if (st.permitCovers) criteria.permit_covers_needs = true;
      const far = st.farFrom;
      if (far.place && far.km) {
        criteria.far_from = { min_km: Number(far.km) };
        if (far.place.kind === 'school') criteria.far_from.school = far.place.code;
        else criteria.far_from.municipality_code = far.place.code;
      }
      if (st.zones.length) criteria.exclude = st.zones.map(zoneCriterion);
      return criteria;
    }

    /** Catch what the API would refuse before asking it, with the Swedish words of the form. */
    _validate(show) {
      const el = this._els;
      const max = Number(this._state.maxKm);
      const min = Number(this._state.minKm);
      const bad = this._state.maxKm !== '' && this._state.minKm !== '' && max <= min;
      for (const select of [el.maxKm, el.minKm]) {
        if (bad) select.setAttribute('aria-invalid', 'true');
        else select.removeAttribute('aria-invalid');
      }
      if (bad && show) {
        this._state.error = { local: `”Högst” (${max} km) måste vara längre än ”Minst” (${min} km). Ändra något av avstånden.` };
        this._renderError();
      } else if (!bad && this._state.error && this._state.error.local) {
        this._state.error = null;
        this._renderError();
      }
      return !bad;
    }

    async _search({ focusResults = false, refocusChip = null, fromHistory = false } = {}) {
      if (this._articles) this._articles.follow(this._state.q);
      if (!this._validate(true)) return;
      if (this._controller) this._controller.abort();
      const controller = (this._controller = new AbortController());
      const seq = ++this._seq;
      const criteria = this._criteria();
      if (fromHistory) this._rememberedKey = JSON.stringify(criteria);
      else this._remember(criteria);
      this._els.results.setAttribute('aria-busy', 'true');
      try {
        const data = await this._post('/v1/providers/search', criteria, controller.signal);
        if (seq !== this._seq) return;
        this._state.result = data;
        this._state.error = null;
      } catch (error) {
        if ((error && error.name === 'AbortError') || seq !== this._seq) return;
        // The last results stay on screen: a caseworker mid-placement must not lose what was found.
        const failure = error instanceof ApiError ? error : new ApiError(0, null, null);
        if (failure.status === 0) failure.refused = await this._refusedByCors();
        if (seq !== this._seq) return;
        this._state.error = failure;
      }
      this._els.results.removeAttribute('aria-busy');
      this._render({ refocusChip });
      if (focusResults) this._els.resultsHeading.focus();
      this.dispatchEvent(new CustomEvent('placeringssok:results', { detail: this._state.result, bubbles: false }));
    }

    /** A request that got no answer: is the API reachable (so the browser refused it: CORS) or down? */
    async _refusedByCors() {
      if (new URL(this._apiBase).origin === window.location.origin) return false;
      try {
        // An opaque answer is enough to know the server is there; it reveals nothing else.
        await fetch(`${this._apiBase}/healthz`, { mode: 'no-cors', credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer' });
        return true;
      } catch {
        return false;
      }
    }

    // ---- rendering the parts that follow the results ----------------------------------------

    _render({ refocusChip = null } = {}) {
      const result = this._state.result;
      if (result) {
        for (const [facet, values] of Object.entries(result.facets || {})) {
          for (const v of values) this._labels.set(`${facet}\n${v.value}`, v.label);
        }
      }
      this._renderActiveFilters(refocusChip);
      this._renderFacets();
      this._renderResults();
      this._renderPagination();
      this._renderError();
      if (this._map) this._map.draw(this._state);
    }

    _renderError() {
      const el = this._els;
      const error = this._state.error;
      if (!error) {
        el.error.replaceChildren();
        return;
      }
      const retry = error.local
        ? null
        : h('button', { type: 'button', class: 'secondary', onclick: () => this._search() }, 'Försök igen');
      el.error.replaceChildren(h('div', { class: 'error-box' }, h('p', null, errorText(error)), retry));
      if (!error.local) {
        el.drawerStatus.textContent = 'Sökningen misslyckades.';
        el.status.textContent = this._state.result
          ? 'Sökningen misslyckades. Träffarna nedan är från den förra sökningen.'
          : 'Sökningen misslyckades.';
      }
    }

    /** Every active criterion as [chip text, how to remove it]. */
    _chips() {
      const st = this._state;
      const chips = [];
      const add = (text, remove) => chips.push([text, remove]);
      if (st.q) add(`Söktext: ${st.q}`, () => (st.q = ''));
      if (st.school) {
        add(`Skola: ${st.school.name}`, () => {
          st.school = null;
          if (st.sort === 'distance') st.sort = 'relevance';
        });
        if (st.maxKm) add(`Högst ${st.maxKm} km från skolan`, () => (st.maxKm = ''));
        if (st.minKm) add(`Minst ${st.minKm} km från skolan`, () => (st.minKm = ''));
      }
      if (st.age !== '') add(`Ålder: ${st.age} år`, () => (st.age = ''));
      if (st.gender) add(`Kön: ${(GENDERS.find(([v]) => v === st.gender) || [0, st.gender])[1]}`, () => (st.gender = ''));
      for (const [value, text] of st.needs) add(`${FACET_LEGENDS.needs}: ${text}`, () => st.needs.delete(value));
      for (const [facet, values] of st.selected) {
        for (const value of values) {
          add(`${FACET_LEGENDS[facet]}: ${this._label(facet, value)}`, () => {
            values.delete(value);
            if (facet === 'county_code' && value === this._county) this._county = null;
          });
        }
      }
      if (st.hasVacancy) add('Lediga platser', () => (st.hasVacancy = false));
      if (st.maxPrice) add(`Högst ${numberFormat.format(Number(st.maxPrice))} kr per dygn`, () => (st.maxPrice = ''));
      if (st.permitCovers) add('Tillståndet omfattar behoven', () => (st.permitCovers = false));
      if (st.farFrom.place && st.farFrom.km) {
        add(`Mer än ${st.farFrom.km} km från ${st.farFrom.place.name}`, () => (st.farFrom = { place: null, km: '' }));
      }
      st.zones.forEach((zone) => add(`Undantaget: ${zoneText(zone)}`, () => st.zones.splice(st.zones.indexOf(zone), 1)));
      return chips;
    }

    _renderActiveFilters(refocusChip) {
      const el = this._els;
      const chips = this._chips();
      el.activeList.replaceChildren(
        ...chips.map(([text, remove], index) =>
          h(
            'li',
            null,
            h(
              'button',
              {
                type: 'button',
                class: 'chip',
                'data-chip': index,
                'aria-label': `Ta bort filtret ${text}`,
                part: 'chip',
                onclick: () => this._removeCriterion(remove, index),
              },
              text,
              h('span', { 'aria-hidden': 'true' }, ' ✕'),
            ),
          ),
        ),
      );
      el.active.hidden = chips.length === 0;
      const filters = chips.length - (this._state.q ? 1 : 0);
      el.drawerToggle.textContent = filters ? `Filter (${filters})` : 'Filter';
      if (refocusChip !== null) {
        // Keep keyboard focus near where it was: the next chip, or the search field when none is left.
        const next = el.activeList.querySelector(`[data-chip="${Math.min(refocusChip, chips.length - 1)}"]`);
        (next || el.q).focus();
      }
    }

    _renderFacets() {
      const el = this._els;
      const result = this._state.result;
      const focused = this._root.activeElement;
      const focusKey = focused && el.filters.contains(focused) ? focused.dataset.key : null;

      const vacancyCount = result && (result.facets.has_vacancy || []).find((v) => v.value === 'true');
      el.vacancyLabel.textContent = `Bara verksamheter med lediga platser${vacancyCount ? ` (${numberFormat.format(vacancyCount.count)})` : ''}`;
      el.vacancy.checked = this._state.hasVacancy;

      const groups = [];
      this._displayFacets.forEach((facet, facetIndex) => {
        const values = (result && result.facets[facet]) || [];
        const selected = this._selectedSet(facet);
        if (!values.length && !selected.size) return;
        const expanded = this._expanded.has(facet);
        const shown = values.filter((v, i) => expanded || i < FACET_VALUES_SHOWN || selected.has(v.value));
        const legendId = `facet-${facetIndex}-legend`;
        const items = shown.map((v, i) => {
          const id = `facet-${facetIndex}-${i}`;
          return h(
            'li',
            null,
            h('input', {
              id,
              type: 'checkbox',
              checked: selected.has(v.value),
              'data-key': `${facet}\n${v.value}`,
              onchange: (event) => this._onFacet(facet, v.value, event.target.checked),
            }),
            h('label', { for: id }, v.label, ' ', h('span', { class: 'count' }, `(${numberFormat.format(v.count)})`)),
          );
        });
        const more =
          values.length > FACET_VALUES_SHOWN
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'link',
                  'aria-expanded': String(expanded),
                  'data-key': `more\n${facet}`,
                  onclick: () => {
                    if (expanded) this._expanded.delete(facet);
                    else this._expanded.add(facet);
                    this._renderFacets();
                  },
                },
                expanded ? `Visa färre` : `Visa alla ${numberFormat.format(values.length)}`,
                h('span', { class: 'visually-hidden' }, `, ${FACET_LEGENDS[facet]}`),
              )
            : null;
        groups.push(
          h(
            'fieldset',
            { class: 'facet', part: 'facet' },
            h('legend', { id: legendId }, FACET_LEGENDS[facet]),
            h('ul', null, items),
            more,
          ),
        );
      });
      el.facets.replaceChildren(...groups);
      if (focusKey) {
        const again = [...el.filters.querySelectorAll('[data-key]')].find((node) => node.dataset.key === focusKey);
        if (again) again.focus();
      }
    }

    _renderResults() {
      const el = this._els;
      const result = this._state.result;
      if (!result) {
        el.hits.replaceChildren();
        el.empty.hidden = true;
        if (!this._state.error) el.status.textContent = '';
        return;
      }
      const pages = Math.min(Math.ceil(result.total / result.size), MAX_PAGE);
      let status = result.total === 0 ? 'Inga träffar' : plural(result.total, 'träff', 'träffar');
      if (pages > 1) status += `, sida ${numberFormat.format(result.page)} av ${numberFormat.format(pages)}`;
      el.status.textContent = status;
      el.drawerStatus.textContent = result.total === 0 ? 'Inga träffar' : plural(result.total, 'träff', 'träffar');
      el.hits.replaceChildren(...result.hits.map((hit, index) => this._hit(hit, index)));
      el.empty.hidden = result.total !== 0;
      el.empty.replaceChildren(
        h('p', null, 'Inga verksamheter matchar sökningen.'),
        h('p', null, 'Prova att ta bort filter, öka avståndet eller ändra söktexten.'),
      );
    }

    _hit(hit, index) {
      const titleId = `hit-${index}-title`;
      const explanation = hit.explanation || { matched: [], relaxed: [], warnings: [], permit: {}, ranking: {} };
      const facts = [];
      const fact = (term, ...value) => facts.push(h('div', null, h('dt', null, term), h('dd', null, ...value)));

      if (hit.distance_km !== null && hit.distance_km !== undefined) fact('Avstånd', `${km(hit.distance_km, hit.confidential)} från skolan`);

      const staleNote = (explanation.warnings || []).find((w) => w.startsWith('Lediga platser'));
      let vacancies = hit.vacancies === null || hit.vacancies === undefined ? 'uppgift saknas' : numberFormat.format(hit.vacancies);
      if (hit.vacancies !== null && hit.vacancies !== undefined && hit.capacity) vacancies += ` av ${numberFormat.format(hit.capacity)}`;
      const freshness = [];
      const vacancy = hit.vacancy;
      if (vacancy) {
        // The API's own words: status by the TTL, "Bekräftat i dag 09:12", an open doubt.
        freshness.push(h('span', { class: vacancy.status === 'okänd' ? 'stale' : null }, vacancy.text));
        if (vacancy.report) freshness.push(' · ', h('span', { class: 'stale' }, vacancy.report.text));
      } else if (hit.vacancies_updated_at) {
        const days = daysAgo(hit.vacancies_updated_at);
        const when = days === 0 ? 'i dag' : days === 1 ? 'i går' : `för ${plural(days, 'dag', 'dagar')} sedan`;
        const date = dateFormat.format(new Date(hit.vacancies_updated_at));
        freshness.push(h('span', { class: staleNote ? 'stale' : null }, `bekräftat ${when} (${date})${staleNote ? ', kan vara inaktuellt' : ''}`));
      } else if (hit.vacancies !== null && hit.vacancies !== undefined) {
        freshness.push(h('span', { class: 'stale' }, 'aldrig bekräftat'));
      }
      fact('Lediga platser', vacancies, freshness.length ? (vacancy ? ' – ' : ', ') : '', freshness);
      fact('Ålder', `${hit.age_min}–${hit.age_max} år`);
      if (hit.price_per_day_sek !== null && hit.price_per_day_sek !== undefined) {
        fact('Pris', `${numberFormat.format(hit.price_per_day_sek)} kr per dygn`);
      }
      if (hit.target_groups && hit.target_groups.length) fact('Målgrupper', hit.target_groups.map((t) => t.label).join(', '));
      if (hit.methods && hit.methods.length) fact('Metoder', hit.methods.map((m) => m.label).join(', '));
      if (hit.permit) {
        const covered = explanation.permit && explanation.permit.covered === true && this._state.needs.size;
        fact('IVO', hit.permit.status_label, covered ? ', omfattar behoven' : '');
      }

      const warnings = [
        ...((explanation.permit && explanation.permit.messages) || []),
        ...(explanation.warnings || []).filter((w) => w !== staleNote && !(vacancy && vacancy.report && w.startsWith(vacancy.report.text))),
      ];
      const contact = [];
      if (hit.address) contact.push(h('span', null, hit.address));
      if (hit.phone) contact.push(h('a', { href: `tel:${hit.phone.replace(/[^\d+]/g, '')}` }, hit.phone));
      if (hit.email) contact.push(h('a', { href: `mailto:${hit.email}` }, hit.email));
      const website = hit.website && safeHttpUrl(hit.website);
      if (website) {
        contact.push(
          h('a', { href: website.href, rel: 'noopener noreferrer', target: '_blank' }, website.hostname, h('span', { class: 'visually-hidden' }, ' (öppnas i nytt fönster)')),
        );
      }

      const ranking = explanation.ranking || {};
      const why = [...(explanation.matched || []), ...(explanation.relaxed || [])];
      // The permit tier comes before every sort: say which side of it this home is on.
      if (explanation.permit && explanation.permit.covered === false) {
        why.push('Tillståndet omfattar inte allt som angetts: visas efter hem vars tillstånd gör det');
      } else if (explanation.permit && explanation.permit.covered === true) {
        why.push('Tillståndet omfattar det som angetts: visas före hem vars tillstånd inte gör det');
      }
      if (ranking.sort === 'relevance' || !ranking.sort) {
        let text = `Rangordning: textmatchning ${scoreFormat.format(ranking.text_score || 0)}`;
        if (ranking.distance_decay !== null && ranking.distance_decay !== undefined) {
          text += ` × avståndsfaktor ${scoreFormat.format(ranking.distance_decay)}`;
        }
        if (ranking.freshness !== null && ranking.freshness !== undefined) {
          text += ` × aktualitet ${scoreFormat.format(ranking.freshness)}`;
        }
        text += ` = ${scoreFormat.format(ranking.score || 0)}`;
        why.push(text);
      } else {
        const sortText = (SORTS.find(([value]) => value === ranking.sort) || [null, ranking.sort])[1];
        why.push(`Sorterat: ${sortText.toLowerCase()}`);
      }

      return h(
        'li',
        { class: 'hit', part: 'hit' },
        h('h3', { id: titleId, part: 'hit-title' }, hit.name),
        h(
          'p',
          { class: 'meta' },
          [hit.provider_type_label, `${hit.municipality}, ${hit.county}`, hit.organization].filter(Boolean).join(' · '),
        ),
        h('dl', { class: 'facts' }, facts),
        warnings.length
          ? h('div', { class: 'warnings', part: 'warning' }, h('p', null, 'Att kontrollera:'), h('ul', null, warnings.map((w) => h('li', null, w))))
          : null,
        (hit.highlights || []).length
          ? h('p', { class: 'snippet' }, '… ', hit.highlights.map((html, i) => [i ? ' … ' : '', highlightNodes(html)]), ' …')
          : null,
        contact.length ? h('p', { class: 'contact' }, h('span', { class: 'visually-hidden' }, 'Kontakt: '), contact.map((c, i) => [i ? ' · ' : '', c])) : null,
        h('details', { part: 'explanation' }, h('summary', null, 'Därför visas träffen'), h('ul', null, why.map((w) => h('li', null, w)))),
      );
    }

    _renderPagination() {
      const el = this._els;
      const result = this._state.result;
      const pages = result ? Math.min(Math.ceil(result.total / result.size), MAX_PAGE) : 0;
      if (pages <= 1) {
        el.pagination.hidden = true;
        el.pagination.replaceChildren();
        return;
      }
      const page = result.page;
      const first = Math.max(1, Math.min(page - 2, pages - 4));
      const last = Math.min(pages, first + 4);
      const numbers = [];
      for (let n = first; n <= last; n += 1) {
        numbers.push(
          h(
            'li',
            null,
            h(
              'button',
              {
                type: 'button',
                class: n === page ? null : 'secondary',
                'aria-label': `Sida ${n}`,
                'aria-current': n === page ? 'page' : null,
                onclick: () => this._goToPage(n),
              },
              String(n),
            ),
          ),
        );
      }
      el.pagination.replaceChildren(
        h(
          'button',
          { type: 'button', class: 'secondary', 'aria-label': 'Föregående sida', disabled: page <= 1, onclick: () => this._goToPage(page - 1) },
          'Föregående',
        ),
        h('ul', null, numbers),
        h(
          'button',
          { type: 'button', class: 'secondary', 'aria-label': 'Nästa sida', disabled: page >= pages, onclick: () => this._goToPage(page + 1) },
          'Nästa',
        ),
      );
      el.pagination.hidden = false;
    }
  }

  customElements.define(TAG, PlaceringssokSearch);
})();
