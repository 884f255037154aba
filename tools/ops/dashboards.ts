/**
 * `deno run -A tools/ops/dashboards.ts`: writes the Grafana dashboards under
 * ops/grafana/dashboards/ (one for the fleet, one per family), provisioned by
 * ops/grafana/provisioning/. The panels are described here once, laid out the same way in
 * every dashboard; tests/ops_test.ts checks the files are what this writes.
 */

interface Panel {
  title: string;
  /** PromQL, and the legend of its series. */
  queries: [expr: string, legend: string][];
  unit?: string;
}

interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
}

const rate = (metric: string, by: string, match = "") =>
  `sum by (${by}) (rate(${metric}${match ? `{${match}}` : ""}[5m]))`;
const p99 = (histogram: string, by: string, match = "") =>
  `histogram_quantile(0.99, sum by (${by}, le) (rate(${histogram}_bucket${
    match ? `{${match}}` : ""
  }[5m])))`;

/** The panels every family shows for its services and durables. */
function family(services: string[], durables: string[]): Panel[] {
  const svc = `service=~"${services.join("|")}"`;
  const con = `consumer=~"${durables.join("|")}"`;
  const consumers: Panel[] = durables.length === 0 ? [] : [
    {
      title: "Consumer lag",
      queries: [
        [`max by (consumer) (consumer_pending_messages{${con}})`, "{{consumer}} pending"],
        [`max by (consumer) (consumer_ack_pending_messages{${con}})`, "{{consumer}} unacked"],
        [`max by (consumer) (consumer_redelivered_messages{${con}})`, "{{consumer}} redelivered"],
      ],
    },
    {
      title: "Messages handled by outcome",
      queries: [[
        rate("consumer_messages_total", "consumer, outcome", con),
        "{{consumer}} {{outcome}}",
      ]],
      unit: "ops",
    },
    {
      title: "Handler p99 (per unit of work)",
      queries: [[p99("consumer_handle_seconds", "consumer", con), "{{consumer}}"]],
      unit: "s",
    },
    {
      title: "Dead letters by reason class",
      queries: [[
        `max by (consumer, reason) (dead_letter_messages{${con}})`,
        "{{consumer}} {{reason}}",
      ]],
    },
  ];
  return [
    {
      title: "HTTP requests by status",
      queries: [[rate("http_requests_total", "service, status", svc), "{{service}} {{status}}"]],
      unit: "reqps",
    },
    {
      title: "HTTP p99 by route",
      queries: [[
        p99("http_request_duration_seconds", "service, route", svc),
        "{{service}} {{route}}",
      ]],
      unit: "s",
    },
    ...consumers,
    {
      title: "Outbox",
      queries: [
        [`max by (service) (outbox_oldest_age_seconds{${svc}})`, "{{service}} oldest row age"],
        [`max by (service) (outbox_pending{${svc}})`, "{{service}} rows waiting"],
      ],
    },
    {
      title: "Postgres pool",
      queries: [
        [`max by (service) (postgres_pool_in_use_connections{${svc}})`, "{{service}} in use"],
        [`max by (service) (postgres_pool_max_connections{${svc}})`, "{{service}} max"],
        [
          `max by (service) (postgres_pool_lock_wait_connections{${svc}})`,
          "{{service}} lock waits",
        ],
      ],
    },
    {
      title: "Circuit breakers (0 closed, 1 half-open, 2 open)",
      queries: [[
        `max by (service, breaker) (circuit_breaker_state{${svc}})`,
        "{{service}} {{breaker}}",
      ]],
    },
  ];
}

