/** Postgres access for the clients table. Functions take the pool or a transaction. */
import { ConflictError, type Queryable } from "@flotilla/backbone";
import type { Client, MailingFields } from "../domain/model.ts";

interface ClientRow {
  id: string;
  phone: string;
  operator_code: string;
  tag: string;
  timezone: string;
  created_at: Date;
  updated_at: Date;
}

function toClient(r: ClientRow): Client {
  return {
    id: Number(r.id),
    phone: String(r.phone),
    operator_code: r.operator_code,
    tag: r.tag,
    timezone: r.timezone,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

const clientColumns =
  "id, phone::text as phone, operator_code, tag, timezone, created_at, updated_at";

function uniquePhone(err: unknown, phone: string): never {
  if ((err as { code?: string }).code === "23505") {
    throw new ConflictError(`A client with phone ${phone} already exists`);
  }
  throw err;
}

export async function insertClient(
  q: Queryable,
  c: Omit<Client, "id" | "created_at" | "updated_at">,
): Promise<Client> {
  try {
    const [row] = await q.unsafe<ClientRow[]>(
      `insert into clients (phone, operator_code, tag, timezone) values ($1, $2, $3, $4)
       returning ${clientColumns}`,
      [c.phone, c.operator_code, c.tag, c.timezone],
    );
    return toClient(row);
  } catch (err) {
    uniquePhone(err, c.phone);
  }
}

export async function findClient(
  q: Queryable,
  id: number,
  options: { forUpdate?: boolean } = {},
): Promise<Client | undefined> {
  const rows = await q.unsafe<ClientRow[]>(
    `select ${clientColumns} from clients where id = $1 ${options.forUpdate ? "for update" : ""}`,
    [id],
  );
  return rows[0] ? toClient(rows[0]) : undefined;
}

export async function listClients(q: Queryable, limit: number, offset: number): Promise<Client[]> {
  const rows = await q.unsafe<ClientRow[]>(
    `select ${clientColumns} from clients order by id limit $1 offset $2`,
    [limit, offset],
  );
  return rows.map(toClient);
}

export async function saveClient(q: Queryable, c: Client): Promise<Client> {
  try {
    const [row] = await q.unsafe<ClientRow[]>(
      `update clients set phone = $2, operator_code = $3, tag = $4, timezone = $5,
         updated_at = now() where id = $1 returning ${clientColumns}`,
      [c.id, c.phone, c.operator_code, c.tag, c.timezone],
    );
    return toClient(row);
  } catch (err) {
    uniquePhone(err, c.phone);
  }
}

export async function removeClient(q: Queryable, id: number): Promise<void> {
  await q`delete from clients where id = ${id}`;
}

/** Clients matching a mailing's filter, by id, after a cursor. */
export async function matchingClients(
  q: Queryable,
  filter: MailingFields["filter"],
  after: number,
  limit: number,
): Promise<number[]> {
  const rows = await q<{ id: string }[]>`
    select id from clients
    where id > ${after}
      and (cardinality(${filter.operator_codes}::text[]) = 0
           or operator_code = any(${filter.operator_codes}::text[]))
      and (cardinality(${filter.tags}::text[]) = 0 or tag = any(${filter.tags}::text[]))
    order by id limit ${limit}`;
  return rows.map((r) => Number(r.id));
}
