// exec.vu.metrics.tags and exec.vu.tags add tags to later samples of the VU.
import http from 'k6/http';
import exec from 'k6/execution';
import { check } from 'k6';
import { Counter } from 'k6/metrics';

const c = new Counter('tagged_by_vu');

export const options = {
  vus: 1,
  iterations: 3,
  thresholds: { 'http_reqs{phase:warm}': ['count==2'] },
};

export default function () {
  exec.vu.metrics.tags.phase = exec.vu.iterationInScenario === 0 ? 'cold' : 'warm';
  http.get(`${__ENV.BASE_URL}/get`);
  c.add(1);
  check(exec.scenario, { 'scenario name': (s) => s.name === 'default' });
  delete exec.vu.metrics.tags.phase;
  http.get(`${__ENV.BASE_URL}/json`);
}
