// args: --summary-mode=full
// --summary-mode=full with groups, scenarios and handleSummary: the data handleSummary gets
// (and the legacy export) keep k6's shape in full mode too.
import http from 'k6/http';
import { check, group } from 'k6';

export const options = {
  scenarios: {
    browse: { executor: 'shared-iterations', vus: 1, iterations: 2, exec: 'browse' },
    buy: { executor: 'per-vu-iterations', vus: 1, iterations: 1, exec: 'buy', startTime: '300ms' },
  },
  thresholds: { 'checks{scenario:buy}': ['rate==1'], 'http_req_duration{group:::catalog}': ['max<60000'] },
};

export function browse() {
  group('catalog', () => {
    check(http.get(`${__ENV.BASE_URL}/json`), { 'catalog ok': (r) => r.status === 200 });
  });
}

export function buy() {
  group('checkout', () => {
    group('pay', () => {
      check(http.post(`${__ENV.BASE_URL}/post`, 'x'), { 'paid': (r) => r.status === 200 });
    });
  });
}

export function handleSummary(data) {
  return {
    'summary.json': JSON.stringify(data),
    stdout: `groups=${data.root_group.groups.map((g) => g.name).join(',')} mode=${Object.keys(data).sort().join(',')}\n`,
  };
}
