/** The read model's query and item shapes. Pure: no I/O. */
import { z } from "@hono/zod-openapi";
import { decimalId, decimalInteger, safeText } from "@flotilla/backbone";
import { pageQueryShape } from "@flotilla/contracts";

/** A price bound: a whole number, at most the largest a JSON number carries exactly. */
const priceBound = () => decimalInteger({ min: 0, max: Number.MAX_SAFE_INTEGER }).optional();

export const viewQuerySchema = z.object({
  ...pageQueryShape,
  user_id: decimalId().optional(),
  listing_type: z.enum(["rent", "sale"]).optional(),
  min_price: priceBound(),
  max_price: priceBound(),
  q: safeText({ min: 1, max: 100, trim: true }).optional().openapi({
    description: "case-insensitive substring of the user's name",
  }),
}).refine(
  (v) => v.min_price === undefined || v.max_price === undefined || v.min_price <= v.max_price,
  { message: "min_price must not exceed max_price", path: ["min_price"] },
);
export type ViewQuery = z.infer<typeof viewQuerySchema>;

export const viewUserSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  created_at: z.number().int(),
  updated_at: z.number().int(),
}).openapi("ListingViewUser");

export const viewItemSchema = z.object({
  id: z.number().int(),
  user_id: z.number().int(),
  listing_type: z.enum(["rent", "sale"]),
  price: z.number().int(),
  created_at: z.number().int().openapi({ description: "microseconds since the epoch" }),
  updated_at: z.number().int().openapi({ description: "microseconds since the epoch" }),
  photos: z.array(z.object({
    name: z.string(),
    size: z.number().int(),
    digest: z.string(),
    content_type: z.string(),
    uploaded_at: z.number().int(),
  })),
  user: viewUserSchema,
}).openapi("ListingViewItem");
export type ViewItem = z.infer<typeof viewItemSchema>;

/** A LIKE pattern that matches `text` literally anywhere. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}
