// Declaring a metric twice: the same type and value type gives the same metric (a Counter
// named like a built-in one adds to it), a different type or isTime throws k6's GoError.
import http from 'k6/http';
import { Counter, Rate, Trend } from 'k6/metrics';

const reqs = new Counter('http_reqs');
const waits = new Trend('wait_ms', true);
const waitsAgain = new Trend('wait_ms', true);
const problems = [];
for (const make of [() => new Trend('wait_ms'), () => new Rate('iterations'), () => new Trend('http_req_duration')]) {
  try {
    make();
  } catch (e) {
    problems.push(String(e));
  }
}
const declared = new Counter('redeclaration_errors');

export const options = {
  vus: 1,
  iterations: 2,
  thresholds: { http_reqs: ['count==6'], redeclaration_errors: ['count==6'], wait_ms: ['count==4'] },
};

export default function () {
  const r = http.get(`${__ENV.BASE_URL}/get`);
  reqs.add(2, { source: 'script' });
  waits.add(r.timings.waiting);
  waitsAgain.add(r.timings.waiting);
  declared.add(problems.length);
}
