// Cookies set by the server, sent by the client, per-request cookies and the VU jar.
import http from 'k6/http';
import { check } from 'k6';

export const options = { vus: 1, iterations: 2 };

export default function () {
  const base = __ENV.BASE_URL;
  http.get(`${base}/cookies/set?session=abc&theme=dark`);
  const r = http.get(`${base}/cookies`);
  check(r, {
    'session cookie sent': (x) => x.json('cookies.session') === 'abc',
  });
  const jar = http.cookieJar();
  jar.set(base, 'manual', 'yes');
  const r2 = http.get(`${base}/cookies`, { cookies: { extra: '1' } });
  check(r2, {
    'jar cookie': (x) => x.json('cookies.manual') === 'yes',
    'request cookie': (x) => x.json('cookies.extra') === '1',
  });
}
