// The k6 docs' HTML examples: res.html() scraping in checks, Selection traversal, and
// res.submitForm() / res.clickLink() to follow the page.
import http from 'k6/http';
import { check, group } from 'k6';

export const options = { vus: 1, iterations: 2, thresholds: { checks: ['rate==1'] } };

export default function () {
  const base = __ENV.BASE_URL;
  const page = http.get(`${base}/html`);
  group('scrape', () => {
    const doc = page.html();
    check(doc, {
      'title': (d) => d.find('title').text() === 'rk6 sample page',
      'three nav items': (d) => d.find('#nav li').size() === 3,
      'active item': (d) => d.find('li.active a').attr('href') === '/get',
      'crew names': (d) => d.find('td.name').map((i, s) => s.text()).join(',') === 'Ahab,Starbuck,Queequeg',
      'data attribute': (d) => d.find('#chapter-1').data('title') === 'Loomings',
      'meta description': (d) => d.find('meta[name=description]').attr('content').indexOf('Sample') === 0,
      'selected option': (d) => d.find('#ship option[selected]').val() === 'pequod',
      'serialize': (d) => d.find('form').serialize().indexOf('csrf_token=a1b2c3d4e5') >= 0,
    });
    check(page, { 'selector argument': (r) => r.html('h1').text().indexOf('Moby') >= 0 });
  });
  group('forms', () => {
    const res = page.submitForm({
      formSelector: 'form#login',
      fields: { password: 'whale', notes: 'none' },
    });
    check(res, {
      'submitted': (r) => r.status === 200,
      'to action': (r) => r.url === `${base}/post`,
      'fields merged': (r) => r.json('form.password') === 'whale' && r.json('form.username') === 'ishmael',
      'hidden kept': (r) => r.json('form.csrf_token') === 'a1b2c3d4e5',
      'select kept': (r) => r.json('form.ship') === 'pequod',
    });
  });
  group('links', () => {
    const res = page.clickLink({ selector: 'a.external' });
    check(res, {
      'followed': (r) => r.url === `${base}/anything/page?x=1`,
      'query': (r) => r.json('args.x') === '1',
    });
    const first = page.clickLink({ params: { tags: { name: 'first-link' } } });
    check(first, { 'first link is get': (r) => r.url === `${base}/get` });
  });
}
