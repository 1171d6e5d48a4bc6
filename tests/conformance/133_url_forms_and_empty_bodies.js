// URLs as scripts write them (non-ASCII and brackets in the query, a space in the path) keep
// k6's url/name tags and res.url; 204 and 304 responses have a null body (res.json() throws),
// an empty 200 and a HEAD response an empty string.
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  vus: 1,
  iterations: 2,
  thresholds: { [`http_reqs{url:${__ENV.BASE_URL}/get?city=Kraków&ids=[1]}`]: ['count==2'] },
};

export default function () {
  const b = __ENV.BASE_URL;
  const q = http.get(`${b}/get?city=Kraków&ids=[1]`);
  check(q, {
    'query kept as written': (r) => r.url === `${b}/get?city=Kraków&ids=[1]`,
    'server decoded it': (r) => r.json('args.city') === 'Kraków',
  });
  const p = http.get(`${b}/anything/a b/ü`);
  check(p, { 'path escaped': (r) => r.url === `${b}/anything/a%20b/%C3%BC` });
  const none = http.get(`${b}/status/204`);
  let threw = false;
  try {
    none.json();
  } catch (e) {
    threw = true;
  }
  check(none, { '204 body null': (r) => r.body === null, '204 json throws': () => threw });
  check(http.get(`${b}/status/304`), { '304 body null': (r) => r.body === null });
  check(http.get(`${b}/status/200`), { 'empty 200 body': (r) => r.body === '' });
  check(http.head(`${b}/get`), { 'HEAD body empty': (r) => r.body === '' });
}
