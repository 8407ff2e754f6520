// onnxruntime-node's install script (node_modules/onnxruntime-node/script/install.js) requires
// global-agent before it reads its install flag. On linux/x64 that script downloads ONNX
// Runtime's CUDA libraries from NuGet unless the flag says "skip"; npm 11 blocks the script
// (package.json allowScripts), npm 10 runs it. This module makes "skip" the default when
// nobody chose (env ONNXRUNTIME_NODE_INSTALL[_CUDA], npm config, or a --onnxruntime-node-install
// argument), then hands over to the real global-agent. `npx course gpu --install` runs the
// script with ONNXRUNTIME_NODE_INSTALL=cuda12.
const chosen =
  process.env.ONNXRUNTIME_NODE_INSTALL ||
  process.env.npm_config_onnxruntime_node_install ||
  process.env.ONNXRUNTIME_NODE_INSTALL_CUDA ||
  process.env.npm_config_onnxruntime_node_install_cuda ||
  process.argv.some((a) => a.startsWith("--onnxruntime-node-install"));
if (!chosen && /[\\/]onnxruntime-node[\\/]script[\\/]install(\.js)?$/.test(process.argv[1] || "")) {
  process.env.ONNXRUNTIME_NODE_INSTALL = "skip";
}
module.exports = require("global-agent-real");
