// randomSeed makes Math.random() deterministic: the same branches run on k6 and rk6.
import http from 'k6/http';
import { randomSeed, check } from 'k6';
import { Counter } from 'k6/metrics';

const picks = new Counter('picks');

export const options = { vus: 1, iterations: 8 };

export default function () {
  if (__ITER === 0) randomSeed(42);
  const r = Math.random();
  const route = r < 0.33 ? 'a' : r < 0.66 ? 'b' : 'c';
  picks.add(1, { route });
  http.get(`${__ENV.BASE_URL}/anything/${route}`);
  check(r, { 'in [0,1)': (x) => x >= 0 && x < 1 });
}
