/**
 * The fleet's permission table, printed from the same declarations the servers enforce
 * (packages/contracts/access.ts through natsPermissions and the database provisioning), so the
 * README's table cannot drift from what runs: `deno task provision --print-permissions`.
 */
import {
  type Catalog,
  databaseName,
  natsPermissions,
  ownerRole,
  READ_WRITE,
  type ServiceAccess,
  subjectOf,
} from "@flotilla/backbone";

const code = (items: string[]) => items.length ? items.map((i) => `\`${i}\``).join(", ") : "—";
const upper = (privileges: readonly string[]) => privileges.map((p) => p.toUpperCase()).join(", ");

function databaseCell(access: ServiceAccess): string {
  if (!access.database) return "—";
  const db = databaseName(access.service);
  const tables = Object.entries(access.database.tables ?? {}).map(([t, p]) => `${t}: ${upper(p)}`);
  return [
    `role \`${db}\` on \`${db}\` (owner \`${ownerRole(db)}\` runs migrations)`,
    `tables: ${upper(READ_WRITE)}`,
    ...tables,
    "schema_migrations: SELECT",
    "no DDL, no TRUNCATE, no other database",
  ].join("; ");
}

export function permissionTable(catalog: Catalog, fleet: readonly ServiceAccess[]): string {
  const rows = [
    "| service | publishes | pulls from (durable) | buckets | database |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const a of fleet) {
    const published = [
      ...(a.publishes ?? []).map((t) => subjectOf(catalog, t, a.service)),
      ...(a.subjects ?? []),
    ];
    const buckets = [
      ...(a.kv ?? []).map((k) =>
        `kv ${k.bucket}${k.keys ? ` (keys ${k.keys})` : ""}${k.watch ? ", watch" : ""}${
          k.create ? ", may recreate" : ""
        }`
      ),
      ...(a.objects ?? []).map((o) => `objects ${o}`),
      ...(a.reads ?? []).map((s) => `reads stream ${s}`),
    ];
    rows.push(
      `| ${a.service} | ${code(published)} | ${
        code((a.consumes ?? []).map((c) => `${c.stream}/${c.durable}`))
      } | ${buckets.join("; ") || "—"} | ${databaseCell(a)} |`,
    );
  }
  const detail = fleet.map((a) => {
    const p = natsPermissions(catalog, a);
    return [
      `### ${a.service}`,
      "",
      `- publish: ${code(p.publish)}`,
      `- subscribe: ${code(p.subscribe)}`,
      ...(a.secrets ? [`- secrets: ${code(Object.keys(a.secrets).map((s) => `${s}_FILE`))}`] : []),
    ].join("\n");
  });
  return [
    "Every service connects to NATS as its own nkey and to Postgres as its own role; anything",
    "not listed is refused. The admin identity (the provision step, the tools) may do anything.",
    "",
    ...rows,
    "",
    "The exact NATS subjects (derived from the rows above):",
    "",
    ...detail.join("\n\n").split("\n"),
  ].join("\n");
}
