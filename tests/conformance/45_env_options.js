// env: K6_ITERATIONS=5 K6_VUS=2
// K6_* environment variables override the script's options.
import http from 'k6/http';

export const options = { vus: 1, iterations: 1, summaryTrendStats: ['avg', 'count'] };

export default function () {
  http.get(`${__ENV.BASE_URL}/get`);
}
