// args: --tag env=staging
// options.tags, CLI --tag, per-request tags and the name tag.
import http from 'k6/http';
import { check } from 'k6';
import { Counter } from 'k6/metrics';

const c = new Counter('tagged_counter');

export const options = {
  vus: 1,
  iterations: 3,
  tags: { team: 'payments', env: 'overridden' },
  thresholds: {
    'http_reqs{name:item}': ['count==3'],
    'http_req_duration{team:payments}': ['max<60000'],
    'tagged_counter{team:payments}': ['count==6'],
  },
};

export default function () {
  http.get(`${__ENV.BASE_URL}/get?id=${__ITER}`, { tags: { name: 'item' } });
  http.get(`${__ENV.BASE_URL}/anything/${__ITER}`, { tags: { endpoint: 'anything', team: 'search' } });
  check(null, { 'tag check': () => true }, { team: 'checks' });
  c.add(1);
  c.add(1, { extra: 'yes' });
}
