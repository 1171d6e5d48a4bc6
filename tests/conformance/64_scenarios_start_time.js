// Scenarios with startTime, per-scenario env/tags, gracefulStop, exec names and exec.scenario info.
import http from 'k6/http';
import exec from 'k6/execution';
import { check } from 'k6';

export const options = {
  scenarios: {
    first: { executor: 'per-vu-iterations', vus: 1, iterations: 2, exec: 'first', tags: { stage: 'one' } },
    second: {
      executor: 'shared-iterations',
      vus: 2,
      iterations: 4,
      startTime: '200ms',
      exec: 'second',
      env: { STAGE: 'two' },
      gracefulStop: '5s',
    },
  },
  thresholds: { 'http_reqs{stage:one}': ['count==2'], 'http_reqs{scenario:second}': ['count==4'] },
};

export function first() {
  http.get(`${__ENV.BASE_URL}/get?s=first`);
  check(exec.scenario, { 'first name': (s) => s.name === 'first' && s.executor === 'per-vu-iterations' });
}

export function second() {
  http.get(`${__ENV.BASE_URL}/get?s=${__ENV.STAGE}`);
  check(exec.scenario, { 'second name': (s) => s.name === 'second' && s.executor === 'shared-iterations' });
}
