// iterations plus duration: shared-iterations whose maxDuration is the duration.
import http from 'k6/http';

export const options = { vus: 2, iterations: 6, duration: '20s' };

export default function () {
  http.get(`${__ENV.BASE_URL}/get`);
}
