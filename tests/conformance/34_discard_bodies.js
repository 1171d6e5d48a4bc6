// discardResponseBodies with per-request responseType overrides.
import http from 'k6/http';
import { check } from 'k6';

export const options = { vus: 1, iterations: 2, discardResponseBodies: true };

export default function () {
  const a = http.get(`${__ENV.BASE_URL}/bytes/1024`);
  check(a, { 'no body': (r) => r.body === null });
  const b = http.get(`${__ENV.BASE_URL}/json`, { responseType: 'text' });
  check(b, { 'text body': (r) => r.body.length > 0 });
}
