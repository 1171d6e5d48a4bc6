// JSON.stringify of deep and large values, and regexps on strings that are not Latin1 (stored
// as UTF-16): the follow-ups of issue 15. setup() times each operation once; handleSummary
// prints the timings as JSON. Run by bench/engine.py (SCRIPT=engine_json_regexp.js), or alone:
// `rk6 run -e LINES=16000 bench/scripts/engine_json_regexp.js` (same on k6).
export const options = { vus: 1, iterations: 1, setupTimeout: '600s' };

const N = parseInt(__ENV.LINES || '4000', 10);

function time(results, name, f) {
  const start = Date.now();
  const out = f();
  results[name] = Date.now() - start;
  // Keep the result alive and checked, so no engine can skip the work.
  if (out === undefined || out === null) throw new Error(`${name}: no result`);
}

function rows(n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push({ id: i, name: `user${i}`, email: `user${i}@example.com`, score: (i * 7919) % 100000,
      ok: i % 3 === 0, tags: ['a', 'b'], nested: { x: i / 7, y: null } });
  }
  return out;
}

function deep(depth) {
  let v = { leaf: true };
  for (let i = 0; i < depth; i++) v = { a: v, n: i };
  return v;
}

export function setup() {
  const results = { lines: N };
  const r = rows(N);
  time(results, 'JSON.stringify(N rows)', () => JSON.stringify(r).length);
  time(results, 'JSON.stringify(N rows, null, 2)', () => JSON.stringify(r, null, 2).length);
  const d = deep(3000);
  time(results, 'JSON.stringify(3000-deep object) x10', () => {
    let n = 0;
    for (let i = 0; i < 10; i++) n += JSON.stringify(d).length;
    return n;
  });
  const dd = deep(N);
  time(results, 'JSON.stringify(N-deep object)', () => JSON.stringify(dd).length);
  // Non-Latin1 text: the euro sign makes every string below UTF-16.
  const lines = [];
  for (let i = 0; i < N; i++) lines.push(`${100000 + i},user${i},€${(i * 7919) % 100000},ok`);
  const s = lines.join('\n');
  time(results, 'utf16 s.match(/\\d+/g)', () => s.match(/\d+/g).length);
  time(results, 'utf16 s.replace(/,/g, ";")', () => s.replace(/,/g, ';').length);
  time(results, 'utf16 s.split(/\\r?\\n/)', () => s.split(/\r?\n/).length);
  time(results, 'utf16 s.toUpperCase()', () => s.toUpperCase().length);
  // Catastrophic on a backtracker: 2^26 steps. k6 (Go regexp) answers at once.
  time(results, "utf16 /(a+)+b/.test('€' + 'a'.repeat(26))", () =>
    String(/(a+)+b/.test('€' + 'a'.repeat(26))));
  time(results, "utf16 /^(\\w+\\s?)+$/.test(N words + '€')", () =>
    String(/^(\w+\s?)+$/.test('word '.repeat(N) + '€')));
  return results;
}

export default function () {}

export function handleSummary(data) {
  return { stdout: JSON.stringify(data.setup_data) + '\n' };
}
