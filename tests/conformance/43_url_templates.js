// http.url templates and name tags group dynamic URLs; thresholds on url/method/status tags.
import http from 'k6/http';

export const options = {
  vus: 1,
  iterations: 3,
  thresholds: {
    'http_req_duration{name:${}/anything/item/${}}': ['max<60000'],
    'http_reqs{method:POST}': ['count==3'],
    'http_reqs{status:200}': ['count>=6'],
  },
};

export default function () {
  const base = __ENV.BASE_URL;
  const id = __ITER;
  http.get(http.url`${base}/anything/item/${id}`);
  http.post(http.url`${base}/anything/item/${id}`, { a: 1 });
  http.request('GET', `${base}/anything/other/${id}`, null, { tags: { name: 'OtherItem' } });
  http.get(`${base}/get?page=${id}`);
}
