// A CommonJS module required by corpus scripts (not a corpus script itself).
var counter = 0;

module.exports = {
  prefix: function (p) {
    counter += 1;
    return p + '-' + counter;
  },
  sum: function () {
    var total = 0;
    for (var i = 0; i < arguments.length; i++) total += arguments[i];
    return total;
  },
};
