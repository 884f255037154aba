/** OpenAPI building blocks every service's routes share: JSON bodies and problem documents. */
import { z } from "@hono/zod-openapi";

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string().optional(),
  /** The original API's error text, kept by the services that replaced it. */
  error: z.string().optional(),
  errors: z.array(z.object({
    path: z.string(),
    message: z.string(),
    in: z.string().optional(),
  })).optional(),
}).passthrough().openapi("Problem");

/** `content` of a problem+json response. */
export const problemContent = { "application/problem+json": { schema: problemSchema } };

/** `content` of a JSON body or response with this schema. */
export function jsonContent<T extends z.ZodType>(schema: T) {
  return { "application/json": { schema } };
}

/** A problem response entry: `404: problemResponse("No such account")`. */
export function problemResponse(description: string) {
  return { description, content: problemContent };
}
