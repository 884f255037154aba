/** Headless Chromium for browser tests: Debian's, never a downloaded one. */
import { type Browser, chromium } from "playwright-core";
import { chromiumBinary } from "@flotilla/infra";

/** Launches Debian's Chromium headless, with no network of its own beyond what a test serves. */
export async function launchBrowser(): Promise<Browser> {
  return await chromium.launch({
    executablePath: await chromiumBinary(),
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}
