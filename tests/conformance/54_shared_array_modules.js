// SharedArray from open()ed JSON, a local module import, and per-user tags.
import http from 'k6/http';
import { SharedArray } from 'k6/data';
import exec from 'k6/execution';
import { checkOk, ENDPOINTS } from './lib/helpers.js';

const users = new SharedArray('users', () => JSON.parse(open('./data/users.json')));

export const options = {
  vus: 2,
  iterations: 6,
  thresholds: { 'http_reqs{role:admin}': ['count==6'] },
};

export default function () {
  const i = exec.scenario.iterationInTest;
  const user = users[i % users.length];
  for (const path of ENDPOINTS.slice(0, 1 + (i % 2))) {
    const res = http.get(`${__ENV.BASE_URL}${path}?u=${user.username}`, {
      tags: { role: user.role, name: path },
    });
    checkOk(res, path);
  }
}
