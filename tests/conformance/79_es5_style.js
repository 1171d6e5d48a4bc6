// An ES5-style script: var, function hoisting, prototypes, arguments, substr, closures,
// string concatenation; options built with a helper.
import http from 'k6/http';
import { check, group } from 'k6';
import { Trend } from 'k6/metrics';

var lengths = new Trend('name_length');

function Client(base) {
  this.base = base;
  this.calls = 0;
}
Client.prototype.get = function (path) {
  this.calls++;
  var args = Array.prototype.slice.call(arguments, 1);
  var q = args.length ? '?' + args.join('&') : '';
  return http.get(this.base + path + q, { tags: { name: path.substr(0, 4) } });
};

function makeOptions() {
  var o = {};
  o.vus = 1;
  o.iterations = 2;
  o.thresholds = {};
  o.thresholds['name_length'] = ['max==' + 'Herman Melville - Moby-Dick'.length];
  o.thresholds['http_reqs{name:/jso}'] = ['count==2'];
  return o;
}

export var options = makeOptions();

export default function () {
  var client = new Client(__ENV.BASE_URL);
  var res = client.get('/json');
  var page = client.get('/html', 'a=1', 'b=2');
  var title = page.html().find('h1').text();
  lengths.add(title.length);
  lengths.add(title.substr(7, 8).length);
  group('es5', function () {
    check(res, {
      'slideshow title': function (r) { return r.json().slideshow.title.substr(0, 6) === 'Sample'; },
      'calls counted': function () { return client.calls === 2; },
      'hoisted helper': function () { return twice(21) === 42; },
      'typeof arguments': function () { return (function () { return typeof arguments; })() === 'object'; },
    });
  });
  function twice(n) { return n * 2; }
}
