// Custom metrics with tags and thresholds on tagged sub-metrics of built-in and custom metrics:
// name, scenario, group (nested), expected_response, several tags in one selector (with
// spaces), isTime trends and gauges, and a selector whose tag never appears.
import http from 'k6/http';
import { check, group } from 'k6';
import exec from 'k6/execution';
import { Counter, Gauge, Rate, Trend } from 'k6/metrics';

const apiLatency = new Trend('api_latency', true);
const payload = new Trend('payload_size');
const lastWait = new Gauge('last_wait', true);
const cacheHits = new Rate('cache_hits');
const calls = new Counter('api_calls');

export const options = {
  vus: 2,
  iterations: 6,
  thresholds: {
    'http_req_duration{name:products}': ['p(95)<60000'],
    'http_req_duration{scenario:default}': ['max<60000'],
    'http_req_duration{group:::shop::cart}': ['avg<60000'],
    'http_req_duration{expected_response:true}': ['p(99)<60000'],
    'http_reqs{status:201, method:POST}': ['count==6'],
    'http_reqs{method:GET,name:products}': ['count==6'],
    'api_latency{endpoint:products}': ['p(90)<60000'],
    'payload_size{kind:small}': ['max<=100', 'count==6'],
    'payload_size{kind:none}': ['count==0'],
    'cache_hits{endpoint:cart}': ['rate>=0.5'],
    'api_calls{endpoint:products}': ['count==6'],
    'api_calls{endpoint:cart}': ['count>=6'],
    last_wait: ['value>=0'],
    'checks{group:::shop::cart}': ['rate==1'],
  },
};

export default function () {
  const base = __ENV.BASE_URL;
  const n = exec.scenario.iterationInTest;
  group('shop', () => {
    const r = http.get(`${base}/get?list=products`, { tags: { name: 'products' } });
    apiLatency.add(r.timings.duration, { endpoint: 'products' });
    payload.add(50 + n, { kind: 'small' });
    calls.add(1, { endpoint: 'products' });
    lastWait.add(r.timings.waiting);
    group('cart', () => {
      const c = http.post(`${base}/status/201`, JSON.stringify({ item: n }), {
        headers: { 'Content-Type': 'application/json' },
      });
      check(c, { 'created': (x) => x.status === 201 });
      apiLatency.add(c.timings.duration, { endpoint: 'cart' });
      cacheHits.add(n % 2 === 0, { endpoint: 'cart' });
      calls.add(2, { endpoint: 'cart' });
    });
  });
}
