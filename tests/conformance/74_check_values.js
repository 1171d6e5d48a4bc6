// check() with non-boolean results: falsy and truthy values of every type, non-function
// values, thrown errors caught by the script, and check's own return value in a metric.
import { check, group } from 'k6';
import { Counter } from 'k6/metrics';

const allPassed = new Counter('all_passed');

export const options = {
  vus: 1,
  iterations: 3,
  thresholds: {
    checks: ['rate>0.4', 'rate<0.9'],
    'checks{check:zero}': ['rate==0'],
    'checks{kind:truthy}': ['rate==1'],
    all_passed: ['count==3'],
  },
};

export default function () {
  const obj = { n: 0, s: '', list: [], o: {}, nan: NaN, nul: null };
  group('falsy', () => {
    check(obj, {
      zero: (o) => o.n,
      'empty string': (o) => o.s,
      nan: (o) => o.nan,
      null: (o) => o.nul,
      undefined: (o) => o.missing,
      'false literal': false,
      'zero literal': 0,
    });
  });
  group('truthy', () => {
    const ok = check(obj, {
      'empty array': (o) => o.list,
      'empty object': (o) => o.o,
      'string 0': () => '0',
      'negative': () => -1,
      'true literal': true,
      'function result object': () => ({}),
    }, { kind: 'truthy' });
    if (ok) allPassed.add(1);
  });
  group('mixed', () => {
    const r = check(null, { 'one true': () => true, 'one false': () => 0 });
    check(r, { 'mixed returns false': (v) => v === false });
    try {
      check(obj, { 'throws': () => { throw new Error('boom'); } });
    } catch (e) {
      check(e, { 'error caught': (x) => String(x).indexOf('boom') >= 0 });
    }
  });
}
