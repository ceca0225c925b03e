/*
 * <placeringssok-platser>: where a home (or its agency) confirms its free places.
 *
 *   <script src="https://placeringssok.example.se/embed/platser.js" defer></script>
 *   <placeringssok-platser></placeringssok-platser>
 *
 * The home types its key (or a portal that already knows it sets api-key="..."); the element lists
 * the homes that key answers for (GET /v1/me/providers) and confirms with PUT
 * /v1/providers/{id}/vacancies. Two clicks: choose the number of free places, press "Bekräfta".
 * The key stays in this element's memory: never in the URL, a cookie or the browser's storage.
 */
(() => {
  'use strict';

  const TAG = 'placeringssok-platser';
  if (customElements.get(TAG)) return;

  // document.currentScript is only set while this classic script runs: the default API base is its origin.
  const SCRIPT_ORIGIN = (() => {
    try {
      return new URL(document.currentScript.src).origin;
    } catch {
      return location.origin;
    }
  })();

  // Up to this capacity a radio per number (two clicks); above it a number field.
  const MAX_RADIOS = 10;

  const STYLES = `
:host {
  display: block;
  font-family: var(--pls-font, inherit);
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
}
[hidden] { display: none !important; }
*, *::before, *::after { box-sizing: border-box; }
h2, h3, p, ul, fieldset { margin: 0; }
h2 { font-size: 1.25rem; line-height: 1.3; margin-bottom: 0.75rem; }
h3 { font-size: 1.125rem; line-height: 1.3; }
:focus-visible { outline: 3px solid var(--_focus); outline-offset: 2px; }
form.key { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: flex-end; margin-bottom: 1rem; }
form.key label { display: block; font-weight: 600; }
input[type=password], input[type=number], input[type=date] {
  font: inherit; padding: 0.375rem 0.5rem; border: 1px solid var(--_border); border-radius: 0.25rem;
  min-height: 2.5rem;
}
button {
  font: inherit; font-weight: 600; min-height: 2.5rem; padding: 0.375rem 1rem; cursor: pointer;
  color: var(--_accent-text); background: var(--_accent); border: 1px solid var(--_accent); border-radius: 0.25rem;
}
ul.homes { list-style: none; padding: 0; display: grid; gap: 1rem; }
li.home { border: 1px solid var(--_subtle); border-radius: 0.25rem; padding: 1rem; }
.meta { color: var(--_muted); }
.state { margin: 0.5rem 0; }
.state strong { font-weight: 600; }
.report { background: var(--_warning-bg); color: var(--_warning-text); padding: 0.25rem 0.5rem; border-radius: 0.25rem; }
fieldset { border: 0; padding: 0; margin: 0.75rem 0; }
legend { font-weight: 600; padding: 0; margin-bottom: 0.25rem; }
.choices { display: flex; flex-wrap: wrap; gap: 0.25rem 0.75rem; }
.choices label { display: inline-flex; align-items: center; gap: 0.25rem; min-height: 2.5rem; padding: 0 0.25rem; }
.choices input { width: 1.25rem; height: 1.25rem; margin: 0; }
.from { display: flex; flex-direction: column; gap: 0.25rem; margin-bottom: 0.75rem; max-width: 16rem; }
.error { color: var(--_error); font-weight: 600; }
p.done { margin-top: 0.5rem; font-weight: 600; }
`;

  function adoptStyles(root) {
    // Constructable stylesheets pass a portal's CSP without 'unsafe-inline'; <style> is the fallback.
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(STYLES);
      root.adoptedStyleSheets = [sheet];
    } catch {
      const style = document.createElement('style');
      style.textContent = STYLES;
      root.append(style);
    }
  }

  /** Build an element: h('button', {class: 'x', onclick: fn}, 'text'). Never parses HTML. */
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : String(child));
    }
    return el;
  }

  function places(n) {
    return n === 0 ? 'inga lediga platser' : n === 1 ? '1 ledig plats' : `${n} lediga platser`;
  }

  class PlaceringssokPlatser extends HTMLElement {
    static get observedAttributes() {
      return ['api-base', 'api-key'];
    }

    constructor() {
      super();
      this._root = this.attachShadow({ mode: 'open' });
      adoptStyles(this._root);
      this._key = null;
      this._uid = Math.random().toString(36).slice(2, 8);
    }

    connectedCallback() {
      if (this._built) return;
      this._built = true;
      const keyId = `key-${this._uid}`;
      this._keyInput = h('input', { id: keyId, type: 'password', autocomplete: 'off', required: true });
      this._keyForm = h(
        'form',
        { class: 'key', onsubmit: (event) => { event.preventDefault(); this._useKey(this._keyInput.value.trim()); } },
        h('div', null, h('label', { for: keyId }, 'Ert hems nyckel'), this._keyInput),
        h('button', { type: 'submit' }, 'Visa era hem'),
      );
      this._message = h('p', { role: 'alert', class: 'error', hidden: true });
      this._heading = h('h2', { tabindex: '-1', hidden: true }, 'Era hem');
      this._list = h('ul', { class: 'homes' });
      this._root.append(this._keyForm, this._message, this._heading, this._list);
      const key = this.getAttribute('api-key');
      if (key) {
        this._keyForm.hidden = true;
        this._useKey(key);
      }
    }

    _base() {
      return (this.getAttribute('api-base') || SCRIPT_ORIGIN).replace(/\/+$/, '');
    }

    async _call(method, path, body) {
      const response = await fetch(`${this._base()}${path}`, {
        method,
        headers: { 'X-API-Key': this._key, ...(body ? { 'Content-Type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        credentials: 'omit',
        cache: 'no-store',
      });
      let payload = null;
      try { payload = await response.json(); } catch { payload = null; }
      return { status: response.status, payload };
    }

    _fail(text) {
      this._message.textContent = text;
      this._message.hidden = false;
    }

    async _useKey(key) {
      if (!key) return;
      this._key = key;
      this._message.hidden = true;
      let answer;
      try {
        answer = await this._call('GET', '/v1/me/providers');
      } catch {
        this._fail('Tjänsten går inte att nå just nu. Försök igen om en stund.');
        return;
      }
      if (answer.status === 401) return this._fail('Nyckeln känns inte igen. Kontrollera att den är rätt inskriven.');
      if (answer.status === 403) return this._fail('Nyckeln hör inte till ett hem. Använd nyckeln ni fått för ert hem.');
      if (answer.status !== 200) return this._fail('Era hem kunde inte visas just nu. Försök igen om en stund.');
      this._show(answer.payload.homes);
    }

    _show(homes) {
      this._list.replaceChildren(...homes.map((home) => this._home(home)));
      this._heading.hidden = false;
      this._heading.textContent = homes.length === 1 ? 'Ert hem' : `Era hem (${homes.length})`;
      this._heading.focus();
    }

    _state(vacancy) {
      const parts = [h('strong', null, `${vacancy.status_label}. `), vacancy.text];
      if (vacancy.status !== 'okänd' && vacancy.vacancies !== null) parts.push(` (${places(vacancy.vacancies)})`);
      return parts;
    }

    _home(home) {
      const provider = home.provider;
      const vacancy = provider.vacancy;
      const id = `${this._uid}-${provider.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
      const state = h('p', { class: 'state' }, this._state(vacancy));
      const report = h('p', { class: 'report', hidden: !vacancy.report }, vacancy.report ? vacancy.report.text : '');
      const current = vacancy.vacancies ?? 0;
      let read;
      let choices;
      if (home.capacity <= MAX_RADIOS) {
        const radios = [];
        for (let n = 0; n <= home.capacity; n += 1) {
          const radio = h('input', { type: 'radio', name: `places-${id}`, value: String(n), id: `${id}-${n}` });
          radio.checked = n === current;
          radio.addEventListener('change', () => { button.textContent = `Bekräfta ${places(n)}`; });
          radios.push(h('label', { for: `${id}-${n}` }, radio, String(n)));
        }
        choices = h('div', { class: 'choices' }, radios);
        read = () => Number(choices.querySelector('input:checked')?.value ?? current);
      } else {
        const field = h('input', { type: 'number', min: '0', max: String(home.capacity), step: '1', id: `${id}-n`, value: String(current) });
        field.addEventListener('input', () => { button.textContent = `Bekräfta ${places(Number(field.value) || 0)}`; });
        choices = h('div', { class: 'choices' }, h('label', { for: `${id}-n` }, 'Antal'), field);
        read = () => Number(field.value);
      }
      const fieldset = h(
        'fieldset',
        null,
        h('legend', null, `Lediga platser just nu (av ${home.capacity})`),
        choices,
      );
      const from = h('input', { type: 'date', id: `${id}-from` });
      const fromField = h('div', { class: 'from' }, h('label', { for: `${id}-from` }, 'Ledigt från (valfritt)'), from);
      const done = h('p', { class: 'done', role: 'status' });
      const button = h('button', { type: 'submit' }, `Bekräfta ${places(current)}`);
      const form = h(
        'form',
        {
          'aria-label': `Bekräfta lediga platser för ${provider.name}`,
          onsubmit: async (event) => {
            event.preventDefault();
            await this._confirm(provider, read(), from.value || null, { state, report, done, button });
          },
        },
        fieldset,
        fromField,
        button,
      );
      return h(
        'li',
        { class: 'home' },
        h('h3', null, provider.name),
        h('p', { class: 'meta' }, `${provider.provider_type_label} · ${provider.municipality}`),
        state,
        report,
        form,
        done,
      );
    }

    async _confirm(provider, count, availableFrom, view) {
      view.button.disabled = true;
      view.done.textContent = 'Sparar …';
      let answer;
      try {
        const body = { vacancies: count };
        if (availableFrom) body.available_from = availableFrom;
        answer = await this._call('PUT', `/v1/providers/${encodeURIComponent(provider.id)}/vacancies`, body);
      } catch {
        answer = { status: 0, payload: null };
      } finally {
        view.button.disabled = false;
      }
      if (answer.status === 200) {
        view.state.replaceChildren(...this._state(answer.payload));
        view.report.hidden = true;
        view.done.textContent = `Sparat: ${places(count)} på ${provider.name}. Handläggare ser det direkt.`;
      } else if (answer.status === 422) {
        view.done.textContent = 'Antalet får inte vara större än antalet platser. Välj ett annat antal.';
      } else if (answer.status === 403 || answer.status === 404) {
        view.done.textContent = 'Nyckeln får inte bekräfta platser för det här hemmet.';
      } else {
        view.done.textContent = 'Det gick inte att spara just nu. Försök igen om en stund.';
      }
    }
  }

  customElements.define(TAG, PlaceringssokPlatser);
})();
