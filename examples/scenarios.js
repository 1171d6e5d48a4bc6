// Every executor in one test, each scenario with its own exec function, tags, env and start
// time. Runs against the embedded target (`rk6 target --listen 127.0.0.1:8080`, or set
// BASE_URL) in about 6 seconds, unchanged on k6.
//
//   rk6 run examples/scenarios.js
//
// While it runs, the REST API (default localhost:6565) scales the externally-controlled
// scenario:
//
//   curl -X PATCH localhost:6565/v1/status -d '{"data":{"attributes":{"vus":2}}}'
import http from 'k6/http';
import exec from 'k6/execution';
import { check, sleep } from 'k6';
import { Counter } from 'k6/metrics';

const BASE = __ENV.BASE_URL || 'http://127.0.0.1:8080';
const byScenario = new Counter('requests_by_scenario');

export const options = {
  scenarios: {
    // A fixed number of iterations shared by the VUs (whoever is free takes the next one).
    warmup: { executor: 'shared-iterations', vus: 2, iterations: 10, exec: 'browse', maxDuration: '10s' },
    // Each VU runs its own iterations: 2 VUs x 3 iterations, after the warm-up.
    accounts: { executor: 'per-vu-iterations', vus: 2, iterations: 3, startTime: '1s', exec: 'login', env: { USER_PREFIX: 'acct' } },
    // A fixed number of VUs looping for a duration.
    steady: { executor: 'constant-vus', vus: 2, duration: '2s', startTime: '1s', exec: 'browse', tags: { load: 'steady' } },
    // VUs following stages; a ramped-down VU may finish its iteration for 1 s.
    ramp: {
      executor: 'ramping-vus', startVUs: 0, exec: 'browse', gracefulRampDown: '1s',
      stages: [{ duration: '1s', target: 3 }, { duration: '1s', target: 3 }, { duration: '1s', target: 0 }],
    },
    // Iterations started on a schedule, whatever the response time: 5/s for 2 s.
    orders: {
      executor: 'constant-arrival-rate', rate: 5, timeUnit: '1s', duration: '2s',
      preAllocatedVUs: 2, maxVUs: 4, startTime: '2s', exec: 'order',
    },
    // A rate following stages: 0 -> 10/s in 1 s, then back to 2/s.
    spike: {
      executor: 'ramping-arrival-rate', startRate: 0, timeUnit: '1s', preAllocatedVUs: 3, maxVUs: 6,
      stages: [{ duration: '1s', target: 10 }, { duration: '1s', target: 2 }], startTime: '3s', exec: 'order',
    },
    // VUs set from outside through the REST API (PATCH /v1/status); 1 VU unless changed.
    manual: { executor: 'externally-controlled', vus: 1, maxVUs: 3, duration: '5s', exec: 'browse' },
  },
  thresholds: {
    // Per-scenario thresholds through the `scenario` tag every sample carries.
    'http_req_duration{scenario:orders}': ['p(95)<1000'],
    'checks{scenario:accounts}': ['rate==1'],
    http_req_failed: ['rate<0.01'],
  },
};

export function browse() {
  const res = http.get(`${BASE}/get?scenario=${exec.scenario.name}&vu=${exec.vu.idInTest}`);
  byScenario.add(1);
  check(res, { 'status is 200': (r) => r.status === 200 });
  sleep(0.3);
}

export function login() {
  const user = `${__ENV.USER_PREFIX}-${exec.vu.idInTest}-${exec.vu.iterationInScenario}`;
  const res = http.post(`${BASE}/post`, JSON.stringify({ user }), {
    headers: { 'Content-Type': 'application/json' },
  });
  byScenario.add(1);
  check(res, { 'echoes the user': (r) => r.json('json.user') === user });
}

export function order() {
  // Tag this request with the scenario's progress, as k6/execution reports it.
  const stage = exec.scenario.progress < 0.5 ? 'first-half' : 'second-half';
  const res = http.post(`${BASE}/anything/order`, JSON.stringify({ iteration: exec.scenario.iterationInTest }), {
    headers: { 'Content-Type': 'application/json' },
    tags: { stage },
  });
  byScenario.add(1);
  check(res, { 'order accepted': (r) => r.status === 200 });
}
