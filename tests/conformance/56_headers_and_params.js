// Request headers, response headers and status text, params on POST, a HEAD and an OPTIONS.
import http from 'k6/http';
import { check } from 'k6';

export const options = { vus: 1, iterations: 2 };

export default function () {
  const base = __ENV.BASE_URL;
  const r = http.get(`${base}/headers`, { headers: { 'X-Trace': 'abc', Accept: 'application/json' } });
  check(r, {
    'trace echoed': (x) => x.json('headers.X-Trace') === 'abc',
    'content-type header': (x) => x.headers['Content-Type'] !== undefined,
  });
  const h = http.head(`${base}/get`);
  check(h, { 'head has no body': (x) => !x.body });
  http.options(`${base}/get`);
  const p = http.post(`${base}/post`, { field: 'value', n: '1' });
  check(p, { 'form posted': (x) => x.json('form.field') === 'value' });
  const rh = http.get(`${base}/response-headers?X-Custom=yes`);
  check(rh, { 'custom response header': (x) => x.headers['X-Custom'] === 'yes' });
}
