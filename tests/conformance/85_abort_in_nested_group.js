// exec.test.abort() inside nested groups of an iteration, after a few iterations: the
// remaining iterations don't run and teardown still runs.
import http from 'k6/http';
import { check, group } from 'k6';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';

const done = new Counter('done');

export const options = { vus: 1, iterations: 10 };

export default function () {
  group('outer', () => {
    http.get(`${__ENV.BASE_URL}/get?i=${__ITER}`);
    group('inner', () => {
      check(__ITER, { 'small iteration': (i) => i < 2 });
      if (__ITER === 2) exec.test.abort(`stopping at ${__ITER}`);
      done.add(1);
    });
  });
}

export function teardown() {
  check(null, { 'teardown ran': () => true });
  http.get(`${__ENV.BASE_URL}/get?teardown=1`);
}
