// @ts-check
// A tiny DOM builder: h('td', { class: 'num' }, '42'). Strings become text nodes (never HTML).

/** @typedef {Node | string | number | null | undefined | false | any[]} Child */

/**
 * @param {string} tag
 * @param {Record<string, any> | null} attrs
 * @param {...Child} children
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k === 'style') Object.assign(el.style, v);
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

/**
 * @param {Element} el
 * @param {Child[]} children
 */
function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/**
 * The page's element of that id, of the expected kind: the page is ours, so a missing one is a bug.
 * @template {Element} T
 * @param {string} id
 * @param {new () => T} kind
 * @returns {T}
 */
function byId(id, kind) {
  const el = document.getElementById(id);
  if (!(el instanceof kind)) throw new Error(`#${id} is missing or not a ${kind.name}`);
  return el;
}

/** @param {string} id */
export const $ = (id) => byId(id, HTMLElement);
/** @param {string} id */
export const $button = (id) => byId(id, HTMLButtonElement);
/** @param {string} id */
export const $input = (id) => byId(id, HTMLInputElement);
/** @param {string} id */
export const $svg = (id) => byId(id, SVGSVGElement);
/** @param {string} id */
export const $select = (id) => byId(id, HTMLSelectElement);

/**
 * Sets text only when it changed (keeps selections and avoids layout work).
 * @param {Element | null} el
 * @param {unknown} text
 */
export function setText(el, text) {
  if (!el) return;
  const t = String(text);
  if (el.textContent !== t) el.textContent = t;
}

/**
 * @param {string} tag
 * @param {Record<string, string | number>} [attrs]
 */
export function svg(tag, attrs) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs ?? {})) el.setAttribute(k, String(v));
  return el;
}
