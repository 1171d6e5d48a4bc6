// Per-scenario tags and env, exec.vu.metrics.tags / exec.vu.tags set in the script and
// overridden, exec.vu.metrics.metadata (not a tag), scenario-specific thresholds.
import http from 'k6/http';
import { check, group } from 'k6';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';

const work = new Counter('work_done');

export const options = {
  scenarios: {
    api: {
      executor: 'shared-iterations',
      vus: 2,
      iterations: 4,
      exec: 'api',
      tags: { layer: 'api', team: 'core' },
      env: { TARGET: 'get' },
    },
    web: {
      executor: 'per-vu-iterations',
      vus: 1,
      iterations: 3,
      exec: 'web',
      tags: { layer: 'web' },
      env: { TARGET: 'html' },
    },
  },
  tags: { team: 'global', env: 'test' },
  thresholds: {
    'http_reqs{layer:api}': ['count==4'],
    'http_reqs{team:core}': ['count==4'],
    'http_reqs{team:global}': ['count==3'],
    'work_done{flow:checkout}': ['count==4'],
    'work_done{layer:web,step:render}': ['count==3'],
    'checks{scenario:web}': ['rate==1'],
  },
};

export function api() {
  exec.vu.metrics.tags.flow = 'checkout';
  exec.vu.metrics.metadata.trace_id = `t-${exec.scenario.iterationInTest}`;
  const r = http.get(`${__ENV.BASE_URL}/${__ENV.TARGET}`);
  check(r, { 'api target': (x) => x.url.endsWith('/get') });
  work.add(1);
  delete exec.vu.metrics.metadata.trace_id;
}

export function web() {
  exec.vu.tags.step = 'render';
  group('page', () => {
    const r = http.get(`${__ENV.BASE_URL}/${__ENV.TARGET}`);
    check(r, {
      'web target': (x) => x.url.endsWith('/html'),
      'vu tag visible': () => exec.vu.tags.step === 'render' && exec.vu.tags.layer === 'web',
    });
  });
  work.add(1);
}
