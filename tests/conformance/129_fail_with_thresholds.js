// exec.test.fail() in a run whose thresholds also fail: k6 exits 110 (marked as failed), not
// 99; the run goes on to the end and the summary has every iteration.
import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';

export const options = {
  vus: 1,
  iterations: 3,
  thresholds: { checks: ['rate==1'], http_req_failed: ['rate==0'] },
};

export default function () {
  const r = http.get(`${__ENV.BASE_URL}/status/${__ITER === 1 ? 500 : 200}`);
  if (!check(r, { 'status 200': (x) => x.status === 200 })) {
    exec.test.fail(`iteration ${__ITER} got ${r.status}`);
  }
}
