package metrics_test

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/trustnudge/trustnudge/internal/digest"
	"github.com/trustnudge/trustnudge/internal/engine"
	"github.com/trustnudge/trustnudge/internal/metrics"
	"github.com/trustnudge/trustnudge/internal/people"
	"github.com/trustnudge/trustnudge/internal/policy"
)

// scrape fetches the Handler over HTTP, as Prometheus would, and returns the
// raw text and the parsed families.
func scrape(t *testing.T, m *metrics.Metrics) (string, map[string]*dto.MetricFamily) {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read /metrics: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics = %d; want 200\n%s", resp.StatusCode, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, body)
	}
	return string(body), fams
}

type labels map[string]string

func (l labels) String() string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%q,", k, l[k])
	}
	return "{" + strings.TrimSuffix(b.String(), ",") + "}"
}

// find returns the sample of family name with exactly the labels want, or nil.
func find(fams map[string]*dto.MetricFamily, name string, want labels) *dto.Metric {
	f := fams[name]
	if f == nil {
		return nil
	}
	for _, s := range f.GetMetric() {
		got := labels{}
		for _, lp := range s.GetLabel() {
			got[lp.GetName()] = lp.GetValue()
		}
		if len(got) == len(want) && got.String() == want.String() {
			return s
		}
	}
	return nil
}

// value returns the value of a counter or gauge sample, failing if absent.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, l labels) float64 {
	t.Helper()
	s := find(fams, name, l)
	if s == nil {
		t.Fatalf("no sample %s%s in scrape", name, l)
	}
	switch fams[name].GetType() {
	case dto.MetricType_COUNTER:
		return s.GetCounter().GetValue()
	case dto.MetricType_GAUGE:
		return s.GetGauge().GetValue()
	}
	t.Fatalf("%s is a %s, not a counter or gauge", name, fams[name].GetType())
	return 0
}

