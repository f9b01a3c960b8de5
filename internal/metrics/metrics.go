// Package metrics counts what trustnudge does, for Prometheus.
//
// Everything is registered on a private registry, served by Handler, so tests
// and several instances never collide on the global one. Label values come
// from small fixed sets (see labels.go): whatever a caller passes that is not
// in the set is recorded as "other", so nothing that identifies a person,
// a channel or a workspace can reach a label.
//
// The recording methods are safe for concurrent use and do nothing on a nil
// *Metrics, so adapters may hold one that is not wired.
package metrics

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

const namespace = "trustnudge"

// AckLatencyBuckets are the upper bounds, in seconds, of the ack latency
// histogram: from half a millisecond to five seconds, with one at three
// seconds, the time Slack gives an app to ack an envelope.
var AckLatencyBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3, 5}

// Metrics holds trustnudge's collectors and the registry they live on.
type Metrics struct {
	reg *prometheus.Registry

	eventsReceived     *prometheus.CounterVec
	eventsAcked        *prometheus.CounterVec
	ackLatency         *prometheus.HistogramVec
	eventsDeduplicated prometheus.Counter
	eventsRecovered    prometheus.Counter
	eventsRejected     *prometheus.CounterVec
	reconnects         prometheus.Counter
	connected          prometheus.Gauge

	nudges  *prometheus.CounterVec
	digests *prometheus.CounterVec

	apiCalls         *prometheus.CounterVec
	rateLimitWaits   *prometheus.CounterVec
	rateLimitSeconds *prometheus.CounterVec

	pollVotes prometheus.Counter

	dbSize *sizeCollector
}

// New returns Metrics on a fresh registry that also carries the Go runtime
// and process collectors.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),

		eventsReceived: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "socket", Name: "events_received_total",
			Help: "Socket Mode envelopes received, by kind.",
		}, []string{"kind"}),
		eventsAcked: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "socket", Name: "events_acked_total",
			Help: "Socket Mode envelopes acked, by kind.",
		}, []string{"kind"}),
		ackLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "socket", Name: "ack_latency_seconds",
			Help:    "Time from receiving a Socket Mode envelope to acking it, by kind. Slack expects an ack within 3 seconds.",
			Buckets: AckLatencyBuckets,
		}, []string{"kind"}),
		eventsDeduplicated: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "socket", Name: "events_deduplicated_total",
			Help: "Events skipped because Slack delivered them before.",
		}),
		eventsRecovered: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "socket", Name: "events_recovered_total",
			Help: "Events acknowledged before a stop or crash and handed to the core at the next start, from the inbox.",
		}),
		eventsRejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "socket", Name: "events_rejected_total",
			Help: "Socket Mode envelopes or events not processed, by kind and reason.",
		}, []string{"kind", "reason"}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "socket", Name: "reconnects_total",
			Help: "Socket Mode connections made after the first.",
		}),
		connected: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Subsystem: "socket", Name: "connected",
			Help: "1 while the Socket Mode connection is up, else 0.",
		}),

		nudges: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "nudges_total",
			Help: "What became of nudge findings, by nudge kind, outcome (sent, failed, hold, suppress) and the policy's reason.",
		}, []string{"kind", "outcome", "reason"}),
		digests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "digests_total",
			Help: "Weekly digests sent or failed, by trigger (weekly, on_demand) and outcome (sent, failed).",
		}, []string{"trigger", "outcome"}),

		apiCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "slack", Name: "api_calls_total",
			Help: "Slack Web API call attempts, by method and result (ok, error, rate_limited, transient).",
		}, []string{"method", "result"}),
		rateLimitWaits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "slack", Name: "rate_limit_waits_total",
			Help: "Waits for a Slack Web API rate limit to pass, by method.",
		}, []string{"method"}),
		rateLimitSeconds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "slack", Name: "rate_limit_wait_seconds_total",
			Help: "Time spent waiting for Slack Web API rate limits to pass, by method.",
		}, []string{"method"}),

		pollVotes: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "poll", Name: "votes_total",
			Help: "Poll votes recorded.",
		}),

		dbSize: &sizeCollector{desc: prometheus.NewDesc(
			prometheus.BuildFQName(namespace, "db", "size_bytes"),
			"Size of the database, read at scrape time.", nil, nil)},
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.eventsReceived, m.eventsAcked, m.ackLatency, m.eventsDeduplicated, m.eventsRecovered,
		m.eventsRejected, m.reconnects, m.connected,
		m.nudges, m.digests,
		m.apiCalls, m.rateLimitWaits, m.rateLimitSeconds,
		m.pollVotes,
		m.dbSize,
	)
	// Start the series people alert on at zero, so rate() and absent() work
	// before the first event.
	for _, k := range eventKinds.values() {
		m.eventsReceived.WithLabelValues(k)
		m.eventsAcked.WithLabelValues(k)
	}
	for _, k := range nudgeKinds.values() {
		m.nudges.WithLabelValues(k, OutcomeSent, "")
		m.nudges.WithLabelValues(k, OutcomeFailed, "")
	}
	for _, tr := range digestTriggers.values() {
		m.digests.WithLabelValues(tr, OutcomeSent)
		m.digests.WithLabelValues(tr, OutcomeFailed)
	}
	return m
}

