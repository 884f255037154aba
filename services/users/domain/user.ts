/** Users: request schemas and the rules of a change. Pure: no I/O. */
import { z } from "@hono/zod-openapi";
import { pageQueryShape, userNameSchema, type UserSnapshot } from "@flotilla/contracts";

export type User = UserSnapshot;

export const createUserSchema = z.object({ name: userNameSchema }).openapi("CreateUser");
export const updateUserSchema = z.object({ name: userNameSchema }).openapi("UpdateUser");

export const userSchema = z.object({
  id: z.number().int().openapi({ example: 1 }),
  name: z.string(),
  created_at: z.number().int().openapi({ description: "microseconds since the epoch" }),
  updated_at: z.number().int().openapi({ description: "microseconds since the epoch" }),
  version: z.number().int(),
}).openapi("User");

export const pageQuerySchema = z.object(pageQueryShape);

/** What a rename changes; `undefined` when the name is already the same (nothing to emit). */
export function rename(user: User, name: string, nowMicros: number): User | undefined {
  if (user.name === name) return undefined;
  return {
    ...user,
    name,
    updated_at: Math.max(nowMicros, user.updated_at),
    version: user.version + 1,
  };
}