func TestHandler_ServesEveryFamilyWithLabelsAndValues(t *testing.T) {
	m := metrics.New()
	m.EventReceived("events_api")
	m.EventReceived("events_api")
	m.EventReceived("slash_commands")
	m.EventReceived("interactive")
	m.EventReceived("bad_message")
	m.EventAcked("events_api", 2*time.Millisecond)
	m.EventAcked("slash_commands", 40*time.Millisecond)
	m.EventDeduplicated()
	m.EventsRecovered(3)
	m.EventRejected("bad_message", "malformed")
	m.EventRejected("events_api", "unknown_type")
	m.Reconnect()
	m.Reconnect()
	m.SetConnected(true)
	m.Nudge("after_hours", "sent", "")
	m.Nudge("after_hours", "suppress", "cooldown")
	m.Nudge("slow_reply", "suppress", "weekly cap")
	m.Nudge("slow_reply", "hold", "outside the manager's hours")
	m.Nudge("slow_reply", "failed", "")
	m.Digest("weekly", "sent")
	m.Digest("weekly", "sent")
	m.Digest("on_demand", "failed")
	m.APICall("chat.postMessage", "ok")
	m.APICall("chat.postMessage", "rate_limited")
	m.APICall("users.info", "transient")
	m.APICall("views.publish", "error")
	m.RateLimitWait("chat.postMessage", 1500*time.Millisecond)
	m.RateLimitWait("chat.postMessage", 2*time.Second)
	m.PollVote()
	m.PollVote()
	m.PollVote()
	m.SetDBSize(func() (int64, error) { return 32768, nil })

	body, fams := scrape(t, m)
	tests := []struct {
		name   string
		typ    dto.MetricType
		labels labels
		want   float64
	}{
		{"trustnudge_socket_events_received_total", dto.MetricType_COUNTER, labels{"kind": "events_api"}, 2},
		{"trustnudge_socket_events_received_total", dto.MetricType_COUNTER, labels{"kind": "slash_commands"}, 1},
		{"trustnudge_socket_events_received_total", dto.MetricType_COUNTER, labels{"kind": "interactive"}, 1},
		{"trustnudge_socket_events_received_total", dto.MetricType_COUNTER, labels{"kind": "bad_message"}, 1},
		{"trustnudge_socket_events_acked_total", dto.MetricType_COUNTER, labels{"kind": "events_api"}, 1},
		{"trustnudge_socket_events_acked_total", dto.MetricType_COUNTER, labels{"kind": "slash_commands"}, 1},
		{"trustnudge_socket_events_acked_total", dto.MetricType_COUNTER, labels{"kind": "interactive"}, 0},
		{"trustnudge_socket_events_deduplicated_total", dto.MetricType_COUNTER, labels{}, 1},
		{"trustnudge_socket_events_recovered_total", dto.MetricType_COUNTER, labels{}, 3},
		{"trustnudge_socket_events_rejected_total", dto.MetricType_COUNTER, labels{"kind": "bad_message", "reason": "malformed"}, 1},
		{"trustnudge_socket_events_rejected_total", dto.MetricType_COUNTER, labels{"kind": "events_api", "reason": "unknown_type"}, 1},
		{"trustnudge_socket_reconnects_total", dto.MetricType_COUNTER, labels{}, 2},
		{"trustnudge_socket_connected", dto.MetricType_GAUGE, labels{}, 1},
		{"trustnudge_nudges_total", dto.MetricType_COUNTER, labels{"kind": "after_hours", "outcome": "sent", "reason": ""}, 1},
		{"trustnudge_nudges_total", dto.MetricType_COUNTER, labels{"kind": "after_hours", "outcome": "failed", "reason": ""}, 0},
		{"trustnudge_nudges_total", dto.MetricType_COUNTER, labels{"kind": "after_hours", "outcome": "suppress", "reason": "cooldown"}, 1},
		{"trustnudge_nudges_total", dto.MetricType_COUNTER, labels{"kind": "slow_reply", "outcome": "suppress", "reason": "weekly_cap"}, 1},
		{"trustnudge_nudges_total", dto.MetricType_COUNTER, labels{"kind": "slow_reply", "outcome": "hold", "reason": "outside_hours"}, 1},
		{"trustnudge_nudges_total", dto.MetricType_COUNTER, labels{"kind": "slow_reply", "outcome": "failed", "reason": ""}, 1},
		{"trustnudge_digests_total", dto.MetricType_COUNTER, labels{"trigger": "weekly", "outcome": "sent"}, 2},
		{"trustnudge_digests_total", dto.MetricType_COUNTER, labels{"trigger": "weekly", "outcome": "failed"}, 0},
		{"trustnudge_digests_total", dto.MetricType_COUNTER, labels{"trigger": "on_demand", "outcome": "failed"}, 1},
		{"trustnudge_slack_api_calls_total", dto.MetricType_COUNTER, labels{"method": "chat.postMessage", "result": "ok"}, 1},
		{"trustnudge_slack_api_calls_total", dto.MetricType_COUNTER, labels{"method": "chat.postMessage", "result": "rate_limited"}, 1},
		{"trustnudge_slack_api_calls_total", dto.MetricType_COUNTER, labels{"method": "users.info", "result": "transient"}, 1},
		{"trustnudge_slack_api_calls_total", dto.MetricType_COUNTER, labels{"method": "views.publish", "result": "error"}, 1},
		{"trustnudge_slack_rate_limit_waits_total", dto.MetricType_COUNTER, labels{"method": "chat.postMessage"}, 2},
		{"trustnudge_slack_rate_limit_wait_seconds_total", dto.MetricType_COUNTER, labels{"method": "chat.postMessage"}, 3.5},
		{"trustnudge_poll_votes_total", dto.MetricType_COUNTER, labels{}, 3},
		{"trustnudge_db_size_bytes", dto.MetricType_GAUGE, labels{}, 32768},
	}
	for _, tt := range tests {
		f := fams[tt.name]
		if f == nil {
			t.Errorf("family %s missing from scrape", tt.name)
			continue
		}
		if f.GetType() != tt.typ {
			t.Errorf("%s type = %s; want %s", tt.name, f.GetType(), tt.typ)
		}
		if f.GetHelp() == "" {
			t.Errorf("%s has no help text", tt.name)
		}
		if got := value(t, fams, tt.name, tt.labels); got != tt.want {
			t.Errorf("%s%s = %v; want %v", tt.name, tt.labels, got, tt.want)
		}
	}

	h := find(fams, "trustnudge_socket_ack_latency_seconds", labels{"kind": "slash_commands"})
	if h == nil {
		t.Fatalf("no trustnudge_socket_ack_latency_seconds{kind=slash_commands} in scrape:\n%s", body)
	}
	if got := h.GetHistogram().GetSampleCount(); got != 1 {
		t.Errorf("ack latency count{slash_commands} = %d; want 1", got)
	}
	if got := h.GetHistogram().GetSampleSum(); math.Abs(got-0.040) > 1e-9 {
		t.Errorf("ack latency sum{slash_commands} = %v; want 0.040", got)
	}

	// Every family of ours is named trustnudge_*, with _total on counters.
	for name, f := range fams {
		if !strings.HasPrefix(name, "trustnudge_") {
			continue
		}
		if f.GetType() == dto.MetricType_COUNTER && !strings.HasSuffix(name, "_total") {
			t.Errorf("counter %s does not end in _total", name)
		}
	}
}

