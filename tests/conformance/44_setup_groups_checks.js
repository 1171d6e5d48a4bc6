// Checks and groups inside setup() and teardown() get the setup/teardown group paths.
import http from 'k6/http';
import { check, group } from 'k6';

export const options = { vus: 1, iterations: 1 };

export function setup() {
  group('prepare', () => {
    const r = http.get(`${__ENV.BASE_URL}/json`);
    check(r, { 'fixture loaded': (x) => x.status === 200 });
  });
  check(null, { 'setup top-level check': () => true });
  return { ok: true };
}

export default function (data) {
  check(data, { 'data ok': (d) => d.ok });
}

export function teardown() {
  group('cleanup', () => {
    check(http.del(`${__ENV.BASE_URL}/delete`), { 'deleted': (r) => r.status === 200 });
  });
}
