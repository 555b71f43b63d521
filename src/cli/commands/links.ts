/** `sipt-gw links`: a running gateway's SS7 signalling links, linksets and destinations (Q.704), over its control socket. */
import type { Command } from "commander";
import type { ListLinksReply } from "../../gateway/management/messages.js";
import { askGateway } from "./status.js";

/** The links reply as text: one table each for linksets, links and destinations. */
export function formatLinks(r: ListLinksReply): string {
  const lines: string[] = [`SS7 ${r.variant.toUpperCase()}, own point code ${r.pointCode}`, ""];
  const table = (head: readonly string[], rows: readonly (readonly string[])[]): void => {
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
    const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
    lines.push(line(head), ...rows.map(line), "");
  };
  table(
    ["LINKSET", "ADJACENT", "STATE"],
    r.linksets.map((l) => [l.name, l.adjacentPointCode, l.state]),
  );
  table(
    ["LINK", "SPAN/TS", "MTP3", "MTP2", "FRAMES TX/RX", "MSUS TX/RX", "SU ERRORS"],
    r.links.map((l) => [`${l.linkset}/${l.slc}`, `${l.span}/${l.timeslot}`, l.state, l.level2, `${l.framesTx}/${l.framesRx}`, `${l.msusTx}/${l.msusRx}`, String(l.suErrors)]),
  );
  table(
    ["DESTINATION", "ACCESSIBLE", "VIA", "ROUTES"],
    r.destinations.map((d) => [d.pointCode, d.accessible ? "yes" : "no", d.via || "-", d.routes.map((x) => `${x.linkset}:${x.status}`).join(" ")]),
  );
  return lines.join("\n");
}

export function register(program: Command): void {
  program
    .command("links")
    .description("show a running gateway's SS7 signalling links, linksets and destinations (over its control socket)")
    .option("-s, --socket <path>", "control socket path (default: from --config, else the per-user default)")
    .option("-c, --config <file>", "read the control socket path from this configuration")
    .option("--json", "print JSON")
    .action(async (opts: { socket?: string; config?: string; json?: boolean }) => {
      const reply = await askGateway(opts, { kind: "listLinks" }, "links", "links");
      if (reply) process.stdout.write(opts.json ? `${JSON.stringify(reply.links)}\n` : formatLinks(reply.links));
    });
}
