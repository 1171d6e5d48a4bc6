// A multi-step user journey: read a login form with res.html(), POST it as a form, carry a
// session cookie across requests and redirects, and check JSON bodies with selectors.
import http from 'k6/http';
import { check, group, sleep } from 'k6';

// per-vu-iterations: URLs carry __VU, so each VU runs exactly 2 of the 4 iterations whatever
// the scheduling (shared iterations made the per-URL counts vary between runs).
export const options = {
  scenarios: { default: { executor: 'per-vu-iterations', vus: 2, iterations: 2 } },
  thresholds: {
    'checks{step:login}': ['rate==1'],
    'http_req_duration{group:::journey::login}': ['max<60000'],
    'http_reqs{group:::journey::browse}': ['count==8'],
  },
};

export default function () {
  const base = __ENV.BASE_URL;
  group('journey', () => {
    let token;
    group('login', () => {
      const page = http.get(`${base}/html`);
      const form = page.html().find('form#login');
      token = form.find('input[name=csrf_token]').attr('value');
      const user = form.find('#username').val();
      const res = http.post(`${base}${form.attr('action')}`, {
        csrf_token: token,
        username: user,
        password: 'secret',
        remember: form.find('#remember').val(),
      });
      check(
        res,
        {
          'form posted': (r) => r.status === 200,
          'token echoed': (r) => r.json('form.csrf_token') === 'a1b2c3d4e5',
          'user echoed': (r) => r.json().form.username === 'ishmael',
          'urlencoded': (r) => r.request.headers['Content-Type'][0] === 'application/x-www-form-urlencoded',
        },
        { step: 'login' },
      );
      // The session cookie arrives on a redirect to /cookies.
      const s = http.get(`${base}/cookies/set?session=s${__VU}&theme=dark`);
      check(s, {
        'redirected to cookies': (r) => r.url === `${base}/cookies`,
        'session kept': (r) => r.json('cookies.session') === `s${__VU}`,
      }, { step: 'login' });
    });
    group('browse', () => {
      const a = http.get(`${base}/cookies`);
      check(a, { 'jar sends session': (r) => r.json('cookies.theme') === 'dark' });
      const b = http.get(`${base}/get?page=2`, { cookies: { theme: 'light' } });
      check(b, {
        'request cookie overrides jar': (r) => r.json('headers.Cookie').indexOf('theme=light') >= 0,
        'arg kept': (r) => r.json('args.page') === '2',
      });
    });
    group('logout', () => {
      const r = http.get(`${base}/cookies/delete?session`);
      check(r, {
        'session gone': (x) => x.json('cookies.session') === undefined,
        'theme stays': (x) => x.json('cookies.theme') === 'dark',
      });
      const jar = http.cookieJar();
      jar.clear(base);
      const after = http.get(`${base}/cookies`);
      check(after, { 'jar cleared': (x) => Object.keys(x.json('cookies')).length === 0 });
    });
  });
  sleep(0.01);
}
