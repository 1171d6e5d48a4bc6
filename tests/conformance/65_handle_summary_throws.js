// handleSummary that throws: k6 logs the error and falls back to its default summary.
import http from 'k6/http';

export const options = { vus: 1, iterations: 2, thresholds: { http_reqs: ['count==2'] } };

export default function () {
  http.get(`${__ENV.BASE_URL}/get`);
}

export function handleSummary(data) {
  if (data.metrics.http_reqs.values.count === 2) {
    throw new Error('summary broke');
  }
  return {};
}
