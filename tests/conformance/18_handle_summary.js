// handleSummary replaces the default summary and writes its data as JSON.
import http from 'k6/http';
import { check, group } from 'k6';
import { Trend } from 'k6/metrics';

const t = new Trend('custom_trend');

export const options = {
  vus: 1,
  iterations: 3,
  thresholds: {
    http_req_duration: ['p(95)<60000'],
    custom_trend: ['avg<2'],
  },
};

export default function () {
  group('g', () => {
    const r = http.get(`${__ENV.BASE_URL}/get`);
    check(r, { 'ok': (x) => x.status === 200 });
  });
  t.add(__ITER);
}

export function handleSummary(data) {
  return {
    'summary.json': JSON.stringify(data),
    stdout: `iterations: ${data.metrics.iterations.values.count}\n`,
  };
}