func TestHandler_IncludesGoAndProcessCollectors(t *testing.T) {
	_, fams := scrape(t, metrics.New())
	want := []string{"go_goroutines", "go_memstats_alloc_bytes", "promhttp_metric_handler_errors_total"}
	if runtime.GOOS == "linux" {
		want = append(want, "process_cpu_seconds_total", "process_resident_memory_bytes")
	}
	for _, name := range want {
		if fams[name] == nil {
			t.Errorf("family %s missing from scrape", name)
		}
	}
}

func TestHandler_SeriesPeopleAlertOnStartAtZero(t *testing.T) {
	_, fams := scrape(t, metrics.New())
	for _, kind := range []string{"events_api", "slash_commands", "interactive", "bad_message"} {
		if got := value(t, fams, "trustnudge_socket_events_received_total", labels{"kind": kind}); got != 0 {
			t.Errorf("fresh events_received{%s} = %v; want 0", kind, got)
		}
	}
	for _, kind := range []string{"after_hours", "slow_reply"} {
		for _, outcome := range []string{"sent", "failed"} {
			l := labels{"kind": kind, "outcome": outcome, "reason": ""}
			if got := value(t, fams, "trustnudge_nudges_total", l); got != 0 {
				t.Errorf("fresh nudges%s = %v; want 0", l, got)
			}
		}
	}
	for _, trigger := range []string{"weekly", "on_demand"} {
		for _, outcome := range []string{"sent", "failed"} {
			l := labels{"trigger": trigger, "outcome": outcome}
			if got := value(t, fams, "trustnudge_digests_total", l); got != 0 {
				t.Errorf("fresh digests%s = %v; want 0", l, got)
			}
		}
	}
	if got := value(t, fams, "trustnudge_socket_connected", labels{}); got != 0 {
		t.Errorf("fresh connected = %v; want 0", got)
	}
}

func TestSetConnected_FollowsTheConnection(t *testing.T) {
	m := metrics.New()
	for _, up := range []bool{true, false, true, false} {
		m.SetConnected(up)
		_, fams := scrape(t, m)
		want := 0.0
		if up {
			want = 1
		}
		if got := value(t, fams, "trustnudge_socket_connected", labels{}); got != want {
			t.Errorf("after SetConnected(%v): connected = %v; want %v", up, got, want)
		}
	}
}

