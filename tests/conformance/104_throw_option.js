// The `throw` option: a request to a closed port throws instead of returning status 0; the
// script catches some and lets one end the iteration. Samples of failed requests still count.
import http from 'k6/http';
import { check } from 'k6';
import { Counter } from 'k6/metrics';

const thrown = new Counter('thrown');

export const options = { vus: 1, iterations: 3, throw: true };

export default function () {
  check(http.get(`${__ENV.BASE_URL}/get`), { 'reachable': (r) => r.status === 200 });
  try {
    http.get('http://127.0.0.1:1/refused', { tags: { name: 'closed' } });
  } catch (e) {
    thrown.add(1);
    check(e, { 'error names the url': (x) => String(x).indexOf('127.0.0.1:1') >= 0 });
  }
  // A 500 does not throw: only transport errors do.
  const r = http.get(`${__ENV.BASE_URL}/status/500`);
  check(r, { 'server error returned': (x) => x.status === 500 });
  if (__ITER === 2) {
    http.get('http://127.0.0.1:1/uncaught');
  }
}
