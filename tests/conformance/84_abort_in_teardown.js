// exec.test.abort() with a message inside a nested group of teardown: the run ends with
// k6's abort exit code, after the summary data is complete.
import http from 'k6/http';
import { check, group } from 'k6';
import exec from 'k6/execution';

export const options = { vus: 1, iterations: 3, thresholds: { checks: ['rate==1'] } };

export default function () {
  group('work', () => {
    check(http.get(`${__ENV.BASE_URL}/get`), { ok: (r) => r.status === 200 });
  });
}

export function teardown() {
  group('cleanup', () => {
    group('inner', () => {
      check(null, { 'before abort': () => true });
      exec.test.abort('cleanup failed on purpose');
    });
    check(null, { 'never reached': () => true });
  });
}

export function handleSummary(data) {
  return {
    'summary.json': JSON.stringify(data),
    stdout: `checks=${data.metrics.checks.values.passes}\n`,
  };
}
