package slackapp

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/metrics"
)

// How an acknowledged event survives a crash.
//
// Slack does not redeliver an event once it is acked, and events are acked
// before the core handles them (an ack must come within seconds; the core
// may be slower, or stopped by a crash). So the intake goroutine, between
// the read loop and the ack goroutine, first translates each Events API
// envelope into metadata (translate, the privacy edge). Those that carry a
// message or a reaction for the core are committed to the inbox with their
// team, event ID and arrival time, and only then acked and queued for the
// worker. Group commit: the intake takes everything that arrived while it
// was writing and commits it in one transaction, so an ack waits for about
// one fsync, not one per event. Envelopes with nothing for the core
// (skipped, malformed, app_home_opened) are acked at once, without it.
//
// The worker deletes a record once the core has handled it (or recognised
// it as a duplicate). That deletion is batched with the event log, so a
// crash may lose it; the record is then handed to the core again at start,
// and the event log recognises it when its handling was written.
//
// At start, before the socket connects, Run queues every record left in the
// inbox, in the order they were put, ahead of anything new.

// maxInboxBatch bounds the envelopes committed in one transaction.
const maxInboxBatch = 1024

// incoming is an Events API envelope the loop has taken and not yet acked.
type incoming struct {
	envelopeID string
	payload    json.RawMessage
	received   time.Time // the App's clock, for the event log
	arrived    time.Time // wall clock, for the ack latency metric
}

// job is an acked envelope waiting for the core, already decoded and
// translated.
type job struct {
	envelopeID string
	received   time.Time
	decodeErr  error    // the payload does not decode
	cb         callback // Event is kept only for app_home_opened
	home       bool     // an app_home_opened event
	tr         translated
	trErr      error
	inboxed    bool // seq is its inbox record
	seq        uint64
}

// forCore reports whether the job carries a message or a reaction for the
// core, the events the inbox keeps.
func (j *job) forCore() bool {
	return j.decodeErr == nil && !j.home && j.trErr == nil &&
		(j.tr.kind == kindMessage || j.tr.kind == kindReaction)
}

// classify decodes and translates an envelope. Nothing of the payload but
// metadata outlives it, except the event of app_home_opened.
func (a *App) classify(e incoming) job {
	j := job{envelopeID: e.envelopeID, received: e.received}
	if err := json.Unmarshal(e.payload, &j.cb); err != nil {
		j.decodeErr = err
		return j
	}
	if homeEventType(j.cb) {
		j.home = true
		return j
	}
	j.tr, j.trErr = translate(j.cb, a.self)
	j.cb.Event = nil
	return j
}

// intake commits, acks and queues Events API envelopes, in the order the
// loop took them, until in is closed.
func (a *App) intake(ctx context.Context, in <-chan incoming, queue chan<- job) {
	items := make([]incoming, 0, maxInboxBatch)
	batch := make([]job, 0, maxInboxBatch)
	var values [][]byte
	var durable []int // indexes in batch of the jobs in values
	for first := range in {
		items = append(items[:0], first)
	more:
		for len(items) < maxInboxBatch {
			select {
			case e, ok := <-in:
				if !ok {
					break more
				}
				items = append(items, e)
			default:
				break more
			}
		}
		if ctx.Err() != nil {
			// Shutting down: nothing here is acked, so Slack sends it
			// again to the next run.
			continue
		}
		batch, values, durable = batch[:0], values[:0], durable[:0]
		for _, e := range items {
			j := a.classify(e)
			if a.opts.Inbox != nil && j.forCore() {
				values = append(values, encodeInbox(j))
				durable = append(durable, len(batch))
			} else {
				a.ackLater(e.envelopeID, metrics.KindEventsAPI, e.arrived)
			}
			batch = append(batch, j)
		}
		if len(values) > 0 {
			seqs, err := a.opts.Inbox.PutInbox(values)
			if err != nil {
				// Not acked: Slack redelivers them, and the event log
				// recognises those handled meanwhile.
				a.log.Error("inbox write failed; events handled without ack, slack will redeliver", "events", len(values), "err", err)
			} else {
				for k, i := range durable {
					batch[i].inboxed, batch[i].seq = true, seqs[k]
					a.ackLater(items[i].envelopeID, metrics.KindEventsAPI, items[i].arrived)
				}
			}
		}
		for _, j := range batch {
			select {
			case queue <- j:
			case <-ctx.Done():
				// An inboxed job not queued is handed over at the next
				// start.
			}
		}
		clear(items)
		clear(batch)
		clear(values)
	}
}

// recoverInbox queues the records an earlier run left in the inbox, in the
// order they were put, and logs how many.
func (a *App) recoverInbox(ctx context.Context, queue chan<- job) {
	if a.opts.Inbox == nil {
		return
	}
	seqs, values, err := a.opts.Inbox.PendingInbox()
	if err != nil {
		a.log.Error("inbox unreadable; events acked before the last stop may be lost", "err", err)
		return
	}
	n := 0
	for i, v := range values {
		j, err := decodeInbox(v)
		if err != nil {
			a.log.Error("inbox record unreadable; dropped", "seq", seqs[i], "err", err)
			a.opts.Inbox.InboxDone(seqs[i], "", "", time.Time{})
			continue
		}
		j.inboxed, j.seq = true, seqs[i]
		select {
		case queue <- j:
			n++
		case <-ctx.Done():
			return
		}
	}
	a.stats.Recovered.Add(int64(n))
	a.opts.Metrics.EventsRecovered(n)
	a.log.Info("recovered events acked before the last stop", "events", n)
}

// inboxRecord is what the inbox keeps of an event: metadata only, as
// translated (no payload, no text).
type inboxRecord struct {
	Team     string                `json:"team,omitempty"`
	EventID  string                `json:"event_id,omitempty"`
	Received int64                 `json:"received"` // unix nanos
	Message  *activity.Observation `json:"message,omitempty"`
	Reaction *activity.Reaction    `json:"reaction,omitempty"`
}

func encodeInbox(j job) []byte {
	r := inboxRecord{Team: j.cb.TeamID, EventID: j.cb.EventID, Received: j.received.UnixNano()}
	switch j.tr.kind {
	case kindMessage:
		r.Message = &j.tr.observation
	case kindReaction:
		r.Reaction = &j.tr.reaction
	}
	b, err := json.Marshal(r)
	if err != nil {
		panic(fmt.Sprintf("slackapp: encode inbox record: %v", err)) // plain structs always encode
	}
	return b
}

func decodeInbox(v []byte) (job, error) {
	var r inboxRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return job{}, fmt.Errorf("decode: %s", describeJSONError(err))
	}
	j := job{
		cb:       callback{TeamID: r.Team, EventID: r.EventID},
		received: time.Unix(0, r.Received),
	}
	switch {
	case r.Message != nil:
		j.tr = translated{kind: kindMessage, observation: *r.Message, eventType: "message"}
	case r.Reaction != nil:
		j.tr = translated{kind: kindReaction, reaction: *r.Reaction, eventType: "reaction"}
	default:
		return job{}, fmt.Errorf("neither message nor reaction")
	}
	return j, nil
}
