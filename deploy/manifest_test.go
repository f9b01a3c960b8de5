package deploy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"
)

const (
	manifestPath = "slack-app-manifest.yml"
	// Tests run in the package directory (deploy/); shared/ sits beside the
	// module checkout both locally and in CI.
	schemaPath = "../../shared/slack/manifest.schema.1.0.0.json"
	schemaURL  = "https://trustnudge.invalid/slack/manifest.schema.1.0.0.json"
)

// The exact bot scopes and bot events the app may ask for. Each one is used
// by the code and explained in the manifest; adding one means changing both
// files on purpose, because every scope widens what a workspace hands over.
var (
	wantBotScopes = []string{
		"channels:history", "groups:history", "im:history", "mpim:history",
		"channels:read", "groups:read", "im:read", "mpim:read",
		"reactions:read",
		"users:read",
		"chat:write", "im:write",
		"commands",
	}
	wantBotEvents = []string{
		"message.channels", "message.groups", "message.im", "message.mpim",
		"reaction_added", "reaction_removed",
		"app_home_opened",
	}
	// Scopes that would break the privacy contract or that the app has no use
	// for. Already excluded by the exact list above; named here so a failure
	// says why.
	forbiddenScopes = []string{
		"chat:write.public", "chat:write.customize",
		"users:read.email",
		"files:read", "files:write",
		"channels:join",
		"links:read", "search:read",
		"admin",
	}
)

// manifest is the part of the manifest the app's behaviour depends on.
type manifest struct {
	Metadata struct {
		MajorVersion *int `json:"major_version"`
		MinorVersion *int `json:"minor_version"`
	} `json:"_metadata"`
	DisplayInformation struct {
		Name            string `json:"name"`
		Description     string `json:"description"`
		LongDescription string `json:"long_description"`
		BackgroundColor string `json:"background_color"`
	} `json:"display_information"`
	Features struct {
		AppHome *struct {
			HomeTabEnabled             *bool `json:"home_tab_enabled"`
			MessagesTabEnabled         *bool `json:"messages_tab_enabled"`
			MessagesTabReadOnlyEnabled *bool `json:"messages_tab_read_only_enabled"`
		} `json:"app_home"`
		BotUser *struct {
			DisplayName  string `json:"display_name"`
			AlwaysOnline *bool  `json:"always_online"`
		} `json:"bot_user"`
		SlashCommands []struct {
			Command      string `json:"command"`
			URL          string `json:"url"`
			Description  string `json:"description"`
			UsageHint    string `json:"usage_hint"`
			ShouldEscape *bool  `json:"should_escape"`
		} `json:"slash_commands"`
	} `json:"features"`
	OAuthConfig struct {
		RedirectURLs []string `json:"redirect_urls"`
		Scopes       struct {
			Bot          []string `json:"bot"`
			BotOptional  []string `json:"bot_optional"`
			User         []string `json:"user"`
			UserOptional []string `json:"user_optional"`
		} `json:"scopes"`
	} `json:"oauth_config"`
	Settings struct {
		EventSubscriptions struct {
			RequestURL string   `json:"request_url"`
			BotEvents  []string `json:"bot_events"`
			UserEvents []string `json:"user_events"`
		} `json:"event_subscriptions"`
		Interactivity *struct {
			IsEnabled             *bool  `json:"is_enabled"`
			RequestURL            string `json:"request_url"`
			MessageMenuOptionsURL string `json:"message_menu_options_url"`
		} `json:"interactivity"`
		OrgDeployEnabled     *bool `json:"org_deploy_enabled"`
		SocketModeEnabled    *bool `json:"socket_mode_enabled"`
		TokenRotationEnabled *bool `json:"token_rotation_enabled"`
	} `json:"settings"`
}

// readManifestJSON reads the YAML manifest and returns it as JSON.
func readManifestJSON(t *testing.T) []byte {
	t.Helper()
	y, err := os.ReadFile(manifestPath)
	if err != nil {
		t.Fatalf("read manifest: %v", err)
	}
	j, err := yaml.YAMLToJSON(y)
	if err != nil {
		t.Fatalf("%s is not valid YAML: %v", manifestPath, err)
	}
	return j
}

