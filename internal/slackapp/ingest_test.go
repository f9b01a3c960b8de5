package slackapp

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/trustnudge/trustnudge/internal/activity"
)

var testSelf = identity{TeamID: "T1", BotUserID: "UBOT", BotID: "BBOT"}

func cbOf(t *testing.T, event string) callback {
	t.Helper()
	return callback{Type: "event_callback", TeamID: "T1", EventID: "Ev1", Event: json.RawMessage(event)}
}

func TestTranslate_Messages(t *testing.T) {
	tests := []struct {
		name  string
		event string
		want  activity.Observation
	}{
		{
			"top level in channel with mentions",
			`{"type":"message","channel":"C1","channel_type":"channel","user":"U1","ts":"1700000000.000100","text":"hi <@U2> and <@W3|bob> and <@U2> again <!here> <#C9>"}`,
			activity.Observation{Team: "T1", Channel: "C1", Kind: activity.KindPublic, User: "U1", TS: "1700000000.000100", Mentions: []activity.UserID{"U2", "W3"}},
		},
		{
			"thread reply with parent author",
			`{"type":"message","channel":"G1","channel_type":"group","user":"U1","ts":"1700000001.000200","thread_ts":"1700000000.000100","parent_user_id":"U9","text":"x"}`,
			activity.Observation{Team: "T1", Channel: "G1", Kind: activity.KindPrivate, User: "U1", TS: "1700000001.000200", ThreadTS: "1700000000.000100", ParentUser: "U9"},
		},
		{
			"thread broadcast counts",
			`{"type":"message","subtype":"thread_broadcast","channel":"C1","user":"U1","ts":"1700000001.000200","thread_ts":"1700000000.000100"}`,
			activity.Observation{Team: "T1", Channel: "C1", Kind: activity.KindPublic, User: "U1", TS: "1700000001.000200", ThreadTS: "1700000000.000100"},
		},
		{
			"file share counts and file names are dropped",
			`{"type":"message","subtype":"file_share","channel":"D1","channel_type":"im","user":"U1","ts":"1700000000.000100","files":[{"name":"secret-plan.pdf","title":"secret"}]}`,
			activity.Observation{Team: "T1", Channel: "D1", Kind: activity.KindIM, User: "U1", TS: "1700000000.000100"},
		},
		{
			"group dm",
			`{"type":"message","channel":"G2","channel_type":"mpim","user":"U1","ts":"1700000000.000100"}`,
			activity.Observation{Team: "T1", Channel: "G2", Kind: activity.KindGroupIM, User: "U1", TS: "1700000000.000100"},
		},
		{
			"other bot is observed as a bot",
			`{"type":"message","channel":"C1","bot_id":"BOTHER","ts":"1700000000.000100"}`,
			activity.Observation{Team: "T1", Channel: "C1", Kind: activity.KindPublic, TS: "1700000000.000100", IsBot: true},
		},
		{
			"kind from id when channel_type missing",
			`{"type":"message","channel":"D7","user":"U1","ts":"1700000000.000100"}`,
			activity.Observation{Team: "T1", Channel: "D7", Kind: activity.KindIM, User: "U1", TS: "1700000000.000100"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := translate(cbOf(t, tt.event), testSelf)
			if err != nil {
				t.Fatalf("translate() error = %v", err)
			}
			if got.kind != kindMessage {
				t.Fatalf("translate() kind = %v (skip %q); want message", got.kind, got.skipReason)
			}
			if !reflect.DeepEqual(got.observation, tt.want) {
				t.Errorf("translate() =\n %+v\nwant\n %+v", got.observation, tt.want)
			}
		})
	}
}

func TestTranslate_SkipsWhatIsNotAMessage(t *testing.T) {
	tests := []struct{ name, event, reason string }{
		{"edit", `{"type":"message","subtype":"message_changed","channel":"C1","ts":"1.1","message":{"text":"x"}}`, "system message"},
		{"delete", `{"type":"message","subtype":"message_deleted","channel":"C1","ts":"1.1"}`, "system message"},
		{"join", `{"type":"message","subtype":"channel_join","channel":"C1","user":"U1","ts":"1.1"}`, "system message"},
		{"topic", `{"type":"message","subtype":"channel_topic","channel":"C1","user":"U1","ts":"1.1"}`, "system message"},
		{"own post by bot id", `{"type":"message","channel":"C1","bot_id":"BBOT","user":"UBOT","ts":"1.1"}`, "own message"},
		{"own post by user", `{"type":"message","channel":"C1","user":"UBOT","ts":"1.1"}`, "own message"},
		{"unused event type", `{"type":"app_mention","channel":"C1","user":"U1","ts":"1.1"}`, "event type not used"},
		{"reaction to a file", `{"type":"reaction_added","user":"U1","reaction":"x","item":{"type":"file","file":"F1"}}`, "reaction to something other than a message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := translate(cbOf(t, tt.event), testSelf)
			if err != nil {
				t.Fatalf("translate() error = %v", err)
			}
			if got.kind != kindSkip || got.skipReason != tt.reason {
				t.Errorf("translate() = kind %v reason %q; want skip %q", got.kind, got.skipReason, tt.reason)
			}
		})
	}
}

