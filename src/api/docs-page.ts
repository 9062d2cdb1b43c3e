// GET /docs: a self-contained page (no CDN: deployments may have no internet) that renders
// /openapi.json with a small inline script.
export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Backfill API</title>
<style>
  :root { --bg:#0f1419; --panel:#171d24; --line:#2a3440; --text:#d6dde6; --dim:#8a97a6; --accent:#4fa3ff;
          --get:#2e9d5b; --post:#c98a1b; --err:#d1495b; font-family: ui-sans-serif, system-ui, sans-serif; }
  body { margin:0; background:var(--bg); color:var(--text); }
  header { padding:20px 28px; border-bottom:1px solid var(--line); }
  header h1 { margin:0; font-size:20px; } header p { margin:6px 0 0; color:var(--dim); }
  main { padding:16px 28px 48px; max-width:1100px; }
  .op { border:1px solid var(--line); background:var(--panel); border-radius:6px; margin:12px 0; }
  .op > summary { cursor:pointer; padding:10px 14px; display:flex; gap:12px; align-items:center; list-style:none; }
  .m { font:600 12px ui-monospace, monospace; padding:3px 8px; border-radius:4px; color:#fff; min-width:44px; text-align:center; }
  .m.get { background:var(--get);} .m.post { background:var(--post);}
  .path { font-family:ui-monospace, monospace; } .sum { color:var(--dim); }
  .body { padding:4px 16px 14px; border-top:1px solid var(--line); }
  h3 { font-size:13px; text-transform:uppercase; letter-spacing:.05em; color:var(--dim); margin:14px 0 6px; }
  table { border-collapse:collapse; width:100%; font-size:13px; }
  td, th { text-align:left; padding:4px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
  code, pre { font-family:ui-monospace, monospace; font-size:12px; }
  pre { background:#0b0f13; padding:10px; border-radius:4px; overflow:auto; margin:4px 0; }
  .code { font-weight:600; } .code.e { color:var(--err); }
  #err { color:var(--err); }
</style>
</head>
<body>
<header><h1 id="title">Backfill API</h1><p id="desc">Loading <a href="/openapi.json">/openapi.json</a>...</p></header>
<main id="ops"></main>
<script>
(async () => {
  const el = (tag, attrs = {}, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    for (const k of kids) e.append(k);
    return e;
  };
  let doc;
  try { doc = await (await fetch('/openapi.json')).json(); }
  catch (e) { document.getElementById('desc').textContent = 'Could not load /openapi.json: ' + e; return; }
  const schemas = (doc.components && doc.components.schemas) || {};
  const resolve = (s) => (s && s.$ref ? schemas[s.$ref.split('/').pop()] || {} : s || {});
  // A compact type sketch of a schema: { field: type, ... } with $refs expanded a few levels deep.
  const sketch = (s, depth = 0) => {
    s = resolve(s);
    if (depth > 4) return '...';
    if (s.oneOf || s.anyOf) return (s.oneOf || s.anyOf).map((x) => sketch(x, depth)).join(' | ');
    if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
    if (s.type === 'array') return sketch(s.items, depth) + '[]';
    if (s.type === 'object' || s.properties) {
      const req = new Set(s.required || []);
      const pad = '  '.repeat(depth + 1);
      const lines = Object.entries(s.properties || {}).map(([k, v]) => pad + k + (req.has(k) ? '' : '?') + ': ' + sketch(v, depth + 1));
      return '{\\n' + lines.join(',\\n') + '\\n' + '  '.repeat(depth) + '}';
    }
    let t = Array.isArray(s.type) ? s.type.join(' | ') : s.type || 'any';
    if (s.nullable) t += ' | null';
    if (s.format) t += ' (' + s.format + ')';
    return t;
  };
  // Descriptions use \`code\` spans, as in Markdown.
  const prose = (tag, text) => el(tag, {}, ...String(text).split('\`').map((part, i) => (i % 2 ? el('code', {}, part) : part)));
  document.getElementById('title').textContent = doc.info.title + ' ' + doc.info.version;
  document.getElementById('desc').replaceWith(prose('p', doc.info.description || ''));
  const ops = document.getElementById('ops');
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const body = el('div', { class: 'body' });
      if (op.description) body.append(prose('p', op.description));
      const params = op.parameters || [];
      if (params.length) {
        const t = el('table', {}, el('tr', {}, el('th', {}, 'name'), el('th', {}, 'in'), el('th', {}, 'type'), el('th', {}, 'notes')));
        for (const p of params) {
          t.append(el('tr', {}, el('td', {}, el('code', {}, p.name + (p.required ? '' : '?'))), el('td', {}, p.in),
            el('td', {}, el('code', {}, sketch(p.schema))), el('td', {}, p.description || (p.schema && p.schema.description) || '')));
        }
        body.append(el('h3', {}, 'Parameters'), t);
      }
      const rb = op.requestBody && op.requestBody.content && op.requestBody.content['application/json'];
      if (rb) body.append(el('h3', {}, 'JSON body'), el('pre', {}, sketch(rb.schema)));
      body.append(el('h3', {}, 'Responses'));
      for (const [code, r] of Object.entries(op.responses || {})) {
        const c = r.content && r.content['application/json'];
        body.append(el('div', {}, el('span', { class: 'code' + (code >= '400' ? ' e' : '') }, code), ' ', prose('span', r.description || '')));
        if (c && code < '400') body.append(el('pre', {}, sketch(c.schema)));
      }
      ops.append(el('details', { class: 'op' },
        el('summary', {}, el('span', { class: 'm ' + method }, method.toUpperCase()), el('span', { class: 'path' }, path), el('span', { class: 'sum' }, op.summary || '')),
        body));
    }
  }
  ops.append(el('p', { class: 'sum' }, 'Errors are always {"error": {"code", "message", "field"?}}. Raw document: ', el('a', { href: '/openapi.json' }, '/openapi.json')));
})();
</script>
</body>
</html>
`;
