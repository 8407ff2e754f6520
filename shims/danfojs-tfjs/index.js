// danfojs-node's view of "@tensorflow/tfjs-node": the real native package when the
// optional dependency installed (users online), otherwise pure-JS @tensorflow/tfjs.
// Resolution starts from this folder, so it finds the project's root node_modules.
try {
  module.exports = require("@tensorflow/tfjs-node");
} catch (e) {
  module.exports = require("@tensorflow/tfjs");
}