// compileSchema compiles Slack's manifest schema. The schema is required:
// without it the manifest is unchecked, so its absence fails the test.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(schemaPath)
	if errors.Is(err, fs.ErrNotExist) {
		abs, _ := filepath.Abs(schemaPath)
		t.Fatalf("Slack manifest schema not found at %s (%s): the shared/ checkout must sit beside the module (shared/slack/manifest.schema.1.0.0.json); this test requires it", schemaPath, abs)
	}
	if err != nil {
		t.Fatalf("open schema: %v", err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("schema %s is not valid JSON: %v", schemaPath, err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	c.UseRegexpEngine(failClosedRegexp)
	if err := c.AddResource(schemaURL, doc); err != nil {
		t.Fatalf("add schema: %v", err)
	}
	sch, err := c.Compile(schemaURL)
	if err != nil {
		t.Fatalf("compile schema: %v", err)
	}
	return sch
}

// failClosedRegexp compiles patterns with Go's regexp. Slack's schema uses a
// few ECMAScript-only patterns (a leading negative lookahead in
// unfurl_domains and outgoing_domains) that Go's RE2 syntax cannot express.
// Rather than skip them, such a pattern matches nothing: the manifest uses
// neither field, and if it ever does the check fails loudly instead of
// passing unchecked.
func failClosedRegexp(s string) (jsonschema.Regexp, error) {
	re, err := regexp.Compile(s)
	if err != nil {
		return unsupportedRegexp(s), nil
	}
	return re, nil
}

type unsupportedRegexp string

func (r unsupportedRegexp) MatchString(string) bool { return false }
func (r unsupportedRegexp) String() string          { return string(r) }

func validate(sch *jsonschema.Schema, j []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

func TestManifestMatchesSlackSchema(t *testing.T) {
	sch := compileSchema(t)
	if err := validate(sch, readManifestJSON(t)); err != nil {
		t.Fatalf("%s does not match Slack's manifest schema:\n%v", manifestPath, err)
	}
}

// TestSchemaCheckBites makes sure the schema check above can fail: an unknown
// top-level key, an over-long description and a wrong type must each be
// rejected.
func TestSchemaCheckBites(t *testing.T) {
	sch := compileSchema(t)
	for name, mutate := range map[string]func(m map[string]any){
		"unknown top-level key": func(m map[string]any) { m["sockets"] = true },
		"unknown settings key":  func(m map[string]any) { m["settings"].(map[string]any)["socket_mode"] = true },
		"description too long": func(m map[string]any) {
			m["display_information"].(map[string]any)["description"] = strings.Repeat("x", 141)
		},
		"long_description too short": func(m map[string]any) {
			m["display_information"].(map[string]any)["long_description"] = "Reads metadata."
		},
		"socket mode not a boolean": func(m map[string]any) { m["settings"].(map[string]any)["socket_mode_enabled"] = "yes" },
		// A pattern Go cannot compile fails closed (see failClosedRegexp).
		"field with an ECMAScript-only pattern": func(m map[string]any) {
			m["features"].(map[string]any)["unfurl_domains"] = []any{"example.com"}
		},
	} {
		t.Run(name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(readManifestJSON(t), &m); err != nil {
				t.Fatal(err)
			}
			mutate(m)
			j, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			if err := validate(sch, j); err == nil {
				t.Fatalf("schema accepted a manifest with %s", name)
			}
		})
	}
}

// TestManifestTopLevelKeys rejects top-level keys other than the ones this
// app uses. Slack's schema forbids unknown keys too (additionalProperties:
// false); this also keeps out keys the schema allows but a Socket Mode bot
// has no use for (functions, workflows, app_directory, …).
func TestManifestTopLevelKeys(t *testing.T) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(readManifestJSON(t), &m); err != nil {
		t.Fatal(err)
	}
	allowed := []string{"_metadata", "display_information", "features", "oauth_config", "settings"}
	for k := range m {
		if !slices.Contains(allowed, k) {
			t.Errorf("unexpected top-level key %q (allowed: %v)", k, allowed)
		}
	}
	for _, k := range allowed {
		if _, ok := m[k]; !ok {
			t.Errorf("missing top-level key %q", k)
		}
	}
}

func TestManifestRequirements(t *testing.T) {
	var m manifest
	if err := json.Unmarshal(readManifestJSON(t), &m); err != nil {
		t.Fatalf("decode manifest: %v", err)
	}

	isTrue := func(b *bool) bool { return b != nil && *b }
	isFalse := func(b *bool) bool { return b != nil && !*b }

	t.Run("metadata", func(t *testing.T) {
		if m.Metadata.MajorVersion == nil || *m.Metadata.MajorVersion != 1 ||
			m.Metadata.MinorVersion == nil || *m.Metadata.MinorVersion != 1 {
			t.Errorf("_metadata must be {major_version: 1, minor_version: 1}")
		}
	})

	t.Run("display_information", func(t *testing.T) {
		d := m.DisplayInformation
		if d.Name != "trustnudge" {
			t.Errorf("display_information.name = %q, want trustnudge", d.Name)
		}
		if d.Description == "" {
			t.Errorf("display_information.description is empty")
		}
		// The schema spells this constraint "regex", which is not a JSON
		// Schema keyword, so the validator ignores it; check it here.
		if !regexp.MustCompile(`^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$`).MatchString(d.BackgroundColor) {
			t.Errorf("display_information.background_color = %q, want #rgb or #rrggbb", d.BackgroundColor)
		}
		// The long description must say plainly what is read and what never is.
		ld := strings.ToLower(d.LongDescription)
		for _, phrase := range []string{"metadata", "never", "text", "opt in", "forget-me"} {
			if !strings.Contains(ld, phrase) {
				t.Errorf("long_description does not mention %q", phrase)
			}
		}
	})

	t.Run("socket mode", func(t *testing.T) {
		s := m.Settings
		if !isTrue(s.SocketModeEnabled) {
			t.Errorf("settings.socket_mode_enabled must be true")
		}
		if !isFalse(s.OrgDeployEnabled) {
			t.Errorf("settings.org_deploy_enabled must be false")
		}
		if !isFalse(s.TokenRotationEnabled) {
			t.Errorf("settings.token_rotation_enabled must be false")
		}
		// Socket Mode needs no public URL; one would be an endpoint nobody serves.
		if s.EventSubscriptions.RequestURL != "" {
			t.Errorf("settings.event_subscriptions.request_url must be unset in Socket Mode, got %q", s.EventSubscriptions.RequestURL)
		}
		if s.Interactivity != nil && (s.Interactivity.RequestURL != "" || s.Interactivity.MessageMenuOptionsURL != "") {
			t.Errorf("settings.interactivity URLs must be unset in Socket Mode")
		}
		for _, c := range m.Features.SlashCommands {
			if c.URL != "" {
				t.Errorf("slash command %s has url %q; must be unset in Socket Mode", c.Command, c.URL)
			}
		}
		if len(m.OAuthConfig.RedirectURLs) != 0 {
			t.Errorf("oauth_config.redirect_urls must be empty: the app is installed from its settings page")
		}
	})

	t.Run("interactivity", func(t *testing.T) {
		if m.Settings.Interactivity == nil || !isTrue(m.Settings.Interactivity.IsEnabled) {
			t.Errorf("settings.interactivity.is_enabled must be true (buttons and modals)")
		}
	})

	t.Run("scopes", func(t *testing.T) {
		sc := m.OAuthConfig.Scopes
		for _, s := range wantBotScopes {
			if !slices.Contains(sc.Bot, s) {
				t.Errorf("bot scope %q missing", s)
			}
		}
		for _, s := range sc.Bot {
			if slices.Contains(forbiddenScopes, s) {
				t.Errorf("bot scope %q must not be requested", s)
			} else if !slices.Contains(wantBotScopes, s) {
				t.Errorf("bot scope %q is not in the list the app needs; if the code now uses it, add it to wantBotScopes with a reason in the manifest", s)
			}
		}
		if dup := duplicates(sc.Bot); len(dup) > 0 {
			t.Errorf("duplicate bot scopes: %v", dup)
		}
		if len(sc.BotOptional)+len(sc.User)+len(sc.UserOptional) > 0 {
			t.Errorf("only bot scopes are allowed; got bot_optional=%v user=%v user_optional=%v", sc.BotOptional, sc.User, sc.UserOptional)
		}
	})

	t.Run("events", func(t *testing.T) {
		ev := m.Settings.EventSubscriptions
		for _, e := range wantBotEvents {
			if !slices.Contains(ev.BotEvents, e) {
				t.Errorf("bot event %q missing", e)
			}
		}
		for _, e := range ev.BotEvents {
			if !slices.Contains(wantBotEvents, e) {
				t.Errorf("bot event %q is not one the app handles", e)
			}
		}
		if len(ev.UserEvents) > 0 {
			t.Errorf("user events must not be subscribed: %v", ev.UserEvents)
		}
	})

	t.Run("app home", func(t *testing.T) {
		h := m.Features.AppHome
		if h == nil {
			t.Fatalf("features.app_home missing")
		}
		if !isTrue(h.HomeTabEnabled) {
			t.Errorf("features.app_home.home_tab_enabled must be true")
		}
		// The app DMs managers; those messages live in the Messages tab.
		if !isTrue(h.MessagesTabEnabled) {
			t.Errorf("features.app_home.messages_tab_enabled must be true")
		}
		// People talk to the app through /trustnudge; a writable Messages
		// tab would invite DMs the app does not read.
		if !isTrue(h.MessagesTabReadOnlyEnabled) {
			t.Errorf("features.app_home.messages_tab_read_only_enabled must be true")
		}
	})

	t.Run("bot user", func(t *testing.T) {
		b := m.Features.BotUser
		if b == nil {
			t.Fatalf("features.bot_user missing")
		}
		if b.DisplayName != "trustnudge" {
			t.Errorf("features.bot_user.display_name = %q, want trustnudge", b.DisplayName)
		}
		if !isTrue(b.AlwaysOnline) {
			t.Errorf("features.bot_user.always_online must be true")
		}
	})

	t.Run("slash command", func(t *testing.T) {
		cmds := m.Features.SlashCommands
		if len(cmds) != 1 {
			t.Fatalf("want exactly one slash command, got %d", len(cmds))
		}
		c := cmds[0]
		if c.Command != "/trustnudge" {
			t.Errorf("slash command = %q, want /trustnudge", c.Command)
		}
		if c.Description == "" || c.UsageHint == "" {
			t.Errorf("/trustnudge needs a description and a usage_hint")
		}
		// Escaping turns @names into <@U…> IDs, which `team @a @b` relies on.
		if !isTrue(c.ShouldEscape) {
			t.Errorf("/trustnudge must have should_escape: true")
		}
		for _, sub := range []string{"help", "optin", "team", "hours", "snooze", "poll", "status"} {
			if !strings.Contains(c.UsageHint, sub) {
				t.Errorf("usage_hint does not mention %q", sub)
			}
		}
	})
}

// TestManifestScopesAreExplained requires a comment on the line of every bot
// scope, saying why the app needs it.
func TestManifestScopesAreExplained(t *testing.T) {
	f, err := os.Open(manifestPath)
	if err != nil {
		t.Fatalf("read manifest: %v", err)
	}
	defer f.Close()
	explained := map[string]bool{}
	sc := bufio.NewScanner(f)
	item := regexp.MustCompile(`^\s*-\s*([a-z_.:]+)\s*(#\s*\S.*)?$`)
	for sc.Scan() {
		if g := item.FindStringSubmatch(sc.Text()); g != nil && g[2] != "" {
			explained[g[1]] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, s := range wantBotScopes {
		if !explained[s] {
			t.Errorf("bot scope %q has no comment explaining why the app needs it", s)
		}
	}
}

func duplicates(xs []string) []string {
	seen := map[string]bool{}
	var dup []string
	for _, x := range xs {
		if seen[x] {
			dup = append(dup, x)
		}
		seen[x] = true
	}
	return dup
}
