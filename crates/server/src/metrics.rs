//! Prometheus metrics, served as text on `/metrics`.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteOnly {
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DecisionLabels {
    pub decision: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DeliveryLabels {
    pub target: String,
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabels {
    pub result: &'static str,
}

pub struct Metrics {
    registry: Registry,
    pub requests: Family<RouteLabels, Counter>,
    pub latency: Family<RouteOnly, Histogram>,
    pub decisions: Family<DecisionLabels, Counter>,
    pub incidents_written: Counter,
    pub incident_batches: Family<ResultLabels, Counter>,
    pub batch_size: Histogram,
    pub batch_seconds: Histogram,
    pub policy_generation: Gauge,
    pub policy_reloads: Family<ResultLabels, Counter>,
    pub ready: Gauge,
    pub inspected_bytes: Counter,
    pub active_policies: Gauge,
    pub journal_appended: Gauge,
    pub journal_loaded: Gauge,
    pub journal_skipped_bytes: Counter,
    pub journal_rejected: Counter,
    pub auth_failures: Counter,
    pub deliveries: Family<DeliveryLabels, Counter>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("cordon");
        let requests = Family::<RouteLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        let latency = Family::<RouteOnly, Histogram>::new_with_constructor(|| {
            Histogram::new([
                0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0, 5.0,
            ])
        });
        registry.register(
            "http_request_duration_seconds",
            "Time to answer a request, by route",
            latency.clone(),
        );
        let decisions = Family::<DecisionLabels, Counter>::default();
        registry.register("decisions", "Decisions by verdict", decisions.clone());
        let incidents_written = Counter::default();
        registry.register(
            "incidents_written",
            "Incidents committed to the database",
            incidents_written.clone(),
        );
        let incident_batches = Family::<ResultLabels, Counter>::default();
        registry.register(
            "incident_batches",
            "Incident batch commits by result",
            incident_batches.clone(),
        );
        let batch_size = Histogram::new([
            1.0, 10.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10000.0,
        ]);
        registry.register(
            "incident_batch_size",
            "Incidents per committed batch",
            batch_size.clone(),
        );
        let batch_seconds = Histogram::new([
            0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0,
        ]);
        registry.register(
            "incident_batch_duration_seconds",
            "Time to commit one incident batch",
            batch_seconds.clone(),
        );
        let policy_generation = Gauge::default();
        registry.register(
            "policy_generation",
            "Policy generation the engine was built from",
            policy_generation.clone(),
        );
        let policy_reloads = Family::<ResultLabels, Counter>::default();
        registry.register(
            "policy_reloads",
            "Engine rebuilds after an activation, by result",
            policy_reloads.clone(),
        );
        let ready = Gauge::default();
        registry.register("ready", "1 when the server is ready", ready.clone());
        let inspected_bytes = Counter::default();
        registry.register(
            "inspected_bytes",
            "Bytes received by /v1/inspect",
            inspected_bytes.clone(),
        );
        let active_policies = Gauge::default();
        registry.register(
            "active_policies",
            "Active policy versions in the engine",
            active_policies.clone(),
        );
        let journal_appended = Gauge::default();
        registry.register(
            "journal_appended_position",
            "Incident journal: byte position written up to",
            journal_appended.clone(),
        );
        let journal_loaded = Gauge::default();
        registry.register(
            "journal_loaded_position",
            "Incident journal: byte position loaded into the database up to",
            journal_loaded.clone(),
        );
        let journal_skipped_bytes = Counter::default();
        registry.register(
            "journal_skipped_bytes",
            "Incident journal bytes that could not be read (corruption)",
            journal_skipped_bytes.clone(),
        );
        let journal_rejected = Counter::default();
        registry.register(
            "journal_rejected_incidents",
            "Incidents the database refused on their own, set aside in journal/rejected.jsonl",
            journal_rejected.clone(),
        );
        let auth_failures = Counter::default();
        registry.register(
            "auth_failures",
            "Requests refused for a missing, unknown, revoked or under-privileged key",
            auth_failures.clone(),
        );
        let deliveries = Family::<DeliveryLabels, Counter>::default();
        registry.register(
            "deliveries",
            "Alert and plug-in delivery attempts by target and outcome (delivered, retry, failed)",
            deliveries.clone(),
        );
        Metrics {
            registry,
            auth_failures,
            deliveries,
            journal_rejected,
            journal_appended,
            journal_loaded,
            journal_skipped_bytes,
            requests,
            latency,
            decisions,
            incidents_written,
            incident_batches,
            batch_size,
            batch_seconds,
            policy_generation,
            policy_reloads,
            ready,
            inspected_bytes,
            active_policies,
        }
    }

    pub fn observe_batch(&self, n: usize, took: Duration, ok: bool) {
        let result = if ok { "ok" } else { "error" };
        self.incident_batches
            .get_or_create(&ResultLabels { result })
            .inc();
        if ok {
            self.incidents_written.inc_by(n as u64);
            self.batch_size.observe(n as f64);
            self.batch_seconds.observe(took.as_secs_f64());
        }
    }

    pub fn observe_delivery(&self, target: &str, outcome: &'static str) {
        self.deliveries
            .get_or_create(&DeliveryLabels {
                target: target.to_owned(),
                outcome,
            })
            .inc();
    }

    pub fn encode(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}
