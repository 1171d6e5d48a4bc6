// args: --summary-trend-stats avg,min,med,max,p(95),p(99.9),count
// summaryTrendStats from the CLI and the summary export fields it produces.
import http from 'k6/http';
import { Trend } from 'k6/metrics';

const latency = new Trend('latency_ms');

export const options = {
  vus: 1,
  iterations: 5,
  summaryTrendStats: ['avg', 'p(90)'],
};

export default function () {
  http.get(`${__ENV.BASE_URL}/get`);
  latency.add(10 * (__ITER + 1));
}
