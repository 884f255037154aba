/** The test kit: real nats-server and PostgreSQL per test environment, and helpers. */
export {
  eventually,
  integration,
  type ServiceProcess,
  spawnService,
  type TestEnv,
  testEnv,
} from "./harness.ts";
export { testCatalog } from "./test_catalog.ts";
export { wbOrderFixture } from "./fixtures.ts";
export { launchBrowser } from "./browser.ts";
export { parseMetrics, type Sample, sampleValue, seriesOf } from "./prometheus.ts";
