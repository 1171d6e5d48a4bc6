// Unusual arguments to check() and group(): an array of conditions (checks named by index),
// a string, a forgotten second argument, '::' in names, an empty group name at the root and
// nested, group() without a callback, and group()'s return value.
import http from 'k6/http';
import { check, group } from 'k6';
import { Counter } from 'k6/metrics';

const errors = new Counter('api_errors');

export const options = { vus: 1, iterations: 2 };

function attempt(kind, fn) {
  try {
    fn();
  } catch (e) {
    errors.add(1, { kind });
  }
}

export default function () {
  const res = http.get(`${__ENV.BASE_URL}/get`);
  check(res, [(r) => r.status === 200, (r) => r.status === 404]);
  check(res, 'ok');
  attempt('no sets', () => check(res));
  attempt('colons in check', () => check(res, { 'a::b': () => true }));
  attempt('colons in group', () => group('x::y', () => check(res, { 'never': () => true })));
  attempt('no callback', () => group('lonely'));
  group('', () => {
    check(res, { 'root level': (r) => r.status === 200 });
  });
  group('outer', () => {
    group('', () => {
      check(res, { 'under an empty name': (r) => r.status === 200 });
    });
  });
  const n = group('value', () => 7);
  check(n, { 'group returns its callback value': (v) => v === 7 });
}
