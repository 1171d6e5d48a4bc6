// The k6 docs' authentication examples: basic auth in the URL and as a header, digest auth
// (two requests on the wire, one sample set), a bearer token from a login response, and
// wrong credentials counted as failed requests.
import http from 'k6/http';
import encoding from 'k6/encoding';
import { check, group } from 'k6';

export const options = {
  vus: 1,
  iterations: 2,
  thresholds: {
    'http_req_failed{auth:wrong}': ['rate==1'],
    'http_reqs{auth:digest}': ['count==2'],
    'checks{group:::basic}': ['rate==1'],
  },
};

export default function () {
  const host = __ENV.BASE_URL.replace('http://', '');
  group('basic', () => {
    const inUrl = http.get(`http://user:passwd@${host}/basic-auth/user/passwd`);
    check(inUrl, {
      'credentials in URL': (r) => r.status === 200 && r.json('authenticated') === true,
      'user echoed': (r) => r.json('user') === 'user',
    });
    const header = http.get(`${__ENV.BASE_URL}/basic-auth/user/passwd`, {
      headers: { Authorization: `Basic ${encoding.b64encode('user:passwd')}` },
    });
    check(header, { 'header auth': (r) => r.status === 200 });
  });
  group('digest', () => {
    const r = http.get(`http://user:passwd@${host}/digest-auth/auth/user/passwd`, { auth: 'digest', tags: { auth: 'digest' } });
    check(r, { 'digest ok': (x) => x.status === 200 && x.json('user') === 'user' });
  });
  group('bearer', () => {
    const login = http.post(`${__ENV.BASE_URL}/post`, JSON.stringify({ token: `tok-${__ITER}` }), {
      headers: { 'Content-Type': 'application/json' },
    });
    const token = login.json('json.token');
    const r = http.get(`${__ENV.BASE_URL}/bearer`, { headers: { Authorization: `Bearer ${token}` } });
    check(r, { 'bearer accepted': (x) => x.status === 200 && x.json('token') === token });
  });
  const wrong = http.get(`http://user:nope@${host}/basic-auth/user/passwd`, { tags: { auth: 'wrong' } });
  check(wrong, { 'wrong password refused': (r) => r.status === 401 });
}
