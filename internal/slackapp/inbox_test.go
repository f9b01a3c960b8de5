package slackapp

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// An inbox record is the translated metadata, never the payload: every
// text-like part of the event is left out, and the record decodes back to
// what the core would have been given.
func TestInbox_RecordHoldsMetadataOnlyAndRoundTrips(t *testing.T) {
	const canary = "CANARY-9f2e71"
	a := &App{self: testSelf}
	received := time.Date(2026, 3, 2, 9, 0, 0, 123, time.UTC)
	for _, event := range []map[string]any{
		{"type": "message", "subtype": "file_share", "channel": "C1", "channel_type": "channel", "user": "U1", "ts": "1700000000.000100",
			"text": canary + " <@U2>", "files": []map[string]any{{"name": canary}}, "blocks": []map[string]any{{"text": canary}},
			"attachments": []map[string]any{{"fallback": canary}}, "user_profile": map[string]any{"real_name": canary}},
		{"type": "reaction_added", "user": "U2", "reaction": canary, "item_user": "U1", "event_ts": "1700000001.000100",
			"item": map[string]any{"type": "message", "channel": "C1", "ts": "1700000000.000100"}},
	} {
		ev, _ := json.Marshal(event)
		payload, _ := json.Marshal(map[string]any{"type": "event_callback", "team_id": "T1", "event_id": "Ev1", "event": json.RawMessage(ev)})
		j := a.classify(incoming{envelopeID: "env1", payload: payload, received: received})
		if !j.forCore() {
			t.Fatalf("%s: classify = %+v; want an event for the core", event["type"], j)
		}
		v := encodeInbox(j)
		if strings.Contains(string(v), canary) {
			t.Errorf("%s: inbox record holds text: %s", event["type"], v)
		}
		got, err := decodeInbox(v)
		if err != nil {
			t.Fatalf("decodeInbox(%s) = %v", v, err)
		}
		if got.cb.TeamID != "T1" || got.cb.EventID != "Ev1" || !got.received.Equal(received) ||
			got.tr.kind != j.tr.kind || !reflect.DeepEqual(got.tr.observation, j.tr.observation) || !reflect.DeepEqual(got.tr.reaction, j.tr.reaction) {
			t.Errorf("%s: record %s decodes to %+v; want %+v", event["type"], v, got, j)
		}
	}
}

// Envelopes with nothing for the core are acked without the inbox.
func TestInbox_OnlyMessagesAndReactionsNeedIt(t *testing.T) {
	a := &App{self: testSelf}
	for _, payload := range []string{
		`not json`,
		`{"type":"event_callback","team_id":"T1","event_id":"Ev1","event":{"type":"app_home_opened","user":"U1","tab":"home"}}`,
		`{"type":"event_callback","team_id":"T1","event_id":"Ev1","event":{"type":"message","subtype":"channel_join","channel":"C1","user":"U1","ts":"1700000000.000100"}}`,
		`{"type":"event_callback","team_id":"T1","event_id":"Ev1","event":{"type":"message","channel":"C1","ts":"1700000000.000100"}}`,
		`{"type":"event_callback","team_id":"T1","event_id":"Ev1","event":{"type":"app_mention","channel":"C1","user":"U1","ts":"1700000000.000100"}}`,
	} {
		j := a.classify(incoming{payload: json.RawMessage(payload)})
		if j.forCore() {
			t.Errorf("classify(%s).forCore() = true; want false", payload)
		}
	}
}
