// Failing and passing checks in setup() and teardown(), groups there, requests with tags, and
// thresholds on checks by group: setup/teardown checks count in the totals (exit 99).
import http from 'k6/http';
import { check, group } from 'k6';

export const options = {
  vus: 1,
  iterations: 2,
  thresholds: {
    checks: ['rate>0.9'],
    'checks{group:::setup}': ['rate==0.5'],
    'checks{group:::teardown::verify}': ['rate==1'],
    'http_reqs{group:::setup::auth}': ['count==1'],
  },
};

export function setup() {
  const r = http.get(`${__ENV.BASE_URL}/status/503`);
  check(r, {
    'service up': (x) => x.status === 200,
    'answered': (x) => x.status > 0,
  });
  let token;
  group('auth', () => {
    const t = http.post(`${__ENV.BASE_URL}/post`, { token: 'abc' });
    token = t.json('form.token');
    check(t, { 'token issued': () => token === 'abc' });
  });
  return { token };
}

export default function (data) {
  const r = http.get(`${__ENV.BASE_URL}/bearer`, { headers: { Authorization: `Bearer ${data.token}` } });
  check(r, { 'authorized': (x) => x.status === 200 });
}

export function teardown(data) {
  check(data, { 'token kept': (d) => d.token === 'abc' });
  group('verify', () => {
    check(http.get(`${__ENV.BASE_URL}/get`), { 'still up': (x) => x.status === 200 });
  });
}
