import { Command } from "../command";
import { INSTALL_JUPYTER_HELP, findJupyter, installKernel } from "../../notebook/jupyter";

export const command: Command = {
  name: "install-kernel",
  summary: "register this project's tslab as Jupyter's TypeScript kernel (run by npm install)",
  usage: `usage: course install-kernel [--if-jupyter]

Writes the "tslab" kernelspec into Jupyter's data dir (\`jupyter --data-dir\`, honours
JUPYTER_DATA_DIR), pointing at this Node and this project's tslab by absolute path.
  --if-jupyter   when Jupyter is absent, print how to get it and exit 0 (used by npm install)`,
  options: { "if-jupyter": { type: "boolean" } },
  async run({ values }) {
    const j = findJupyter();
    if (!j.found || !j.dataDir) {
      console.log(INSTALL_JUPYTER_HELP);
      return values["if-jupyter"] ? 0 : 1;
    }
    const dir = installKernel(j.dataDir);
    console.log(`Registered the TypeScript kernel "tslab" for Jupyter in ${dir}`);
    return 0;
  },
};
