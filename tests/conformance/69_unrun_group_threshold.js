// Thresholds on sub-metrics that never receive samples.
import http from 'k6/http';

export const options = {
  vus: 1,
  iterations: 2,
  thresholds: {
    'http_req_duration{group:::never}': ['p(95)<100', 'avg<100'],
    'http_reqs{group:::never}': ['count<1', 'rate<1'],
    'checks{group:::never}': ['rate>0.9'],
    'checks{group:::never2}': ['rate<0.9'],
  },
};

export default function () {
  http.get(`${__ENV.BASE_URL}/get`);
}
