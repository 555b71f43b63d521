/** Where the control socket lives when configuration does not say. */
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

export function defaultControlSocket(env: NodeJS.ProcessEnv = process.env): string {
  const base = env["XDG_RUNTIME_DIR"] || tmpdir();
  return join(base, `sipt-gw-${userInfo().uid}`, "control.sock");
}
