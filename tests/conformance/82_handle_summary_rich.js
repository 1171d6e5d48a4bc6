// handleSummary reading data.metrics[...].values, data.root_group.groups, data.state and
// data.options, writing several files and printing a report built from deterministic values.
import http from 'k6/http';
import { check, group } from 'k6';
import { Counter, Rate } from 'k6/metrics';

const errors = new Counter('errors');
const ok = new Rate('ok_rate');

export const options = {
  vus: 1,
  iterations: 4,
  summaryTrendStats: ['min', 'max', 'count'],
  thresholds: {
    errors: ['count<2'],
    ok_rate: ['rate>0.9'],
    'http_req_duration{group:::api}': ['max<60000'],
  },
};

export default function () {
  group('api', () => {
    const r = http.get(`${__ENV.BASE_URL}/status/${__ITER === 3 ? 500 : 200}`);
    const good = check(r, { 'status 200': (x) => x.status === 200 });
    ok.add(good);
    if (!good) errors.add(1);
    group('nested', () => {
      check(null, { 'always': () => true });
    });
  });
}

function walk(g, depth, lines) {
  for (const c of g.checks) lines.push(`${'  '.repeat(depth)}check ${c.name}: ${c.passes}/${c.fails}`);
  for (const sub of g.groups) {
    lines.push(`${'  '.repeat(depth)}group ${sub.name} (${sub.path})`);
    walk(sub, depth + 1, lines);
  }
}

export function handleSummary(data) {
  const lines = [];
  walk(data.root_group, 0, lines);
  const m = data.metrics;
  const verdicts = Object.keys(m)
    .filter((k) => m[k].thresholds)
    .sort()
    .map((k) => `${k}: ${Object.keys(m[k].thresholds).map((t) => `${t}=${m[k].thresholds[t].ok}`).join(' ')}`);
  lines.push(`iterations=${m.iterations.values.count} reqs=${m.http_reqs.values.count}`);
  lines.push(`failed=${m.http_req_failed.values.passes}/${m.http_req_failed.values.fails} rate=${m.http_req_failed.values.rate}`);
  lines.push(`checks=${m.checks.values.passes}/${m.checks.values.fails}`);
  lines.push(`errors=${m.errors.values.count} ok=${m.ok_rate.values.rate}`);
  lines.push(`stats=${Object.keys(m.http_req_duration.values).sort().join(',')}`);
  lines.push(`tty=${data.state.isStdOutTTY} ${data.state.isStdErrTTY} dur=${typeof data.state.testRunDurationMs}`);
  // k6 builds data.options from a Go map: its key order varies, so sort the keys.
  lines.push(`options=${JSON.stringify(data.options, Object.keys(data.options).sort())}`);
  lines.push(`types=${Object.keys(m).sort().map((k) => `${k}:${m[k].type}/${m[k].contains}`).join(' ')}`);
  return {
    stdout: lines.concat(verdicts).join('\n') + '\n',
    'summary.json': JSON.stringify(data, null, 2),
    'report.txt': lines.join('\n'),
  };
}
