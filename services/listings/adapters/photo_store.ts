/** Listing photos in the JetStream object store, streamed in and out, never held whole. */
import type { ObjectInfo, ObjectResult, ObjectStore } from "@nats-io/obj";
import { PayloadTooLargeError } from "@flotilla/backbone";

export interface PhotoStore {
  /** Streams `body` in; refuses (413) once more than `maxBytes` went through. */
  put(
    name: string,
    contentType: string,
    body: ReadableStream<Uint8Array>,
    maxBytes: number,
  ): Promise<ObjectInfo>;
  get(name: string): Promise<ObjectResult | null>;
  delete(name: string): Promise<void>;
}

export function objectPhotoStore(os: ObjectStore): PhotoStore {
  return {
    async put(name, contentType, body, maxBytes) {
      let seen = 0;
      const tooLarge = () =>
        new PayloadTooLargeError(`Cannot store photo: it exceeds the limit of ${maxBytes} bytes`);
      const limiter = new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          if (seen > maxBytes) controller.error(tooLarge());
          else controller.enqueue(chunk);
        },
      });
      try {
        return await os.put(
          { name, metadata: { content_type: contentType } },
          body.pipeThrough(limiter),
        );
      } catch (err) {
        if (seen > maxBytes) throw tooLarge();
        throw err;
      }
    },
    get: (name) => os.get(name),
    async delete(name) {
      await os.delete(name);
    },
  };
}