func TestLabels_UnknownValuesBecomeOther(t *testing.T) {
	// Things that must never become label values: IDs of people, channels
	// and workspaces, message text, and long strings.
	leaks := []string{
		"U123ABC",
		"C0123456789",
		"T0AB12CD",
		"W1234567",
		"can you look at this tonight?",
		strings.Repeat("x", 500),
		"EVENTS_API", // close to a known value is still not one
		"chat.postMessage.U123ABC",
		"weekly cap U123ABC",
	}
	m := metrics.New()
	for _, v := range leaks {
		m.EventReceived(v)
		m.EventAcked(v, time.Millisecond)
		m.EventRejected(v, v)
		m.Nudge(v, v, v)
		m.Digest(v, v)
		m.APICall(v, v)
		m.RateLimitWait(v, time.Second)
	}
	body, fams := scrape(t, m)
	for _, v := range leaks {
		if strings.Contains(body, v) {
			t.Errorf("scrape contains %.40q", v)
		}
	}
	n := float64(len(leaks))
	tests := []struct {
		name   string
		labels labels
	}{
		{"trustnudge_socket_events_received_total", labels{"kind": "other"}},
		{"trustnudge_socket_events_acked_total", labels{"kind": "other"}},
		{"trustnudge_socket_events_rejected_total", labels{"kind": "other", "reason": "other"}},
		{"trustnudge_nudges_total", labels{"kind": "other", "outcome": "other", "reason": "other"}},
		{"trustnudge_digests_total", labels{"trigger": "other", "outcome": "other"}},
		{"trustnudge_slack_api_calls_total", labels{"method": "other", "result": "other"}},
		{"trustnudge_slack_rate_limit_waits_total", labels{"method": "other"}},
		{"trustnudge_slack_rate_limit_wait_seconds_total", labels{"method": "other"}},
	}
	for _, tt := range tests {
		if got := value(t, fams, tt.name, tt.labels); got != n {
			t.Errorf("%s%s = %v; want %v", tt.name, tt.labels, got, n)
		}
	}
	if h := find(fams, "trustnudge_socket_ack_latency_seconds", labels{"kind": "other"}); h.GetHistogram().GetSampleCount() != uint64(len(leaks)) {
		t.Errorf("ack latency count{other} = %d; want %d", h.GetHistogram().GetSampleCount(), len(leaks))
	}

	// Whatever was passed, every label value of ours is from a short list.
	allowed := map[string]bool{"": true, "other": true}
	for _, v := range []string{
		"events_api", "slash_commands", "interactive", "bad_message",
		"malformed", "unknown_type", "unreadable",
		"after_hours", "slow_reply", "sent", "failed", "hold", "suppress", "weekly", "on_demand",
		"cooldown", "weekly_cap", "snoozed", "switched_off", "not_opted_in", "outside_hours",
		"ok", "error", "rate_limited", "transient",
	} {
		allowed[v] = true
	}
	for name, f := range fams {
		if !strings.HasPrefix(name, "trustnudge_") {
			continue
		}
		for _, s := range f.GetMetric() {
			for _, lp := range s.GetLabel() {
				if !allowed[lp.GetValue()] {
					t.Errorf("%s has label %s=%.40q, not a known value", name, lp.GetName(), lp.GetValue())
				}
			}
		}
	}
}

func TestLabels_SlackMethodsWeCallAreKept(t *testing.T) {
	methods := []string{
		"auth.test", "chat.getPermalink", "chat.postEphemeral", "chat.postMessage",
		"chat.update", "conversations.members", "conversations.open", "users.info",
		"views.open", "views.publish",
	}
	m := metrics.New()
	for _, meth := range methods {
		m.APICall(meth, "ok")
	}
	_, fams := scrape(t, m)
	for _, meth := range methods {
		if got := value(t, fams, "trustnudge_slack_api_calls_total", labels{"method": meth, "result": "ok"}); got != 1 {
			t.Errorf("api_calls{method=%q,result=ok} = %v; want 1", meth, got)
		}
	}
}

