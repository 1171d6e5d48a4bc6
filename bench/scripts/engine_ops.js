// String/RegExp/JSON built-ins on a CSV-like text of N lines (~48 bytes each), the table of
// issue 15. setup() times each operation once; handleSummary prints the timings as JSON.
// Run by bench/engine.py: `rk6 run -e LINES=16000 bench/scripts/engine_ops.js` (same on k6).
export const options = { vus: 1, iterations: 1, setupTimeout: '600s' };

const N = parseInt(__ENV.LINES || '4000', 10);

function text(n) {
  const lines = [];
  for (let i = 0; i < n; i++) {
    const id = String(100000 + i);
    lines.push(`${id},user${id},user${id}@example.com,${(i * 7919) % 100000},ok`);
  }
  return lines.join('\n');
}

function time(results, name, f) {
  const start = Date.now();
  const out = f();
  results[name] = Date.now() - start;
  // Keep the result alive and checked, so no engine can skip the work.
  if (out === undefined || out === null) throw new Error(`${name}: no result`);
}

export function setup() {
  const s = text(N);
  const results = { lines: N, bytes: s.length };
  time(results, "s.split('\\n')", () => s.split('\n').length);
  time(results, 's.split(/\\r?\\n/)', () => s.split(/\r?\n/).length);
  time(results, 's.match(/\\d+/g)', () => s.match(/\d+/g).length);
  time(results, "s.replace(/,/g, ';')", () => s.replace(/,/g, ';').length);
  time(results, "s.replaceAll(',', ';')", () => s.replaceAll(',', ';').length);
  time(results, "loop of s.indexOf('\\n', i + 1)", () => {
    let count = 0;
    for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) count++;
    return count;
  });
  const rows = s.split('\n').map((line) => {
    const [id, name, email, score, status] = line.split(',');
    return { id, name, email, score: Number(score), status };
  });
  time(results, 'JSON.parse(JSON.stringify(rows))', () => JSON.parse(JSON.stringify(rows)).length);
  // The rest of String.prototype/RegExp.prototype that works on the whole string.
  time(results, '[...s.matchAll(/(\\d+),user/g)]', () => [...s.matchAll(/(\d+),user/g)].length);
  time(results, 'loop of s.slice/charAt/at per line', () => {
    let n = 0;
    for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) {
      n += s.slice(i + 1, i + 7).length + s.charAt(i + 1).length + s.at(i + 1).length;
    }
    return n;
  });
  time(results, 'loop of s.startsWith/includes(x, i)', () => {
    let n = 0;
    for (let i = 0; i < s.length; i += 48) n += s.startsWith('1', i) + s.includes('ok', i);
    return n;
  });
  time(results, 's.search(/@example\\.org/)', () => s.search(/@example\.org/));
  time(results, 's.toUpperCase() + trim + padStart', () => s.toUpperCase().trim().padStart(s.length + 8).length);
  time(results, "lines.map(l => l.split(','))", () => s.split('\n').map((l) => l.split(',')).length);
  return results;
}

export default function () {}

export function handleSummary(data) {
  return { stdout: JSON.stringify(data.setup_data) + '\n' };
}
