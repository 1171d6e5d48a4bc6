// Many short iterations: shared-iterations with more VUs than needed; metrics stay exact.
import http from 'k6/http';
import { check } from 'k6';
import { Rate } from 'k6/metrics';

const ok = new Rate('ok_rate');

export const options = {
  scenarios: {
    burst: { executor: 'shared-iterations', vus: 4, iterations: 40, maxDuration: '20s' },
  },
  thresholds: { ok_rate: ['rate==1'], 'http_req_duration{scenario:burst}': ['p(90)<60000'] },
};

export default function () {
  const r = http.get(`${__ENV.BASE_URL}/get`);
  ok.add(check(r, { 'status ok': (x) => x.status === 200 }));
}
