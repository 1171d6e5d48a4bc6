// Checks with tags, thresholds on check sub-metrics, failing and passing checks.
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  vus: 1,
  iterations: 5,
  thresholds: {
    'checks{kind:status}': ['rate>0.99'],
    'checks{kind:body}': ['rate>0.1'],
    checks: ['rate>0.5'],
  },
};

export default function () {
  const r = http.get(`${__ENV.BASE_URL}/get?iter=${__ITER}`);
  check(r, { 'status is 200': (x) => x.status === 200 }, { kind: 'status' });
  check(
    r,
    {
      'even iteration': () => __ITER % 2 === 0,
      'has args': (x) => x.json('args.iter') !== undefined,
    },
    { kind: 'body', priority: 'high' },
  );
  check(null, { 'plain truthy': () => 1, 'plain falsy': () => '' });
}
