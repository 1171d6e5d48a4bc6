// exec.test.abort() in an iteration: exit 108, teardown still runs.
import http from 'k6/http';
import exec from 'k6/execution';
import { check } from 'k6';

export const options = {
  scenarios: {
    main: { executor: 'per-vu-iterations', vus: 1, iterations: 5 },
  },
};

export default function () {
  http.get(`${__ENV.BASE_URL}/get?i=${exec.scenario.iterationInTest}`);
  check(exec.vu, { 'vu id': (v) => v.idInTest === 1 });
  if (exec.scenario.iterationInTest === 2) {
    exec.test.abort('enough');
  }
}

export function teardown() {
  http.get(`${__ENV.BASE_URL}/get?teardown=1`);
}
