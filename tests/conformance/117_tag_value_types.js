// Tag values of every type, as data-driven scripts produce them: numbers and booleans become
// strings, while undefined (a missing field), null or an object make k6 refuse the request
// (warning, status 0, no samples), throw from check() and from Metric.add().
import http from 'k6/http';
import { check } from 'k6';
import { Counter } from 'k6/metrics';

const hits = new Counter('endpoint_hits');
const refused = new Counter('refused');

const endpoints = [
  { path: '/get', name: 'get', weight: 2, critical: true },
  { path: '/json', weight: 1 },
  { path: '/anything/x', name: null, weight: 1.5 },
];

export const options = {
  vus: 1,
  iterations: 2,
  thresholds: {
    'endpoint_hits{weight:2}': ['count==2'],
    'endpoint_hits{critical:true}': ['count==2'],
    'http_reqs{weight:1.5}': ['count==0'],
    refused: ['count==6'],
  },
};

export default function () {
  for (const e of endpoints) {
    const r = http.get(`${__ENV.BASE_URL}${e.path}`, { tags: { name: e.name, weight: e.weight } });
    check(r, { 'answered or refused': (x) => x.status === 200 || x.status === 0 });
    try {
      hits.add(1, { weight: e.weight, critical: e.critical === true });
      hits.add(1, { name: e.name });
    } catch (err) {
      refused.add(1);
    }
    try {
      check(r, { 'tagged check': () => true }, { endpoint: e.name });
    } catch (err) {
      refused.add(1, { where: 'check' });
    }
  }
}
