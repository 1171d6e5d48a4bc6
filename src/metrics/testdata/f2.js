import http from 'k6/http';
import { check, group, sleep } from 'k6';
import { Counter, Trend, Rate, Gauge } from 'k6/metrics';
const c = new Counter('my_counter');
const t = new Trend('my_trend');
const r = new Rate('my_rate');
const g = new Gauge('my_gauge');
const hx = new Counter('http_reqs_custom');
const cx = new Counter('checks_custom');
const big = new Counter('big_data_x');
export const options = {
  vus: 2, duration: '2s',
  thresholds: { http_req_duration: ['p(99)<500', 'p(99.9)<600', 'avg<100'], 'http_req_duration{status:200}': ['max<1000'],
   my_gauge: ['value>1'], my_counter: ['rate>1', 'count>1'], 'my_trend': ['med<2'], my_rate: ['rate>=0.1'] },
};
export function setup() { return { x: 1, arr: [1,'a'] }; }
export default function (data) {
  group('g1', function () {
    const res = http.get('http://127.0.0.1:18091/get?x=1');
    check(res, { 'status 200': (r) => r.status === 200 });
    group('inner', () => { c.add(2); check(1, {'inner check': (v) => v === 1, 'status 200': () => false}); });
  });
  group('g0', function () { check(null, {'zzz': () => true}); });
  check(null, {'root check': () => true});
  http.get('http://127.0.0.1:18091/status/404');
  t.add(1); t.add(2); r.add(true); r.add(0); g.add(7); g.add(3); hx.add(1); cx.add(1);
  sleep(0.1);
}
function handleSummary_(data) { return {'hs.json': JSON.stringify(data, null, 1), stdout: JSON.stringify(data.root_group)}; }
