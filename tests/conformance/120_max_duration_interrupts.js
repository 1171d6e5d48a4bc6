// time-based
// maxDuration and gracefulStop cutting iterations short: per-vu-iterations whose iterations
// outlast maxDuration, a ramping-vus scenario with gracefulRampDown 0s, and thresholds on
// the interrupted scenarios' metrics.
import http from 'k6/http';
import { check, group, sleep } from 'k6';

export const options = {
  scenarios: {
    slow: { executor: 'per-vu-iterations', vus: 2, iterations: 10, maxDuration: '1200ms', gracefulStop: '0s', exec: 'slow' },
    ramp: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [{ duration: '500ms', target: 2 }, { duration: '500ms', target: 0 }],
      gracefulRampDown: '0s',
      exec: 'ramp',
    },
  },
  thresholds: {
    'iterations{scenario:slow}': ['count>=1'],
    'group_duration{scenario:slow}': ['max<60000'],
    'http_reqs{scenario:ramp}': ['count>0'],
  },
};

export function slow() {
  group('long', () => {
    const r = http.get(`${__ENV.BASE_URL}/get`);
    check(r, { 'slow ok': (x) => x.status === 200 });
    sleep(0.5);
  });
}

export function ramp() {
  http.get(`${__ENV.BASE_URL}/get?ramp=1`);
  sleep(0.2);
}
