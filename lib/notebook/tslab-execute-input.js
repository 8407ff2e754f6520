// Makes the tslab kernel publish `execute_input` on IOPub before running a cell, as the Jupyter
// messaging protocol says a kernel should (and as IPython does). tslab 1.0.22 never sends it, so
// tools that number cells from IOPub — nbconvert/nbclient, some notebook viewers — left every
// prompt at `In [ ]:`. Loaded by the course's kernel launcher (lib/notebook/jupyter.ts) before
// tslab starts: `require(thisFile)(tslabDir)`. Plain JavaScript, Node built-ins only; if tslab's
// internals ever change shape it does nothing rather than break the kernel.
"use strict";
const path = require("path");

module.exports = function publishExecuteInput(tslabDir) {
  let jupyter;
  try {
    jupyter = require(path.join(tslabDir, "dist", "jupyter.js"));
  } catch {
    return false;
  }
  const Server = jupyter.ZmqServer;
  const Handler = jupyter.JupyterHandlerImpl;
  if (!Server || !Handler || typeof Server.prototype.handleExecute !== "function" || typeof Handler.prototype.handleExecuteImpl !== "function") return false;
  if (Server.prototype.__courseExecuteInput) return true;
  const INPUT = Symbol("course execute_input");
  const serverExecute = Server.prototype.handleExecute;
  Server.prototype.handleExecute = function (sock, msg) {
    const server = this;
    if (msg && msg.content && typeof msg.content === "object") {
      // Called when the cell actually starts (the handler queues requests), with its number.
      msg.content[INPUT] = (count, code) => {
        const m = msg.createReply();
        m.header.msg_type = "execute_input";
        m.content = { code, execution_count: count };
        m.signAndSend(server.connInfo.key, server.iopub);
      };
    }
    return serverExecute.call(this, sock, msg);
  };
  const handlerExecute = Handler.prototype.handleExecuteImpl;
  Handler.prototype.handleExecuteImpl = function (req, writeStream, writeDisplayData) {
    // handleExecuteImpl numbers the cell ++execCount: announce that number first.
    if (req && typeof req[INPUT] === "function") {
      try {
        req[INPUT](this.execCount + 1, req.code);
      } catch {
        /* never let the announcement break the cell */
      }
    }
    return handlerExecute.call(this, req, writeStream, writeDisplayData);
  };
  Server.prototype.__courseExecuteInput = true;
  return true;
};
