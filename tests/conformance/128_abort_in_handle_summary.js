// exec.test.abort() inside handleSummary(): the test is over, so k6 exits 0; the files
// handleSummary would have returned are not written.
import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';

export const options = { vus: 1, iterations: 2 };

export default function () {
  check(http.get(`${__ENV.BASE_URL}/get`), { ok: (r) => r.status === 200 });
}

export function handleSummary(data) {
  if (data.metrics.checks.values.passes === 2) {
    exec.test.abort('summary saw enough');
  }
  return { 'summary.json': JSON.stringify(data) };
}