// Handler serves the registry in the Prometheus exposition format. A
// collector that fails does not fail the scrape; the handler counts such
// errors in promhttp_metric_handler_errors_total.
func (m *Metrics) Handler() http.Handler {
	return promhttp.InstrumentMetricHandler(m.reg, promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorHandling: promhttp.ContinueOnError,
		Registry:      m.reg,
	}))
}

// EventReceived counts a Socket Mode envelope of kind (events_api,
// slash_commands, interactive, bad_message).
func (m *Metrics) EventReceived(kind string) {
	if m == nil {
		return
	}
	m.eventsReceived.WithLabelValues(eventKinds.of(kind)).Inc()
}

// EventAcked counts an ack of an envelope of kind and observes how long after
// receipt it was sent. A negative latency is recorded as zero.
func (m *Metrics) EventAcked(kind string, latency time.Duration) {
	if m == nil {
		return
	}
	k := eventKinds.of(kind)
	m.eventsAcked.WithLabelValues(k).Inc()
	m.ackLatency.WithLabelValues(k).Observe(max(latency, 0).Seconds())
}

// EventDeduplicated counts an event skipped because it was seen before.
func (m *Metrics) EventDeduplicated() {
	if m == nil {
		return
	}
	m.eventsDeduplicated.Inc()
}

// EventsRecovered counts n events handed to the core from the inbox at
// start.
func (m *Metrics) EventsRecovered(n int) {
	if m == nil {
		return
	}
	m.eventsRecovered.Add(float64(n))
}

// EventRejected counts an envelope or event of kind that was not processed,
// for reason (malformed, unknown_type, unreadable).
func (m *Metrics) EventRejected(kind, reason string) {
	if m == nil {
		return
	}
	m.eventsRejected.WithLabelValues(eventKinds.of(kind), rejectReasons.of(reason)).Inc()
}

// Reconnect counts a Socket Mode connection after the first.
func (m *Metrics) Reconnect() {
	if m == nil {
		return
	}
	m.reconnects.Inc()
}

// SetConnected records whether the Socket Mode connection is up.
func (m *Metrics) SetConnected(up bool) {
	if m == nil {
		return
	}
	v := 0.0
	if up {
		v = 1
	}
	m.connected.Set(v)
}

// Nudge counts what became of a finding of nudge kind (after_hours,
// slow_reply): outcome is sent, failed, hold or suppress, and reason is the
// policy's reason (policy.ReasonCooldown and the others) or "". It takes
// engine.Outcome's fields in order: Nudge(o.Kind, o.Result, o.Reason).
func (m *Metrics) Nudge(kind, outcome, reason string) {
	if m == nil {
		return
	}
	m.nudges.WithLabelValues(nudgeKinds.of(kind), nudgeOutcomes.of(outcome), nudgeReasons.of(reason)).Inc()
}

// Digest counts a weekly digest by trigger (weekly, on_demand) and outcome
// (sent, failed). It takes engine.DigestOutcome's fields in order:
// Digest(o.Trigger, string(o.Result)).
func (m *Metrics) Digest(trigger, outcome string) {
	if m == nil {
		return
	}
	m.digests.WithLabelValues(digestTriggers.of(trigger), digestOutcomes.of(outcome)).Inc()
}

// APICall counts one attempt at Slack Web API method with its result: ok,
// error (final), rate_limited (will wait) or transient (will retry).
func (m *Metrics) APICall(method, result string) {
	if m == nil {
		return
	}
	m.apiCalls.WithLabelValues(apiMethods.of(method), apiResults.of(result)).Inc()
}

// RateLimitWait counts a wait of d for a rate limit on method to pass.
func (m *Metrics) RateLimitWait(method string, d time.Duration) {
	if m == nil {
		return
	}
	meth := apiMethods.of(method)
	m.rateLimitWaits.WithLabelValues(meth).Inc()
	m.rateLimitSeconds.WithLabelValues(meth).Add(max(d, 0).Seconds())
}

// PollVote counts a recorded poll vote.
func (m *Metrics) PollVote() {
	if m == nil {
		return
	}
	m.pollVotes.Inc()
}

// SetDBSize sets the function that reads the database size in bytes at each
// scrape; nil removes it. While there is none, or when it fails, the scrape
// has no trustnudge_db_size_bytes sample rather than a wrong one.
func (m *Metrics) SetDBSize(size func() (int64, error)) {
	if m == nil {
		return
	}
	m.dbSize.set(size)
}

// sizeCollector is a gauge read at scrape time, like prometheus.GaugeFunc,
// except that it reports nothing instead of a made-up value when there is
// no reading, so a failing database shows as a missing series.
type sizeCollector struct {
	desc *prometheus.Desc

	mu   sync.Mutex
	read func() (int64, error)
}

func (c *sizeCollector) set(read func() (int64, error)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.read = read
}

func (c *sizeCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *sizeCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	read := c.read
	c.mu.Unlock()
	if read == nil {
		return
	}
	n, err := read()
	if err != nil || n < 0 {
		return
	}
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n))
}
