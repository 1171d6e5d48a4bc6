import http from 'k6/http';
import { check, group, sleep } from 'k6';
import { Counter, Trend, Rate, Gauge } from 'k6/metrics';
const c = new Counter('my_counter');
const t = new Trend('my_trend');
const tt = new Trend('my_time', true);
const r = new Rate('my_rate');
const g = new Gauge('my_gauge');
export const options = {
  iterations: 3, vus: 1,
  thresholds: { http_req_duration: ['p(95)<500'], 'my_trend': ['avg<2', 'max>100'], 'http_reqs{status:200}': ['count>=1'], checks: ['rate>0.5'] },
};
export function setup() { console.log('setup here'); return { x: 1 }; }
export default function (data) {
  group('g1', function () {
    const res = http.get('http://127.0.0.1:18091/get?x=1', { tags: { name: 'getter', custom: 'v' } });
    check(res, { 'status 200': (r) => r.status === 200, 'fails': (r) => r.status === 404 });
    group('inner', () => { c.add(2, { k: 'v' }); });
  });
  http.get('http://127.0.0.1:18091/status/404');
  t.add(1); t.add(2); t.add(3); tt.add(4.5); r.add(true); r.add(0); g.add(7); g.add(3);
  console.info('iter', __ITER, 'vu', __VU, { a: 1 }, [1, 2]);
}
export function teardown(d) { console.warn('teardown', JSON.stringify(d)); }
