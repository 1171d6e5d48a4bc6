// per-vu-iterations with sleep and __VU/__ITER-based branching.
import http from 'k6/http';
import { sleep, check } from 'k6';
import { Counter } from 'k6/metrics';

const perVu = new Counter('per_vu_work');

export const options = {
  scenarios: {
    steady: { executor: 'per-vu-iterations', vus: 3, iterations: 2, maxDuration: '30s' },
  },
};

export default function () {
  const r = http.get(`${__ENV.BASE_URL}/delay/0`);
  check(r, { 'delay ok': (x) => x.status === 200 });
  perVu.add(__VU);
  sleep(0.1);
}
