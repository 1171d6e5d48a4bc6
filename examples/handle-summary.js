// handleSummary(): replaces the end-of-test summary. It gets the summary data (metrics with
// their values and thresholds, options, setup data) and returns what to write where:
// 'stdout', 'stderr' or file paths.
//
//   rk6 target --listen 127.0.0.1:8080 &
//   rk6 run examples/handle-summary.js        (writes ./summary.json; SUMMARY_JSON=path to move it)
import http from 'k6/http';
import { check } from 'k6';

const BASE = __ENV.BASE_URL || 'http://127.0.0.1:8080';

export const options = {
  vus: 2,
  iterations: 10,
  thresholds: { http_req_duration: ['p(95)<1000'], checks: ['rate==1'] },
};

export default function () {
  const res = http.get(`${BASE}/get`);
  check(res, { 'status is 200': (r) => r.status === 200 });
}

/** @param {{ metrics: Record<string, { type: string, contains: string, values: Record<string, number>, thresholds?: Record<string, { ok: boolean }> }> }} data */
export function handleSummary(data) {
  const lines = ['metric                     value'];
  for (const name of ['http_reqs', 'http_req_duration', 'checks', 'iterations']) {
    const m = data.metrics[name];
    if (!m) continue;
    const v = m.values;
    const shown =
      m.type === 'trend'
        ? `avg=${v.avg.toFixed(2)}ms p(95)=${v['p(95)'].toFixed(2)}ms`
        : m.type === 'rate'
          ? `${(v.rate * 100).toFixed(1)}%`
          : `${v.count}`;
    lines.push(`${name.padEnd(26)} ${shown}`);
  }
  const failed = Object.entries(data.metrics)
    .flatMap(([name, m]) => Object.entries(m.thresholds || {}).map(([t, r]) => [name, t, r.ok]))
    .filter(([, , ok]) => !ok);
  lines.push(failed.length ? `FAILED thresholds: ${JSON.stringify(failed)}` : 'all thresholds passed');
  return {
    stdout: lines.join('\n') + '\n',
    [__ENV.SUMMARY_JSON || 'summary.json']: JSON.stringify(data, null, 2),
  };
}
