// Thresholds on vus, vus_max, dropped_iterations, data_sent and url-tagged sub-metrics.
import http from 'k6/http';

export const options = {
  vus: 2,
  iterations: 4,
  thresholds: {
    vus_max: ['value==2'],
    vus: ['value<=2'],
    data_sent: ['count>0'],
    data_received: ['count>0', 'rate>0'],
    dropped_iterations: ['count==0'],
    [`http_req_duration{url:${__ENV.BASE_URL}/get}`]: ['max<60000'],
    'iteration_duration': ['p(99)<60000'],
  },
};

export default function () {
  http.get(`${__ENV.BASE_URL}/get`);
}
