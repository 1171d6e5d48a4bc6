// A CommonJS-style script: require() of k6 modules and a local CommonJS module, exports
// instead of export statements.
var http = require('k6/http');
var k6 = require('k6');
var metrics = require('k6/metrics');
var util = require('./lib/cjs_util.js');

var hits = new metrics.Counter('cjs_hits');

exports.options = {
  vus: 2,
  iterations: 4,
  thresholds: { cjs_hits: ['count==8'], 'checks{lib:cjs}': ['rate==1'] },
};

exports.setup = function () {
  return { prefix: util.prefix('cjs') };
};

exports.default = function (data) {
  var res = http.get(__ENV.BASE_URL + '/get?p=' + data.prefix);
  k6.group('cjs group', function () {
    k6.check(res, {
      'prefix echoed': function (r) { return r.json('args.p') === 'cjs-1'; },
      'helper sum': function () { return util.sum(1, 2, 3) === 6; },
    }, { lib: 'cjs' });
  });
  hits.add(2);
};
