// Nested groups with checks and thresholds on group sub-metrics.
import http from 'k6/http';
import { check, group } from 'k6';

export const options = {
  vus: 2,
  iterations: 4,
  thresholds: {
    'http_req_duration{group:::shop::cart}': ['p(95)<5000'],
    'group_duration{group:::shop}': ['avg<10000'],
    'checks{group:::shop::catalog}': ['rate==1'],
  },
};

const BASE = __ENV.BASE_URL;

export default function () {
  group('shop', function () {
    group('catalog', function () {
      const r = http.get(`${BASE}/json`);
      check(r, {
        'catalog 200': (x) => x.status === 200,
        'catalog is json': (x) => x.headers['Content-Type'].startsWith('application/json'),
      });
    });
    group('cart', function () {
      const r = http.post(`${BASE}/post`, JSON.stringify({ item: 1 }), {
        headers: { 'Content-Type': 'application/json' },
      });
      check(r, { 'added': (x) => x.status === 200 });
      group('checkout', function () {
        const c = http.get(`${BASE}/status/201`);
        check(c, { 'created': (x) => x.status === 201, 'never': (x) => x.status === 299 });
      });
    });
  });
  group('home', () => {
    check(http.get(`${BASE}/html`), { 'home ok': (r) => r.status === 200 });
  });
}
