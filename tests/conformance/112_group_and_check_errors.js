// A check callback that throws (the exception escapes check and ends the iteration), a group
// callback that throws, a group given an async function, and res.json() on an HTML body.
import http from 'k6/http';
import { check, group } from 'k6';
import { Counter } from 'k6/metrics';

const after = new Counter('after_errors');

export const options = { vus: 1, iterations: 4 };

export default function () {
  const page = http.get(`${__ENV.BASE_URL}/html`);
  if (__ITER === 0) {
    check(page, {
      'first ok': (r) => r.status === 200,
      'json of html': (r) => r.json('a') !== undefined,
      'never evaluated': () => true,
    });
  }
  if (__ITER === 1) {
    group('outer', () => {
      check(page, { 'inside outer': (r) => r.status === 200 });
      group('thrower', () => {
        throw new Error('group failed');
      });
    });
  }
  if (__ITER === 2) {
    try {
      group('async group', async () => {
        check(null, { 'async body': () => true });
      });
    } catch (e) {
      after.add(1, { where: 'async' });
    }
  }
  after.add(1);
}
