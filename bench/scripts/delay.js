// Timing accuracy: a target that answers after a fixed delay (rk6's embedded target,
// /delay/S), so the median http_req_duration of k6 and rk6 can be compared directly.
import http from 'k6/http';
import { check } from 'k6';
export const options = {
  scenarios: { delay: { executor: 'constant-vus', vus: Number(__ENV.VUS || 10),
                        duration: __ENV.DURATION || '10s' } },
};
const URL = `${__ENV.TARGET || 'http://127.0.0.1:18082'}/delay/${__ENV.DELAY || '0.05'}`;
export default function () {
  const res = http.get(URL);
  check(res, { 'status is 200': (r) => r.status === 200 });
}