export const dashboards: Dashboard[] = [
  {
    uid: "flotilla-fleet",
    title: "Flotilla fleet",
    panels: [
      { title: "Services up", queries: [['up{job="flotilla"}', "{{service}}"]] },
      {
        title: "HTTP 5xx ratio",
        queries: [[
          `${rate("http_requests_total", "service", 'status=~"5.."')} / ${
            rate("http_requests_total", "service")
          }`,
          "{{service}}",
        ]],
        unit: "percentunit",
      },
      {
        title: "HTTP p99",
        queries: [[p99("http_request_duration_seconds", "service"), "{{service}}"]],
        unit: "s",
      },
      {
        title: "Consumer lag",
        queries: [[`max by (consumer) (consumer_pending_messages)`, "{{consumer}}"]],
      },
      {
        title: "Dead letters",
        queries: [[`max by (consumer, reason) (dead_letter_messages)`, "{{consumer}} {{reason}}"]],
      },
      {
        title: "Oldest outbox row",
        queries: [[`max by (service) (outbox_oldest_age_seconds)`, "{{service}}"]],
        unit: "s",
      },
      {
        title: "Open circuit breakers",
        queries: [[
          `max by (service, breaker) (circuit_breaker_state) > 0`,
          "{{service}} {{breaker}}",
        ]],
      },
      {
        title: "Postgres pool in use",
        queries: [[
          `max by (service) (postgres_pool_in_use_connections) / max by (service) (postgres_pool_max_connections)`,
          "{{service}}",
        ]],
        unit: "percentunit",
      },
      {
        title: "Resident memory",
        queries: [["max by (service) (process_resident_memory_bytes)", "{{service}}"]],
        unit: "bytes",
      },
    ],
  },
  {
    uid: "flotilla-ledger",
    title: "Flotilla ledger (accounts, transactions)",
    panels: [
      {
        title: "Transfers settled by status and reason",
        queries: [[rate("transfer_outcomes_total", "status, reason"), "{{status}} {{reason}}"]],
        unit: "ops",
      },
      {
        title: "Submissions waiting for room in the saga",
        queries: [["max(transfer_submissions_waiting)", "waiting"]],
      },
      {
        title: "Idempotency replays",
        queries: [[rate("idempotency_replays_total", "service, route"), "{{service}} {{route}}"]],
        unit: "reqps",
      },
      ...family(["accounts", "transactions"], ["accounts-transfers", "transactions-outcomes"]),
    ],
  },
  {
    uid: "flotilla-audit",
    title: "Flotilla audit log",
    panels: family(["auditlog", "accounts"], ["auditlog"]),
  },
  {
    uid: "flotilla-cqrs",
    title: "Flotilla listings (users, listings, listing-view, gateway)",
    panels: [
      {
        title: "Gateway upstream requests by outcome",
        queries: [[
          rate("gateway_upstream_requests_total", "upstream, outcome"),
          "{{upstream}} {{outcome}}",
        ]],
        unit: "reqps",
      },
      {
        title: "Gateway upstream p99",
        queries: [[p99("gateway_upstream_seconds", "upstream"), "{{upstream}}"]],
        unit: "s",
      },
      {
        title: "Gateway rate limited",
        queries: [["sum(rate(gateway_rate_limited_total[5m]))", "429s"]],
        unit: "reqps",
      },
      ...family(
        ["users", "listings", "listing-view", "gateway"],
        ["listing-view-users", "listing-view-listings"],
      ),
    ],
  },
  {
    uid: "flotilla-mailer",
    title: "Flotilla mailer",
    panels: [
      {
        title: "Messages by status",
        queries: [["max by (status) (mailer_messages)", "{{status}}"]],
      },
      {
        title: "Send outcomes",
        queries: [[rate("mailer_send_outcomes_total", "outcome"), "{{outcome}}"]],
        unit: "ops",
      },
      {
        title: "Provider p99 by outcome",
        queries: [[p99("mailer_provider_request_seconds", "outcome"), "{{outcome}}"]],
        unit: "s",
      },
      {
        title: "Provider breaker transitions",
        queries: [[rate("mailer_provider_breaker_transitions_total", "state"), "{{state}}"]],
      },
      ...family(["mailer"], ["mailer-sender"]),
    ],
  },
  {
    uid: "flotilla-orders",
    title: "Flotilla order tracker",
    panels: [
      {
        title: "In-process order mirror",
        queries: [
          ["sum by (instance) (orders_cache_mirror_entries)", "{{instance}} entries"],
          ["sum by (instance) (orders_cache_mirror_bytes)", "{{instance}} bytes"],
        ],
      },
      ...family(["orders"], ["orders-ingest"]),
    ],
  },
];

/** A dashboard as Grafana's JSON model: two panels a row. */
export function grafanaJson(d: Dashboard): Record<string, unknown> {
  return {
    uid: d.uid,
    title: d.title,
    tags: ["flotilla"],
    schemaVersion: 39,
    editable: true,
    refresh: "10s",
    time: { from: "now-1h", to: "now" },
    panels: d.panels.map((p, i) => ({
      id: i + 1,
      type: "timeseries",
      title: p.title,
      datasource: { type: "prometheus", uid: "prometheus" },
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      fieldConfig: { defaults: { unit: p.unit ?? "short" }, overrides: [] },
      options: { legend: { displayMode: "list", placement: "bottom" } },
      targets: p.queries.map(([expr, legend], q) => ({
        refId: String.fromCharCode(65 + q),
        datasource: { type: "prometheus", uid: "prometheus" },
        expr,
        legendFormat: legend,
      })),
    })),
  };
}

export const DASHBOARD_DIR = new URL("../../ops/grafana/dashboards/", import.meta.url);

/** File name → contents, as this module would write them. */
export function dashboardFiles(): Map<string, string> {
  return new Map(dashboards.map((d) => [
    `${d.uid.replace(/^flotilla-/, "")}.json`,
    JSON.stringify(grafanaJson(d), null, 2) + "\n",
  ]));
}

if (import.meta.main) {
  for (const [name, text] of dashboardFiles()) {
    await Deno.writeTextFile(new URL(name, DASHBOARD_DIR), text);
    console.log(`wrote ops/grafana/dashboards/${name}`);
  }
}
