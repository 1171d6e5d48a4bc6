// fail() in a nested group when a check fails: the iteration stops, later groups don't run,
// and fail() inside a try/catch is just an exception the script can handle.
import http from 'k6/http';
import { check, fail, group } from 'k6';
import { Counter } from 'k6/metrics';

const recovered = new Counter('recovered');

export const options = { vus: 1, iterations: 4 };

export default function () {
  const base = __ENV.BASE_URL;
  try {
    fail('handled');
  } catch (e) {
    if (String(e).indexOf('handled') >= 0) recovered.add(1);
  }
  group('flow', () => {
    group('step 1', () => {
      const status = __ITER % 2 === 0 ? 200 : 500;
      const r = http.get(`${base}/status/${status}`);
      if (!check(r, { 'step 1 ok': (x) => x.status === 200 })) {
        fail(`step 1 failed with ${r.status}`);
      }
    });
    group('step 2', () => {
      check(http.get(`${base}/get`), { 'step 2 ok': (x) => x.status === 200 });
    });
  });
}