// The engine reports people's kinds, policy's actions and reasons and the
// record states; a renamed constant must not quietly turn into "other".
func TestLabels_MatchTheEngineVocabulary(t *testing.T) {
	type call struct{ kind, outcome, reason string }
	tests := []struct {
		in   call
		want labels
	}{
		{call{people.KindAfterHours, string(policy.Sent), ""}, labels{"kind": "after_hours", "outcome": "sent", "reason": ""}},
		{call{people.KindSlowReply, string(policy.Failed), ""}, labels{"kind": "slow_reply", "outcome": "failed", "reason": ""}},
		{call{people.KindAfterHours, policy.Hold.String(), policy.ReasonOutsideHours}, labels{"kind": "after_hours", "outcome": "hold", "reason": "outside_hours"}},
		{call{people.KindAfterHours, policy.Suppress.String(), policy.ReasonCooldown}, labels{"kind": "after_hours", "outcome": "suppress", "reason": "cooldown"}},
		{call{people.KindAfterHours, policy.Suppress.String(), policy.ReasonWeeklyCap}, labels{"kind": "after_hours", "outcome": "suppress", "reason": "weekly_cap"}},
		{call{people.KindAfterHours, policy.Suppress.String(), policy.ReasonSnoozed}, labels{"kind": "after_hours", "outcome": "suppress", "reason": "snoozed"}},
		{call{people.KindSlowReply, policy.Suppress.String(), policy.ReasonSwitchedOff}, labels{"kind": "slow_reply", "outcome": "suppress", "reason": "switched_off"}},
		{call{people.KindSlowReply, policy.Suppress.String(), policy.ReasonNotOptedIn}, labels{"kind": "slow_reply", "outcome": "suppress", "reason": "not_opted_in"}},
	}
	m := metrics.New()
	for _, tt := range tests {
		m.Nudge(tt.in.kind, tt.in.outcome, tt.in.reason)
	}
	_, fams := scrape(t, m)
	for _, tt := range tests {
		if got := value(t, fams, "trustnudge_nudges_total", tt.want); got != 1 {
			t.Errorf("Nudge(%q, %q, %q): nudges_total%s = %v; want 1", tt.in.kind, tt.in.outcome, tt.in.reason, tt.want, got)
		}
	}
	for kind := range people.Kinds {
		if kind == people.KindDigest {
			continue // counted by trustnudge_digests_total, below
		}
		l := labels{"kind": kind, "outcome": "sent", "reason": ""}
		if find(fams, "trustnudge_nudges_total", l) == nil {
			t.Errorf("people.Kinds has %q, which metrics does not know", kind)
		}
	}
	dm := metrics.New()
	dm.Digest(engine.DigestWeekly, string(digest.Sent))
	dm.Digest(engine.DigestOnDemand, string(digest.Failed))
	_, dfams := scrape(t, dm)
	for _, l := range []labels{{"trigger": "weekly", "outcome": "sent"}, {"trigger": "on_demand", "outcome": "failed"}} {
		if got := value(t, dfams, "trustnudge_digests_total", l); got != 1 {
			t.Errorf("digests_total%s = %v; want 1 (the engine's words for digests must be known)", l, got)
		}
	}
}

