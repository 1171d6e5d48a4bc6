// exec.test.fail() marks the test failed (exit 110) but the run goes on to the end.
import http from 'k6/http';
import exec from 'k6/execution';

export const options = { vus: 1, iterations: 4 };

export default function () {
  http.get(`${__ENV.BASE_URL}/get`);
  if (exec.scenario.iterationInTest === 1) {
    exec.test.fail('first failure');
  }
}
