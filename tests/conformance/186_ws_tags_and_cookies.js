// WebSocket tags and cookies: systemTags with ip (k6/ws and the WebSocket API tag the remote
// IP), a user `name` tag becomes the WebSocket API's url tag, the VU's cookie jar goes with
// the handshake and stores its Set-Cookie, a `jar` param replaces it, a Cookie header
// replaces the jar's cookies, and the script's headers are sent with Go's canonical names.
import ws from 'k6/ws';
import http from 'k6/http';
import { WebSocket } from 'k6/experimental/websockets';
import { check } from 'k6';

export const options = {
  iterations: 1,
  systemTags: ['url', 'name', 'status', 'subproto', 'ip', 'group', 'scenario', 'check'],
};

function headersOf(url, params) {
  let headers = null;
  ws.connect(url, params, (socket) => {
    socket.on('message', (m) => {
      headers = JSON.parse(m).headers;
      socket.close();
    });
  });
  return headers;
}

export default function () {
  const base = __ENV.BASE_URL.replace('http', 'ws');
  const jar = http.cookieJar();
  jar.set(__ENV.BASE_URL, 'a', '1');
  const h = headersOf(`${base}/ws/headers?set-cookie=b%3D2%3B%20Path%3D%2F`, { headers: { 'x-custom-header': 'yes' } });
  check(h, {
    'jar cookie sent': (x) => x.Cookie === 'a=1',
    'canonical header': (x) => x['X-Custom-Header'] === 'yes',
  });
  check(jar.cookiesForURL(__ENV.BASE_URL), { 'handshake cookie stored': (c) => c.b[0] === '2' });
  const own = new http.CookieJar();
  own.set(__ENV.BASE_URL, 'c', '3');
  check(headersOf(`${base}/ws/headers`, { jar: own }), { 'own jar': (x) => x.Cookie === 'c=3' });
  check(headersOf(`${base}/ws/headers`, { headers: { Cookie: 'z=9' } }), { 'cookie header wins': (x) => x.Cookie === 'z=9' });

  const w = new WebSocket(`${base}/ws/headers`, 'chat', { tags: { name: 'named' }, headers: { 'X-Api': 'k' } });
  w.onmessage = (e) => {
    const x = JSON.parse(e.data).headers;
    check(x, {
      'api cookies': (v) => v.Cookie === 'a=1; b=2',
      'api header': (v) => v['X-Api'] === 'k',
      'api protocol': (v) => v['Sec-Websocket-Protocol'] === 'chat',
    });
    w.close();
  };
}
