// handleSummary writing text to stdout and a JSON file, reading metric values and thresholds.
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  vus: 1,
  iterations: 2,
  summaryTrendStats: ['min', 'max', 'count'],
  thresholds: { http_reqs: ['count==4'], 'http_req_duration{status:404}': ['max<60000'] },
};

export default function () {
  http.get(`${__ENV.BASE_URL}/get`);
  const r = http.get(`${__ENV.BASE_URL}/status/404`);
  check(r, { 'is 404': (x) => x.status === 404 });
}

export function handleSummary(data) {
  const m = data.metrics;
  const lines = [
    `reqs=${m.http_reqs.values.count}`,
    `failed=${m.http_req_failed.values.passes}/${m.http_req_failed.values.fails}`,
    `checks=${m.checks.values.passes}`,
    `trend keys=${Object.keys(m.http_req_duration.values).sort().join(',')}`,
    `thresholds=${JSON.stringify(m.http_reqs.thresholds)}`,
    `sub=${Object.keys(m).filter((k) => k.includes('{')).sort().join(',')}`,
    `groups=${data.root_group.groups.length} checks=${data.root_group.checks.map((c) => c.name).join(',')}`,
    // k6 builds data.options from a Go map: its key order changes from run to run.
    `options=${JSON.stringify(data.options, Object.keys(data.options).sort())}`,
    `state=${Object.keys(data.state).sort().join(',')}`,
  ];
  return { stdout: lines.join('\n') + '\n', 'summary.json': JSON.stringify(data) };
}
