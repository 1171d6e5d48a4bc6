// Scenarios combining exec, env, tags and startTime with thresholds and groups; per-vu and
// shared iterations bounded by maxDuration that they never reach.
import http from 'k6/http';
import { check, group } from 'k6';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';

const visits = new Counter('visits');

export const options = {
  scenarios: {
    readers: {
      executor: 'per-vu-iterations',
      vus: 2,
      iterations: 2,
      maxDuration: '30s',
      exec: 'read',
      env: { AREA: 'library' },
      tags: { role: 'reader' },
    },
    writers: {
      executor: 'shared-iterations',
      vus: 2,
      iterations: 3,
      maxDuration: '20s',
      startTime: '100ms',
      exec: 'write',
      env: { AREA: 'desk' },
      tags: { role: 'writer' },
    },
  },
  thresholds: {
    'visits{role:reader}': ['count==4'],
    'visits{role:writer}': ['count==3'],
    'visits{area:library}': ['count==4'],
    'http_reqs{scenario:writers}': ['count==6'],
    'checks{scenario:readers}': ['rate==1'],
    'group_duration{scenario:writers}': ['p(95)>=0'],
  },
};

export function read() {
  group(`read in ${__ENV.AREA}`, () => {
    const r = http.get(`${__ENV.BASE_URL}/get?area=${__ENV.AREA}`);
    check(r, { 'area echoed': (x) => x.json('args.area') === 'library' });
    visits.add(1, { area: __ENV.AREA, scen: exec.scenario.name });
  });
}

export function write() {
  group('write', () => {
    group(`at ${__ENV.AREA}`, () => {
      http.post(`${__ENV.BASE_URL}/post`, JSON.stringify({ n: exec.scenario.iterationInTest }));
      http.get(`${__ENV.BASE_URL}/get`);
      visits.add(1, { area: __ENV.AREA });
    });
  });
  check(exec.scenario, { 'writer scenario name': (s) => s.name === 'writers' });
}