func TestAckLatency_Buckets(t *testing.T) {
	want := []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3, 5}
	if !slices.Equal(metrics.AckLatencyBuckets, want) {
		t.Fatalf("AckLatencyBuckets = %v; want %v", metrics.AckLatencyBuckets, want)
	}

	m := metrics.New()
	for _, d := range []time.Duration{
		-time.Millisecond,       // clock went back: counted as 0
		300 * time.Microsecond,  // le 0.0005
		500 * time.Microsecond,  // le 0.0005 (bounds are inclusive)
		700 * time.Microsecond,  // le 0.001
		20 * time.Millisecond,   // le 0.025
		2900 * time.Millisecond, // le 3, just in time for Slack
		3100 * time.Millisecond, // le 5, too late
		10 * time.Second,        // +Inf only
	} {
		m.EventAcked("events_api", d)
	}
	_, fams := scrape(t, m)
	s := find(fams, "trustnudge_socket_ack_latency_seconds", labels{"kind": "events_api"})
	if s == nil {
		t.Fatal("no trustnudge_socket_ack_latency_seconds{kind=events_api} in scrape")
	}
	if typ := fams["trustnudge_socket_ack_latency_seconds"].GetType(); typ != dto.MetricType_HISTOGRAM {
		t.Fatalf("ack latency type = %s; want HISTOGRAM", typ)
	}
	h := s.GetHistogram()
	wantCumulative := map[float64]uint64{
		0.0005: 3, 0.001: 4, 0.0025: 4, 0.005: 4, 0.01: 4, 0.025: 5,
		0.05: 5, 0.1: 5, 0.25: 5, 0.5: 5, 1: 5, 3: 6, 5: 7,
	}
	var bounds []float64
	for _, b := range h.GetBucket() {
		ub := b.GetUpperBound()
		if math.IsInf(ub, +1) {
			continue
		}
		bounds = append(bounds, ub)
		if got := b.GetCumulativeCount(); got != wantCumulative[ub] {
			t.Errorf("bucket le=%v = %d; want %d", ub, got, wantCumulative[ub])
		}
	}
	if !slices.Equal(bounds, want) {
		t.Errorf("scraped bucket bounds = %v; want %v", bounds, want)
	}
	if got := h.GetSampleCount(); got != 8 {
		t.Errorf("sample count = %d; want 8", got)
	}
	wantSum := 0.0003 + 0.0005 + 0.0007 + 0.020 + 2.9 + 3.1 + 10
	if got := h.GetSampleSum(); math.Abs(got-wantSum) > 1e-9 {
		t.Errorf("sample sum = %v; want %v", got, wantSum)
	}
}

func TestSetDBSize_ReadAtScrapeTimeAndAbsentWhenUnknown(t *testing.T) {
	m := metrics.New()
	const name = "trustnudge_db_size_bytes"

	_, fams := scrape(t, m)
	if fams[name] != nil {
		t.Errorf("%s present before SetDBSize", name)
	}

	var mu sync.Mutex
	size, reads := int64(4096), 0
	m.SetDBSize(func() (int64, error) {
		mu.Lock()
		defer mu.Unlock()
		reads++
		return size, nil
	})
	_, fams = scrape(t, m)
	if got := value(t, fams, name, labels{}); got != 4096 {
		t.Errorf("%s = %v; want 4096", name, got)
	}
	mu.Lock()
	size = 1 << 20
	mu.Unlock()
	_, fams = scrape(t, m)
	if got := value(t, fams, name, labels{}); got != 1<<20 {
		t.Errorf("%s after growth = %v; want %v", name, got, 1<<20)
	}
	mu.Lock()
	if reads != 2 {
		t.Errorf("size read %d times in 2 scrapes; want 2", reads)
	}
	mu.Unlock()

	m.SetDBSize(func() (int64, error) { return 0, errors.New("database closed") })
	body, fams := scrape(t, m)
	if fams[name] != nil {
		t.Errorf("%s present while the read fails:\n%s", name, body)
	}

	m.SetDBSize(nil)
	_, fams = scrape(t, m)
	if fams[name] != nil {
		t.Errorf("%s present after SetDBSize(nil)", name)
	}
}

func TestNew_InstancesAreIndependent(t *testing.T) {
	a, b := metrics.New(), metrics.New() // would panic on a shared registry
	a.PollVote()
	a.PollVote()
	b.PollVote()
	_, fa := scrape(t, a)
	_, fb := scrape(t, b)
	if got := value(t, fa, "trustnudge_poll_votes_total", labels{}); got != 2 {
		t.Errorf("a: poll_votes_total = %v; want 2", got)
	}
	if got := value(t, fb, "trustnudge_poll_votes_total", labels{}); got != 1 {
		t.Errorf("b: poll_votes_total = %v; want 1", got)
	}
}

