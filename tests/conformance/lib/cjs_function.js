// CommonJS whose `module.exports` is a function (not a corpus script itself).
module.exports = function f() {
  return "f";
};
module.exports.extra = "x";
