// setTimeout inside iterations: the iteration lasts until the timers have run.
import http from 'k6/http';
import { check } from 'k6';
import { Counter } from 'k6/metrics';

const fired = new Counter('timers_fired');

export const options = { vus: 1, iterations: 3 };

export default function () {
  setTimeout(() => {
    http.get(`${__ENV.BASE_URL}/get?from=timer`);
    fired.add(1);
  }, 20);
  const id = setTimeout(() => fired.add(100), 10);
  clearTimeout(id);
  let n = 0;
  const iv = setInterval(() => {
    n++;
    fired.add(1, { kind: 'interval' });
    if (n === 2) clearInterval(iv);
  }, 5);
  check(n, { 'not yet': (x) => x === 0 });
}
