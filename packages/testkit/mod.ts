/** The test kit: real nats-server and PostgreSQL per test environment, and helpers. */
export { eventually, integration, type TestEnv, testEnv } from "./harness.ts";
export { type ServiceProcess, spawnService } from "./service_process.ts";
export { bearer, createTestKey, jsonCaller, testIdentity } from "./identity.ts";
export { probeAccess, testAccess, testCatalog } from "./test_catalog.ts";
export { wbOrderFixture } from "./fixtures.ts";
export { launchBrowser } from "./browser.ts";
export { parseMetrics, type Sample, sampleValue, seriesOf } from "./prometheus.ts";