func TestTranslate_MalformedIsAnErrorWithoutContent(t *testing.T) {
	const canary = "CANARY-malformed-7f3a"
	tests := []struct{ name, event string }{
		{"no event", `null`},
		{"no type", `{"channel":"C1","text":"` + canary + `"}`},
		{"ts is a number", `{"type":"message","channel":"C1","user":"U1","ts":17,"text":"` + canary + `"}`},
		{"text is an object", `{"type":"message","channel":"C1","user":"U1","ts":"1.1","text":{"x":"` + canary + `"}}`},
		{"missing channel", `{"type":"message","user":"U1","ts":"1700000000.000100","text":"` + canary + `"}`},
		{"channel is lowercase junk", `{"type":"message","channel":"` + canary + `","user":"U1","ts":"1700000000.000100"}`},
		{"bad ts", `{"type":"message","channel":"C1","user":"U1","ts":"` + canary + `"}`},
		{"bad thread ts", `{"type":"message","channel":"C1","user":"U1","ts":"1.1","thread_ts":"abc"}`},
		{"missing user", `{"type":"message","channel":"C1","ts":"1700000000.000100","text":"` + canary + `"}`},
		{"reaction without item ts", `{"type":"reaction_added","user":"U1","item":{"type":"message","channel":"C1"}}`},
		{"reaction without user", `{"type":"reaction_added","item":{"type":"message","channel":"C1","ts":"1.1"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := translate(cbOf(t, tt.event), testSelf)
			if !errors.Is(err, errMalformed) {
				t.Fatalf("translate() error = %v; want errMalformed", err)
			}
			if strings.Contains(err.Error(), canary) {
				t.Errorf("error %q quotes payload content", err)
			}
		})
	}
	if _, err := translate(callback{TeamID: "T1"}, testSelf); !errors.Is(err, errMalformed) {
		t.Errorf("translate(empty callback) = %v; want errMalformed", err)
	}
}

func TestTranslate_Reactions(t *testing.T) {
	got, err := translate(cbOf(t, `{"type":"reaction_removed","user":"U1","reaction":"secret_emoji","item_user":"U2","item":{"type":"message","channel":"C1","ts":"1700000000.000100"},"event_ts":"1700000100.000000"}`), testSelf)
	if err != nil {
		t.Fatal(err)
	}
	want := activity.Reaction{Team: "T1", User: "U1", Channel: "C1", ItemTS: "1700000000.000100", ItemBy: "U2", At: activity.TS("1700000100.000000").Time(), Removed: true}
	if got.kind != kindReaction || !reflect.DeepEqual(got.reaction, want) {
		t.Errorf("translate() = %+v; want %+v", got.reaction, want)
	}
}

// TestObservation_HasNoRoomForText guards the privacy contract in the types:
// every field of the domain types must be an ID, a timestamp, a kind, a flag
// or a time. A string field added later would fail here and must be argued.
func TestObservation_HasNoRoomForText(t *testing.T) {
	allowed := map[reflect.Type]bool{
		reflect.TypeFor[activity.TeamID]():      true,
		reflect.TypeFor[activity.UserID]():      true,
		reflect.TypeFor[activity.ChannelID]():   true,
		reflect.TypeFor[activity.TS]():          true,
		reflect.TypeFor[activity.ChannelKind](): true,
		reflect.TypeFor[[]activity.UserID]():    true,
		reflect.TypeFor[bool]():                 true,
	}
	for _, typ := range []reflect.Type{reflect.TypeFor[activity.Observation](), reflect.TypeFor[activity.Reaction]()} {
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			if f.Type.String() == "time.Time" {
				continue
			}
			if !allowed[f.Type] {
				t.Errorf("%s.%s has type %s, which could carry text", typ.Name(), f.Name, f.Type)
			}
		}
	}
}

func FuzzTranslate(f *testing.F) {
	f.Add(`{"type":"message","channel":"C1","user":"U1","ts":"1700000000.000100","text":"<@U2>"}`)
	f.Add(`{"type":"reaction_added","user":"U1","item":{"type":"message","channel":"C1","ts":"1.1"}}`)
	f.Add(`{"type":"message","subtype":"bot_message","bot_id":"B1","channel":"D1","ts":"1.1"}`)
	f.Add("\xff\xfe")
	f.Fuzz(func(t *testing.T, event string) {
		tr, err := translate(callback{TeamID: "T1", Event: json.RawMessage(event)}, testSelf)
		if err != nil {
			return
		}
		if tr.kind == kindMessage && !tr.observation.TS.Valid() {
			t.Errorf("accepted message with invalid ts %q", tr.observation.TS)
		}
	})
}
