/**
 * `deno task inspect`: what the `nats` CLI would show, for machines without it: every stream
 * with its subjects and message count, its durable consumers with pending and redelivered
 * counts, and the KV and object buckets. Connects as the admin (tools/admin.ts).
 */
import { jetstreamManager } from "@nats-io/jetstream";
import { connectAdminNats } from "./admin.ts";

const nc = await connectAdminNats("inspect").catch((err) => {
  console.error(`Cannot connect to NATS as the admin: ${err.message}`);
  Deno.exit(1);
});
const jsm = await jetstreamManager(nc);
const rows: string[][] = [["kind", "name", "subjects / filter", "messages", "bytes / pending"]];
for await (const s of jsm.streams.list()) {
  const name = s.config.name;
  const kind = name.startsWith("KV_") ? "kv" : name.startsWith("OBJ_") ? "object store" : "stream";
  rows.push([
    kind,
    kind === "stream" ? name : name.replace(/^(KV|OBJ)_/, ""),
    kind === "stream" ? s.config.subjects.join(" ") : "",
    String(s.state.messages),
    `${s.state.bytes} B`,
  ]);
  if (kind !== "stream") continue;
  for await (const c of jsm.consumers.list(name)) {
    rows.push([
      "  consumer",
      c.name,
      c.config.filter_subject ?? "(all)",
      `ack pending ${c.num_ack_pending}`,
      `pending ${c.num_pending}, redelivered ${c.num_redelivered}`,
    ]);
  }
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows) console.log(r.map((cell, i) => cell.padEnd(widths[i])).join("  "));
await nc.close();
