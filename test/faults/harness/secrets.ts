// Secret scanning: a key can leak verbatim, URL-encoded, or base64-encoded (Temporal payloads are
// base64 in `temporal workflow show --output json`), so each haystack is searched for every form.

export interface SecretHit {
  where: string;
  secret: string;
  form: string;
  excerpt: string;
}

/** The forms a secret can take in text: raw, URL-encoded, and base64 at each of the 3 alignments. */
export function secretForms(secret: string): Array<{ form: string; needle: string }> {
  const forms = [{ form: 'raw', needle: secret }];
  const enc = encodeURIComponent(secret);
  if (enc !== secret) forms.push({ form: 'url-encoded', needle: enc });
  // base64 of the secret preceded by 0, 1 or 2 bytes: the stable middle part of each encoding.
  for (let pad = 0; pad < 3; pad++) {
    const b64 = Buffer.from('\u0000'.repeat(pad) + secret).toString('base64');
    // The first group holds pad bytes (unless pad = 0); the last may mix with whatever follows.
    const middle = b64.slice(pad ? 4 : 0, b64.length - 4);
    if (middle.length >= 12) forms.push({ form: `base64+${pad}`, needle: middle });
  }
  return forms;
}

export function scanText(where: string, text: string, secrets: string[]): SecretHit[] {
  const hits: SecretHit[] = [];
  for (const secret of secrets) {
    for (const { form, needle } of secretForms(secret)) {
      let i = text.indexOf(needle);
      while (i >= 0 && hits.length < 50) {
        hits.push({ where, secret: `${secret.slice(0, 4)}...`, form, excerpt: text.slice(Math.max(0, i - 120), i + needle.length + 60).replace(/\s+/g, ' ') });
        i = text.indexOf(needle, i + 1);
      }
    }
  }
  return hits;
}

/** Decodes every base64 `data` field of a Temporal JSON history, so payloads are searched as text too. */
export function decodePayloads(json: string): string {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (typeof x === 'string' && (k === 'data' || k === 'encoding' || k === 'payload') && /^[A-Za-z0-9+/=]+$/.test(x)) {
          out.push(Buffer.from(x, 'base64').toString('utf8'));
        } else walk(x);
      }
    }
  };
  for (const line of json.split('\n')) {
    const t = line.trim();
    if (!t) continue;
    try {
      walk(JSON.parse(t));
    } catch {
      // not one JSON document per line: try the whole text once below
    }
  }
  if (!out.length) {
    try {
      walk(JSON.parse(json));
    } catch {
      /* not JSON */
    }
  }
  return out.join('\n');
}
