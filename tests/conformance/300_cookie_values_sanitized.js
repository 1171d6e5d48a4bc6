// From the k6 docs' cookie examples (jar.set with 'hello world', then a check on what the
// server saw): k6 sends cookies through Go's Request.AddCookie, which quotes a value holding
// a space or a comma and drops bytes a cookie value cannot hold ('"', ';', '\', non-ASCII).
// The checks compare the echoed values, so a raw `my_cookie=hello world` fails them as on k6.
import http from 'k6/http';
import { check, group } from 'k6';

export const options = { vus: 1, iterations: 2 };

export default function () {
  const base = __ENV.BASE_URL;
  group('jar cookies', () => {
    const jar = http.cookieJar();
    jar.set(`${base}/cookies`, 'my_cookie', 'hello world');
    jar.set(`${base}/cookies`, 'list', 'a,b');
    jar.set(`${base}/cookies`, 'plain', 'v1');
    const res = http.get(`${base}/cookies`);
    const c = res.json().cookies;
    check(res, {
      'space is quoted': () => c.my_cookie === '"hello world"',
      'comma is quoted': () => c.list === '"a,b"',
      'plain stays': () => c.plain === 'v1',
    });
    jar.clear(`${base}/cookies`);
    check(http.get(`${base}/cookies`), {
      'cleared': (r) => r.json().cookies.my_cookie === undefined,
    });
  });
  group('request cookies', () => {
    const res = http.get(`${base}/cookies`, {
      cookies: { greeting: 'hi there', odd: 'a"b;c\\d', fine: 'x' },
    });
    const c = res.json().cookies;
    check(res, {
      'param space is quoted': () => c.greeting === '"hi there"',
      'invalid bytes dropped': () => c.odd === 'abcd',
      'fine stays': () => c.fine === 'x',
    });
  });
}
