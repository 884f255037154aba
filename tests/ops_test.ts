/**
 * The operations files, checked without a server (what `promtool check rules` would catch):
 * every YAML file parses, every alert has a severity and a summary, every PromQL expression
 * parses, every metric a rule or a dashboard names is one the code defines, the dashboards are
 * what tools/ops/dashboards.ts writes, and Prometheus scrapes every service where it listens.
 */
import assert from "node:assert/strict";
import { parser } from "@prometheus-io/lezer-promql";
import { parse as parseYaml } from "yaml";
import { createMetrics } from "@flotilla/backbone";
import { dashboardFiles } from "../tools/ops/dashboards.ts";
import { services } from "../tools/services.ts";

const root = new URL("../", import.meta.url);
const read = (path: string) => Deno.readTextFileSync(new URL(path, root));
// Compose files use `<<:` merge keys (YAML 1.1), which `yaml` resolves only when asked.
const yaml = (path: string) => parseYaml(read(path), { merge: true });

/** The metric names a PromQL expression selects; throws naming the expression if it does not parse. */
function metricsIn(expr: string): string[] {
  const names: string[] = [];
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) {
        errors.push(`at ${node.from}: "${expr.slice(node.from, node.to + 10)}"`);
      }
      if (node.name === "Identifier" && node.node.parent?.name === "VectorSelector") {
        names.push(expr.slice(node.from, node.to));
      }
    },
  });
  if (errors.length > 0) throw new Error(`PromQL does not parse: ${expr}\n${errors.join("\n")}`);
  return names;
}

/** Every metric the fleet can expose, from the code: the backbone's and each service's own. */
function definedMetrics(): Set<string> {
  const names = new Set(
    createMetrics("any").registry.getMetricsAsArray().map((m) => m.name as string),
  );
  const created = /\b(?:counter|gauge|histogram)\(\s*"([a-z_:][a-z0-9_:]*)"/g;
  const named = /\bname:\s*"([a-z_:][a-z0-9_:]*)"/g;
  for (const dir of ["packages", "services"]) {
    for (const file of sourceFiles(new URL(`${dir}/`, root))) {
      const text = Deno.readTextFileSync(file);
      for (const [, name] of text.matchAll(created)) names.add(name);
      if (text.includes("prom-client")) {
        for (const [, name] of text.matchAll(named)) names.add(name);
      }
    }
  }
  // Histograms are read through their series; `up` is Prometheus's own.
  for (const name of [...names]) for (const s of ["_bucket", "_sum", "_count"]) names.add(name + s);
  names.add("up");
  return names;
}

function* sourceFiles(dir: URL): Generator<URL> {
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.name === "node_modules") continue;
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) yield* sourceFiles(url);
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")) yield url;
  }
}

const defined = definedMetrics();

function assertDefined(where: string, expr: string) {
  for (const name of metricsIn(expr)) {
    assert.ok(defined.has(name), `${where}: no service defines the metric ${name} (in ${expr})`);
  }
}

Deno.test("every alert rule parses, says how bad and what, and names metrics that exist", () => {
  const doc = yaml("ops/prometheus/alerts.yml");
  const rules = doc.groups.flatMap((g: { rules: unknown[] }) => g.rules) as {
    alert: string;
    expr: string;
    labels?: { severity?: string };
    annotations?: { summary?: string };
  }[];
  assert.ok(rules.length >= 6);
  for (const rule of rules) {
    assert.match(rule.alert, /^Flotilla[A-Z]\w+$/);
    assert.ok(["critical", "warning", "info"].includes(rule.labels?.severity ?? ""), rule.alert);
    assert.ok(rule.annotations?.summary, `${rule.alert} has a summary`);
    assertDefined(rule.alert, rule.expr);
  }
  const alerts = new Set(rules.map((r) => r.alert));
  for (
    const needed of [
      "FlotillaDeadLettersGrowing",
      "FlotillaConsumerLagOverBudget",
      "FlotillaOutboxStuck",
      "FlotillaCircuitOpen",
      "FlotillaServiceNotReady",
    ]
  ) assert.ok(alerts.has(needed), `${needed} is there`);
});

Deno.test("a bad expression or an unknown metric is caught", () => {
  assert.throws(() => metricsIn("sum(rate(http_requests_total[5m]) by"), /does not parse/);
  assert.throws(() => assertDefined("test", "rate(no_such_metric_total[5m])"), /no_such_metric/);
});

Deno.test("the dashboards are what tools/ops/dashboards.ts writes, over metrics that exist", () => {
  const dir = new URL("ops/grafana/dashboards/", root);
  const files = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  const expected = dashboardFiles();
  assert.deepEqual(files, [...expected.keys()].sort(), "run deno run -A tools/ops/dashboards.ts");
  for (const [name, text] of expected) {
    const onDisk = JSON.parse(read(`ops/grafana/dashboards/${name}`));
    assert.deepEqual(onDisk, JSON.parse(text), `${name} is stale: run tools/ops/dashboards.ts`);
    for (const panel of onDisk.panels) {
      assert.equal(panel.datasource.uid, "prometheus");
      for (const target of panel.targets) assertDefined(`${name}: ${panel.title}`, target.expr);
    }
  }
  assert.ok(files.includes("fleet.json"));
});

Deno.test("Prometheus scrapes every service where it listens; Grafana and compose are wired", () => {
  const prometheus = yaml("ops/prometheus/prometheus.yml");
  assert.deepEqual(prometheus.rule_files, ["/etc/prometheus/alerts.yml"]);
  const targets = new Map<string, string>();
  for (const job of prometheus.scrape_configs) {
    for (const c of job.static_configs) targets.set(c.labels.service, c.targets[0]);
  }
  const fleet = services.filter((s) => s.main.startsWith("services/"));
  assert.deepEqual(
    [...targets].sort(),
    fleet.map((s) => [s.name, `${s.name}:${s.port}`]).sort(),
    "one target per service, on its port",
  );

  const sources = yaml("ops/grafana/provisioning/datasources/datasources.yml").datasources;
  assert.deepEqual(sources.map((d: { uid: string }) => d.uid).sort(), ["jaeger", "prometheus"]);
  yaml("ops/grafana/provisioning/dashboards/dashboards.yml");

  const compose = yaml("compose.yaml");
  for (const name of ["prometheus", "grafana", "jaeger"]) {
    assert.deepEqual(compose.services[name].profiles, ["observability"], name);
    for (const volume of compose.services[name].volumes ?? []) {
      Deno.statSync(new URL(volume.split(":")[0], root));
    }
    for (const port of compose.services[name].ports ?? []) {
      assert.match(port, /^127\.0\.0\.1:/, `${name} asks nobody who calls: loopback only`);
    }
  }
  for (const s of fleet) {
    assert.deepEqual(compose.services[s.name].env_file, ["ops/telemetry.env"], s.name);
  }
  assert.match(read("ops/telemetry.env"), /^OTEL_DENO=\$\{OTEL_DENO:-false\}$/m, "off by default");
});
