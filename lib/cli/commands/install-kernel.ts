import { Command } from "../command";
import { COURSE_ROOT, INSTALL_JUPYTER_HELP, findJupyter, installKernel } from "../../notebook/jupyter";

export const command: Command = {
  name: "install-kernel",
  summary: "register this project's tslab as Jupyter's TypeScript kernel (run by npm install)",
  usage: `usage: course install-kernel [--if-jupyter]

Writes the "tslab" kernelspec into Jupyter's data dir (\`jupyter --data-dir\`, honours
JUPYTER_DATA_DIR): this Node (absolute path) running a small launcher that starts the tslab of
the course folder holding the notebook, so every clone of the course on this machine uses its
own library under the one kernel name the notebooks declare. Outside any course folder it
runs this clone's tslab.
  --if-jupyter   when Jupyter is absent, print how to get it and exit 0 (used by npm install)`,
  options: { "if-jupyter": { type: "boolean" } },
  async run({ values }) {
    const j = findJupyter();
    if (!j.found || !j.dataDir) {
      console.log(INSTALL_JUPYTER_HELP);
      return values["if-jupyter"] ? 0 : 1;
    }
    const dir = installKernel(j.dataDir);
    console.log(`Registered the TypeScript kernel "tslab" for Jupyter in ${dir}: it runs the tslab of the course folder a notebook is in (here ${COURSE_ROOT}), with Node ${process.version} (${process.execPath}).`);
    return 0;
  },
};
