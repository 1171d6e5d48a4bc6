// Exceptions thrown in some iterations: they are logged, the iteration still counts, exit 0.
import http from 'k6/http';
import { check } from 'k6';
import { Counter } from 'k6/metrics';

const reached = new Counter('reached_end');

export const options = { vus: 1, iterations: 6 };

export default function () {
  const r = http.get(`${__ENV.BASE_URL}/json`);
  check(r, { 'json ok': (x) => x.status === 200 });
  if (__ITER % 3 === 1) {
    throw new Error(`boom in iteration ${__ITER}`);
  }
  if (__ITER === 4) {
    const obj = undefined;
    obj.field.deeper = 1; // TypeError
  }
  reached.add(1);
}
