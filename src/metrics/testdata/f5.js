import http from 'k6/http';
import { check, group } from 'k6';
import { Counter, Trend } from 'k6/metrics';
const c = new Counter('my_counter');
const t = new Trend('my_trend');
export const options = { iterations: 2, thresholds: { my_trend: ['avg<10'] } };
export default function () {
  group('zeta', function () {
    http.get('http://127.0.0.1:18091/get');
    check(1, { 'z ok': () => true, 'z bad': () => false });
    group('inner', () => { c.add(2); t.add(5); check(1, {'inner check': () => true}); });
  });
  group('alpha', function () { c.add(1); });
  check(1, {'root check': () => true});
  t.add(3);
}
