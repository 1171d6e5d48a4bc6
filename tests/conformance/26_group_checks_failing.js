// Failing and passing checks spread over groups; threshold on a group's checks fails (99).
import http from 'k6/http';
import { check, group } from 'k6';

export const options = {
  vus: 1,
  iterations: 4,
  thresholds: {
    'checks{group:::auth}': ['rate>0.9'],
    'checks{group:::auth::login}': ['rate<0.9'],
  },
};

export default function () {
  const base = __ENV.BASE_URL;
  group('auth', () => {
    group('login', () => {
      const r = http.get(`${base}/basic-auth/user/pass`, { auth: 'basic' });
      check(r, { 'no credentials is 401': (x) => x.status === 401 });
      const ok = http.get(`${base.replace('http://', 'http://user:pass@')}/basic-auth/user/pass`);
      check(ok, { 'login ok': (x) => x.status === 200, 'authenticated': (x) => x.json('authenticated') === false });
    });
    check(null, { 'outside login': () => __ITER < 2 });
  });
  check(null, { 'root check': () => true });
}
