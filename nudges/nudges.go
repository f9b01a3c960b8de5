// Package nudges holds trustnudge's nudge library as content: one YAML file
// per pattern, each with several variants of what a nudge says. The files
// are written and edited by people, not by code; README.md describes the
// format. internal/nudge loads and validates them and renders them as Slack
// Block Kit.
package nudges

import "embed"

// FS holds every *.yaml file in this folder.
//
//go:embed *.yaml
var FS embed.FS
