// Arrival-rate schedule: iterations must start on time under load. RATE iterations per second
// for DURATION against nginx; on schedule means iterations ≈ RATE × duration and no
// dropped_iterations.
import http from 'k6/http';
import { check } from 'k6';
export const options = {
  scenarios: { arrival: { executor: 'constant-arrival-rate', rate: Number(__ENV.RATE || 2000),
                          timeUnit: '1s', duration: __ENV.DURATION || '10s',
                          preAllocatedVUs: Number(__ENV.VUS || 50), maxVUs: Number(__ENV.VUS || 50) } },
};
export default function () {
  const res = http.get('http://127.0.0.1:18081/');
  check(res, { 'status is 200': (r) => r.status === 200 });
}
