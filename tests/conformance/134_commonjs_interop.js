// CommonJS imported from ES modules as k6 v1.1.0 links it (confirmed on k6 v1.1.0): the
// default import is `module.exports.default` when that property exists (`__esModule` set or
// not), else `module.exports`; named imports are properties of `module.exports`, missing ones
// undefined; require() gives `module.exports` itself.
import { check } from 'k6';
import bundled, { named } from './lib/cjs_bundle.js';
import plain, { other } from './lib/cjs_plain_default.js';
import fn, { extra } from './lib/cjs_function.js';
import util, { sum, missing } from './lib/cjs_util.js';

const required = require('./lib/cjs_bundle.js');

export const options = { iterations: 2, thresholds: { checks: ['rate==1'] } };

export default function () {
  check(null, {
    'bundled default is exports.default': () => typeof bundled === 'function' && bundled() === 'default-fn',
    'bundled named export': () => named === 'named-value',
    'plain default property wins': () => plain === 'plain-default' && other === 1,
    'function exports is the default': () => typeof fn === 'function' && fn() === 'f' && extra === 'x',
    'exports object without default': () => typeof util.prefix === 'function' && sum(1, 2) === 3,
    'missing named import is undefined': () => missing === undefined,
    'require gives module.exports': () => required.__esModule === true && typeof required.default === 'function',
  });
}
