// The `hosts` option (name and name:port overrides), blockHostnames with a wildcard (1111)
// and blacklistIPs (1110) failing requests before they connect, `ext`/`cloud` options that a
// local run ignores, and noCookiesReset keeping the jar across iterations.
import http from 'k6/http';
import { check } from 'k6';
const port = __ENV.BASE_URL.split(':')[2];
export const options = {
  iterations: 2,
  hosts: { 'api.example.test': '127.0.0.1', 'web.example.test:80': `127.0.0.1:${port}` },
  ext: { loadimpact: { projectID: 123, name: 'x' } },
  cloud: { projectID: 1 },
  noCookiesReset: true,
  blockHostnames: ['*.blocked.test'],
  blacklistIPs: ['10.0.0.0/8', '127.0.0.2/32'],
  dns: { ttl: '1m', select: 'first', policy: 'preferIPv4' },
};
export default function () {
  const a = http.get(`http://api.example.test:${port}/get`);
  check(a, { 'hosts ip': (r) => r.status === 200 });
  const b = http.get(`http://web.example.test/get`);
  check(b, { 'hosts ip:port': (r) => r.status === 200 });
  const c = http.get(`http://x.blocked.test:${port}/get`);
  check(c, { 'blocked': (r) => r.status === 0 && r.error_code === 1111 });
  const e = http.get(`http://127.0.0.2:${port}/get`);
  check(e, { 'blacklisted': (r) => r.error_code === 1110 });
  if (__ITER === 0) http.get(`${__ENV.BASE_URL}/cookies/set?k=v`);
  const d = http.get(`${__ENV.BASE_URL}/cookies`);
  if (__ITER === 1) check(d, { 'cookie kept across iterations': (r) => r.json('cookies.k') === 'v' });
}