func TestNilMetrics_RecordingIsANoop(t *testing.T) {
	var m *metrics.Metrics
	m.EventReceived("events_api")
	m.EventAcked("events_api", time.Millisecond)
	m.EventDeduplicated()
	m.EventRejected("events_api", "malformed")
	m.Reconnect()
	m.SetConnected(true)
	m.Nudge("after_hours", "sent", "")
	m.Digest("weekly", "sent")
	m.APICall("chat.postMessage", "ok")
	m.RateLimitWait("chat.postMessage", time.Second)
	m.PollVote()
	m.SetDBSize(func() (int64, error) { return 1, nil })
}

func TestConcurrentUse(t *testing.T) {
	m := metrics.New()
	m.SetDBSize(func() (int64, error) { return 8192, nil })
	const workers, rounds = 32, 250

	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	stop := make(chan struct{})
	var scrapers sync.WaitGroup
	for range 2 {
		scrapers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := http.Get(srv.URL)
				if err != nil {
					t.Errorf("scrape during writes: %v", err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}

	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range rounds {
				m.EventReceived("events_api")
				m.EventAcked("events_api", time.Millisecond)
				m.EventDeduplicated()
				m.EventRejected("events_api", "malformed")
				m.Reconnect()
				m.SetConnected(i%2 == 0)
				m.Nudge("after_hours", "suppress", "cooldown")
				m.APICall("chat.postMessage", "ok")
				m.RateLimitWait("chat.postMessage", time.Second)
				m.PollVote()
				m.EventReceived(fmt.Sprintf("U%07d", w*rounds+i)) // all "other"
				if i%50 == 0 {
					m.SetDBSize(func() (int64, error) { return 8192, nil })
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	scrapers.Wait()

	_, fams := scrape(t, m)
	const n = workers * rounds
	tests := []struct {
		name   string
		labels labels
	}{
		{"trustnudge_socket_events_received_total", labels{"kind": "events_api"}},
		{"trustnudge_socket_events_received_total", labels{"kind": "other"}},
		{"trustnudge_socket_events_acked_total", labels{"kind": "events_api"}},
		{"trustnudge_socket_events_deduplicated_total", labels{}},
		{"trustnudge_socket_events_rejected_total", labels{"kind": "events_api", "reason": "malformed"}},
		{"trustnudge_socket_reconnects_total", labels{}},
		{"trustnudge_nudges_total", labels{"kind": "after_hours", "outcome": "suppress", "reason": "cooldown"}},
		{"trustnudge_slack_api_calls_total", labels{"method": "chat.postMessage", "result": "ok"}},
		{"trustnudge_slack_rate_limit_waits_total", labels{"method": "chat.postMessage"}},
		{"trustnudge_slack_rate_limit_wait_seconds_total", labels{"method": "chat.postMessage"}},
		{"trustnudge_poll_votes_total", labels{}},
	}
	for _, tt := range tests {
		if got := value(t, fams, tt.name, tt.labels); got != n {
			t.Errorf("%s%s = %v; want %d", tt.name, tt.labels, got, n)
		}
	}
	if got := len(fams["trustnudge_socket_events_received_total"].GetMetric()); got != 5 {
		t.Errorf("events_received has %d series after %d distinct IDs; want 5 (4 kinds and other)", got, n)
	}
	h := find(fams, "trustnudge_socket_ack_latency_seconds", labels{"kind": "events_api"})
	if got := h.GetHistogram().GetSampleCount(); got != n {
		t.Errorf("ack latency count = %d; want %d", got, n)
	}
	if got := value(t, fams, "trustnudge_db_size_bytes", labels{}); got != 8192 {
		t.Errorf("db size = %v; want 8192", got)
	}
}
