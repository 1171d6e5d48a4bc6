// Tags from every layer at once: options.tags, scenario tags, group, request tags overriding
// a global tag, check tags, metric.add tags overriding VU tags, and exec.vu.tags.
import http from 'k6/http';
import { check, group } from 'k6';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';

const ev = new Counter('events');

export const options = {
  tags: { app: 'shop', tier: 'global' },
  scenarios: {
    main: { executor: 'shared-iterations', vus: 1, iterations: 2, tags: { tier: 'scenario', flow: 'main' } },
  },
  thresholds: {
    'http_reqs{tier:request}': ['count==2'],
    'http_reqs{tier:scenario}': ['count==2'],
    'events{tier:metric}': ['count==2'],
    'events{tier:vu}': ['count==2'],
    'checks{tier:check}': ['rate==1'],
  },
};

export default function () {
  group('g', () => {
    http.get(`${__ENV.BASE_URL}/get?a=1`, { tags: { tier: 'request' } });
    http.get(`${__ENV.BASE_URL}/get?a=2`);
    check(null, { 'tagged check': () => true }, { tier: 'check' });
    check(null, { 'untagged check': () => true });
    ev.add(1, { tier: 'metric' });
    exec.vu.tags.tier = 'vu';
    ev.add(1);
    http.get(`${__ENV.BASE_URL}/get?a=3`, { tags: { app: 'override' } });
    delete exec.vu.tags.tier;
  });
}
