// A scenario field of the wrong type (a string where a number belongs).
import http from 'k6/http';

export const options = {
  scenarios: {
    s: { executor: 'per-vu-iterations', vus: 'two', iterations: 1 },
  },
};

export default function () {
  http.get(`${__ENV.BASE_URL}/get`);
}
