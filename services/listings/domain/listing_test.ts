import assert from "node:assert/strict";
import {
  applyPatch,
  createListingSchema,
  type Listing,
  mediaType,
  type Photo,
  PHOTO_NAME,
  updateListingSchema,
  withoutPhoto,
  withPhoto,
} from "./listing.ts";

const listing: Listing = {
  id: 7,
  user_id: 1,
  listing_type: "rent",
  price: 1000,
  photos: [],
  created_at: 10,
  updated_at: 10,
  version: 1,
};
const photo = (name: string, size = 3): Photo => ({
  name,
  size,
  digest: "SHA-256=x",
  content_type: "image/png",
  uploaded_at: 20,
});

Deno.test("a patch that changes the price bumps version and updated_at", () => {
  const next = applyPatch(listing, { price: 1200 }, 20);
  assert.deepEqual(next, { ...listing, price: 1200, updated_at: 20, version: 2 });
});

Deno.test("a patch that changes nothing gives no new version", () => {
  assert.equal(applyPatch(listing, { price: 1000, listing_type: "rent" }, 20), undefined);
});

Deno.test("a photo of the same name replaces the old one in place", () => {
  const one = withPhoto(listing, photo("a.png"), 20);
  const two = withPhoto(one, photo("b.png"), 30);
  const three = withPhoto(two, photo("a.png", 99), 40);
  assert.deepEqual(three.photos.map((p) => [p.name, p.size]), [["a.png", 99], ["b.png", 3]]);
  assert.equal(three.version, 4);
});

Deno.test("removing a photo that is not there changes nothing", () => {
  assert.equal(withoutPhoto(listing, "a.png", 20), undefined);
  const one = withPhoto(listing, photo("a.png"), 20);
  assert.deepEqual(withoutPhoto(one, "a.png", 30)?.photos, []);
});

Deno.test("price must be a positive integer and listing_type rent or sale", () => {
  const ok = { user_id: 1, listing_type: "sale", price: 5 };
  assert.equal(createListingSchema.safeParse(ok).success, true);
  for (const bad of [{ price: 0 }, { price: -5 }, { price: 1.5 }, { listing_type: "lease" }]) {
    const r = createListingSchema.safeParse({ ...ok, ...bad });
    assert.equal(r.success, false, JSON.stringify(bad));
  }
  assert.equal(updateListingSchema.safeParse({}).success, false, "an empty patch is refused");
});

Deno.test("photo names and media types are checked strictly", () => {
  assert.ok(PHOTO_NAME.test("front-door_1.jpg"));
  for (const bad of ["../x", ".hidden", "a/b", "", "x".repeat(129)]) {
    assert.ok(!PHOTO_NAME.test(bad), bad);
  }
  assert.equal(mediaType("Image/JPEG; charset=binary"), "image/jpeg");
  assert.equal(mediaType(undefined), "");
});
