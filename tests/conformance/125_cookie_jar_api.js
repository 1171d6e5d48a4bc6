// The cookie jar API from the k6 docs: jar.set with attributes, cookiesForURL, delete and
// clear, per-request cookies with replace, res.cookies, and a jar of one's own.
import http from 'k6/http';
import { check, group } from 'k6';

export const options = { vus: 1, iterations: 2, thresholds: { checks: ['rate==1'] } };

export default function () {
  const base = __ENV.BASE_URL;
  const jar = http.cookieJar();
  group('set and read', () => {
    jar.set(base, 'session', 'abc', { path: '/', max_age: 600 });
    jar.set(base, 'pref', 'dark');
    jar.set(`${base}/cookies`, 'scoped', 'yes', { path: '/cookies' });
    const forUrl = jar.cookiesForURL(`${base}/cookies`);
    check(forUrl, {
      'three cookies for /cookies': (c) => Object.keys(c).sort().join() === 'pref,scoped,session',
      'values are arrays': (c) => c.session[0] === 'abc',
    });
    check(jar.cookiesForURL(`${base}/get`), { 'path-scoped cookie absent': (c) => c.scoped === undefined });
    const r = http.get(`${base}/cookies`);
    check(r, { 'server saw them': (x) => x.json('cookies.session') === 'abc' && x.json('cookies.scoped') === 'yes' });
  });
  group('request cookies', () => {
    const r = http.get(`${base}/cookies`, { cookies: { pref: 'light', extra: { value: '1', replace: true } } });
    check(r, {
      'jar value kept without replace': (x) => x.json('cookies.pref') === 'dark',
      'extra sent': (x) => x.json('cookies.extra') === '1',
    });
    const r2 = http.get(`${base}/cookies`, { cookies: { pref: { value: 'light', replace: true } } });
    check(r2, { 'replace wins': (x) => x.json('cookies.pref') === 'light' });
  });
  group('response cookies', () => {
    const r = http.get(`${base}/cookies/set?fresh=1`, { redirects: 0 });
    check(r, {
      'set-cookie parsed': (x) => x.cookies.fresh !== undefined && x.cookies.fresh[0].value === '1',
      'redirect not followed': (x) => x.status === 302,
    });
  });
  group('delete and clear', () => {
    jar.delete(base, 'pref');
    check(jar.cookiesForURL(base), { 'pref deleted': (c) => c.pref === undefined && c.session !== undefined });
    jar.clear(base);
    check(jar.cookiesForURL(base), { 'cleared': (c) => Object.keys(c).length === 0 });
  });
  group('own jar', () => {
    const mine = new http.CookieJar();
    mine.set(base, 'own', 'x');
    const r = http.get(`${base}/cookies`, { jar: mine });
    check(r, { 'own jar used': (x) => x.json('cookies.own') === 'x' && x.json('cookies.session') === undefined });
  });
}
