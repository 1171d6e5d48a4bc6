// fail() aborts the iteration with an error; checks before it still count.
import http from 'k6/http';
import { check, fail, group } from 'k6';

export const options = { vus: 1, iterations: 4 };

export default function () {
  group('flow', () => {
    const r = http.get(`${__ENV.BASE_URL}/status/${__ITER % 2 === 0 ? 200 : 503}`);
    if (!check(r, { 'status 200': (x) => x.status === 200 })) {
      fail(`unexpected status ${r.status}`);
    }
    http.get(`${__ENV.BASE_URL}/get?after=fail`);
  });
}
