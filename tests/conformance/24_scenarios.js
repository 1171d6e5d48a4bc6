// Two scenarios with different executors and exec functions, and scenario sub-metric thresholds.
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  scenarios: {
    browse: {
      executor: 'shared-iterations',
      vus: 2,
      iterations: 6,
      exec: 'browse',
      tags: { flow: 'browse' },
    },
    buy: {
      executor: 'per-vu-iterations',
      vus: 2,
      iterations: 2,
      exec: 'buy',
      env: { ITEM: 'book' },
    },
  },
  thresholds: {
    'http_reqs{scenario:browse}': ['count==6'],
    'http_reqs{scenario:buy}': ['count==8'],
    'iterations{scenario:buy}': ['count==4'],
    'checks{scenario:buy}': ['rate==1'],
  },
};

export function browse() {
  http.get(`${__ENV.BASE_URL}/html`);
}

export function buy() {
  const r = http.post(`${__ENV.BASE_URL}/post`, { item: __ENV.ITEM });
  check(r, { 'bought': (x) => x.json('form.item') === 'book' });
  http.get(`${__ENV.BASE_URL}/status/201`);
}
