// abortOnFail with delayAbortEval on a failing Rate and an abortOnFail that passes: the run is
// shorter than the delay, so it ends normally and the verdict comes at the end (exit 99).
import http from 'k6/http';
import { check, group } from 'k6';
import exec from 'k6/execution';
import { Rate } from 'k6/metrics';

const failures = new Rate('failed_logins');

export const options = {
  vus: 2,
  iterations: 6,
  thresholds: {
    failed_logins: [{ threshold: 'rate<0.1', abortOnFail: true, delayAbortEval: '30s' }],
    http_req_failed: [{ threshold: 'rate<0.5', abortOnFail: true }],
    'http_req_duration{group:::login}': [
      { threshold: 'p(95)<60000', abortOnFail: true, delayAbortEval: '1m' },
      'max<60000',
    ],
    checks: [{ threshold: 'rate>0.5', abortOnFail: false }],
  },
};

export default function () {
  group('login', () => {
    const res = http.post(`${__ENV.BASE_URL}/post`, { user: `u${__VU}`, pass: exec.scenario.iterationInTest % 3 === 0 ? 'bad' : 'good' });
    const ok = check(res, { 'logged in': (r) => r.json('form.pass') === 'good' });
    failures.add(!ok);
  });
}
