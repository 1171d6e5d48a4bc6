// CommonJS with a `default` property but no `__esModule` marker (not a corpus script itself).
exports.default = "plain-default";
exports.other = 1;
