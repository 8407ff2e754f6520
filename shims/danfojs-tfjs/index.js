// danfojs-node's view of "@tensorflow/tfjs-node": the real native package when it is installed
// (`npx course gpu --install tfjs-node`), otherwise pure-JS @tensorflow/tfjs. npm may place this
// stand-in at node_modules/@tensorflow/tfjs-node itself, so a lookup that lands back here is
// "not installed". Resolution starts from this folder, so it finds the project's node_modules.
const fs = require("fs");
let real = null;
try {
  const found = require.resolve("@tensorflow/tfjs-node");
  if (fs.realpathSync(found) !== fs.realpathSync(__filename)) real = require(found);
} catch (e) {
  real = null;
}
module.exports = real || require("@tensorflow/tfjs");
