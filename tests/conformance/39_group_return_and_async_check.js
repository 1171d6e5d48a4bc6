// group() returns its callback's value; checks on arrays and objects; nested group with a throw.
import http from 'k6/http';
import { check, group } from 'k6';

export const options = { vus: 1, iterations: 2 };

export default function () {
  const status = group('outer', () => {
    const r = http.get(`${__ENV.BASE_URL}/json`);
    try {
      group('inner', () => {
        http.get(`${__ENV.BASE_URL}/get`);
        throw new Error('inner failed');
      });
    } catch (e) {
      check(e, { 'caught inner': (x) => x.message === 'inner failed' });
    }
    return r.status;
  });
  check(status, { 'group returned status': (s) => s === 200 });
  check([1, 2, 3], { 'array length': (a) => a.length === 3 });
}
