// What esbuild/webpack/babel emit for `export default ...` compiled to CommonJS (not a corpus
// script itself): `__esModule` and `exports.default`.
"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.default = function chai() {
  return "default-fn";
};
exports.named = "named-value";
