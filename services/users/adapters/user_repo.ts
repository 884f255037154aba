/** Postgres access for users. Timestamps leave the database as microseconds since the epoch. */
import type { Queryable } from "@flotilla/backbone";
import type { User } from "../domain/user.ts";

interface Row {
  id: number;
  name: string;
  version: number;
  created_at: number;
  updated_at: number;
}

const toUser = (r: Row): User => ({
  id: r.id,
  name: r.name,
  created_at: r.created_at,
  updated_at: r.updated_at,
  version: r.version,
});

export async function insertUser(tx: Queryable, name: string): Promise<User> {
  const [row] = await tx<Row[]>`
    insert into users (name) values (${name})
    returning id, name, version,
      (extract(epoch from created_at) * 1000000)::float8 as created_at,
      (extract(epoch from updated_at) * 1000000)::float8 as updated_at`;
  return toUser(row);
}

export async function findUser(
  db: Queryable,
  id: number,
  options: { forUpdate?: boolean } = {},
): Promise<User | undefined> {
  const lock = options.forUpdate ? db`for update` : db``;
  const [row] = await db<Row[]>`
    select id, name, version,
      (extract(epoch from created_at) * 1000000)::float8 as created_at,
      (extract(epoch from updated_at) * 1000000)::float8 as updated_at
    from users where id = ${id} ${lock}`;
  return row ? toUser(row) : undefined;
}

export async function saveUser(tx: Queryable, user: User): Promise<void> {
  await tx`
    update users set
      name = ${user.name},
      version = ${user.version},
      updated_at = timestamptz 'epoch' + ${user.updated_at} * interval '1 microsecond'
    where id = ${user.id}`;
}

export async function listUsers(db: Queryable, page: number, size: number): Promise<User[]> {
  const rows = await db<Row[]>`
    select id, name, version,
      (extract(epoch from created_at) * 1000000)::float8 as created_at,
      (extract(epoch from updated_at) * 1000000)::float8 as updated_at
    from users order by users.created_at desc, users.id desc
    limit ${size} offset ${(page - 1) * size}`;
  return rows.map(toUser);
}
