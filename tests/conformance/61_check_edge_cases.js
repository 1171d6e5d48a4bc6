// check() with values instead of functions, empty sets, a throwing check function.
import { check, group } from 'k6';

export const options = { vus: 1, iterations: 2 };

export default function () {
  check(1, { 'literal true': true, 'literal false': false, 'literal string': 'yes', 'zero': 0 });
  check(1, {});
  const all = check(2, { 'two is even': (v) => v % 2 === 0, 'two is odd': (v) => v % 2 === 1 });
  check(all, { 'returned false': (a) => a === false });
  try {
    check(3, { 'throws': () => { throw new Error('inside check'); }, 'after throw': () => true });
  } catch (e) {
    check(e.message, { 'check error propagates': (m) => m === 'inside check' });
  }
  group('g', () => check(null, { 'in group': () => true }));
}
