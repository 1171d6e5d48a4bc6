// handleSummary in the style of published report generators: walks data.root_group.groups
// recursively, reads data.metrics.X.values and thresholds, data.state, and writes JSON and a
// custom text report; the values it prints are deterministic.
import http from 'k6/http';
import { check, group } from 'k6';
import { Trend } from 'k6/metrics';

const size = new Trend('resp_size');

export const options = {
  vus: 1,
  iterations: 3,
  thresholds: { 'resp_size': ['max>0'], 'checks{group:::users::detail}': ['rate==1'] },
};

export default function () {
  group('users', () => {
    const list = http.get(`${__ENV.BASE_URL}/json`);
    check(list, { 'list ok': (r) => r.status === 200, 'has slides': (r) => r.json('slideshow.slides.#') === 2 });
    size.add(list.body.length);
    group('detail', () => {
      const d = http.get(`${__ENV.BASE_URL}/anything/user/${__ITER}`);
      check(d, { 'detail ok': (r) => r.status === 200 });
    });
  });
  group('empty group', () => {});
}

function countChecks(g) {
  let passes = 0;
  let fails = 0;
  for (const c of g.checks) {
    passes += c.passes;
    fails += c.fails;
  }
  for (const sub of g.groups) {
    const r = countChecks(sub);
    passes += r.passes;
    fails += r.fails;
  }
  return { passes, fails };
}

function groupPaths(g, out) {
  for (const sub of g.groups) {
    out.push(`${sub.path} id=${sub.id.length} checks=${sub.checks.map((c) => c.name).join('|')}`);
    groupPaths(sub, out);
  }
  return out;
}

export function handleSummary(data) {
  const totals = countChecks(data.root_group);
  const m = data.metrics;
  const lines = [
    `root name="${data.root_group.name}" path="${data.root_group.path}" groups=${data.root_group.groups.length}`,
    ...groupPaths(data.root_group, []),
    `checks ${totals.passes}/${totals.fails} rate=${m.checks.values.rate}`,
    `iterations=${m.iterations.values.count} http_reqs=${m.http_reqs.values.count}`,
    `resp_size count=${m.resp_size.values.count} ok=${m.resp_size.thresholds['max>0'].ok}`,
    `duration is number: ${typeof data.state.testRunDurationMs === 'number' && data.state.testRunDurationMs > 0}`,
    `has p95: ${'p(95)' in m.http_req_duration.values} has p99: ${'p(99)' in m.http_req_duration.values}`,
    `vus_max=${m.vus_max.values.value} failed=${m.http_req_failed.values.rate}`,
  ];
  return {
    stdout: lines.join('\n') + '\n',
    'summary.json': JSON.stringify(data),
  };
}
