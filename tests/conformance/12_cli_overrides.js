// args: --vus 3 --iterations 7
// CLI --vus/--iterations replace the script's execution options.
import http from 'k6/http';

export const options = { vus: 1, iterations: 2 };

export default function () {
  http.get(`${__ENV.BASE_URL}/get`);
}
