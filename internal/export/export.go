// Package export reads standard Slack workspace exports (a .zip, or the
// folder it unpacks to) as a stream of message metadata, for replaying a
// workspace's history through the detectors.
//
// Like the live Slack adapter it keeps no text: of each message only the
// author, conversation, timestamps, thread, mentioned user IDs and who
// reacted survive. Memory grows with the number of people and
// conversations, not with the number of messages.
package export

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/trustnudge/trustnudge/internal/activity"
)

// User is a member of the workspace, from users.json.
type User struct {
	ID      activity.UserID
	Name    string          // "name" from users.json (the handle), used to resolve team CSVs
	Team    activity.TeamID // team_id
	TZ      string          // IANA zone, "" when absent
	IsBot   bool
	Deleted bool
}

// Conversation is a channel, private channel, DM or group DM of the export.
type Conversation struct {
	ID   activity.ChannelID
	Name string // folder name
	// Kind is KindPublic (channels.json), KindPrivate (groups.json), KindIM
	// (dms.json) or KindGroupIM (mpims.json). A folder listed nowhere gets
	// the kind its name suggests as an ID, or KindUnknown.
	Kind    activity.ChannelKind
	Members []activity.UserID
}

// Message is one message object of a day file, reduced to metadata.
type Message struct {
	// Observation has Team (from the message's "team" or the export's
	// team), Channel (conversation ID), Kind, User, TS, ThreadTS,
	// ParentUser, Mentions and IsBot. User is empty for a bot or system
	// message without a valid one.
	activity.Observation
	// System is a system message (joins, topic changes…): counted as read,
	// not a person speaking.
	System bool
	// Reactors is everyone who reacted, any emoji, deduplicated in order of
	// appearance (emoji names are dropped).
	Reactors []activity.UserID
}

// Options tune Open and Messages.
type Options struct {
	// Warn receives problems that were skipped so the rest could be read:
	// the file (path inside the export) and what went wrong. nil discards
	// them. It is called on the goroutine that called Open or Messages, and
	// no error quotes message content.
	Warn func(file string, err error)
	// Workers decode day files in parallel; 0 means runtime.GOMAXPROCS(0).
	Workers int
	// From and To bound the messages delivered by time, [From, To); zero
	// means unbounded. Day files wholly outside (with one day of slack for
	// the zone the export was split in) are not even opened.
	From, To time.Time

	// maxFile overrides maxFileSize in tests.
	maxFile int64
}

// FileError names the file of the export that could not be read.
type FileError struct {
	File string
	Err  error
}

func (e *FileError) Error() string { return "export: " + e.File + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *FileError) Unwrap() error { return e.Err }

// Export is an open Slack export. Its methods may be called concurrently;
// Messages may be called more than once, and reads the day files again.
type Export struct {
	src   source
	opts  Options
	team  activity.TeamID
	users []User
	convs []Conversation
	ranks []int32   // conversation index → rank of its ID
	days  []dayFile // sorted by date, then conversation rank
	dates []dateSpan
}

// dayFile is one YYYY-MM-DD.json of a conversation folder.
type dayFile struct {
	name string // path inside the export (source name)
	show string // path shown in warnings: inside the export folder
	conv int32
	day  int // days since 1970-01-01
}

// dateSpan is the run of days[lo:hi] of one date.
type dateSpan struct{ lo, hi int }

// listFiles are the top-level files that list people and conversations.
var listFiles = map[string]activity.ChannelKind{
	"channels.json": activity.KindPublic,
	"groups.json":   activity.KindPrivate,
	"dms.json":      activity.KindIM,
	"mpims.json":    activity.KindGroupIM,
}

// knownFiles are top-level files of exports that hold nothing for us.
var knownFiles = map[string]bool{
	"integration_logs.json":   true,
	"canvases.json":           true,
	"org_users.json":          true,
	"file_conversations.json": true,
}

// Open opens the export at path, a .zip archive or a folder: it reads
// users.json and the conversation lists and lists the day files. Errors
// are *FileError naming the file that could not be read.
func Open(path string, opts Options) (*Export, error) {
	fi, err := os.Stat(path)
	if err != nil {
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &FileError{File: path, Err: err}
	}
	var src source
	if fi.IsDir() {
		src, err = openDir(path)
	} else {
		src, err = openZip(path)
	}
	if err != nil {
		return nil, &FileError{File: path, Err: err}
	}
	return openSource(path, src, opts)
}

// openSource opens the export in src, found at path.
func openSource(path string, src source, opts Options) (*Export, error) {
	if opts.maxFile <= 0 {
		opts.maxFile = maxFileSize
	}
	x := &Export{src: src, opts: opts}
	if err := x.load(path); err != nil {
		src.close()
		return nil, err
	}
	return x, nil
}

func (x *Export) warn(file string, err error) {
	if x.opts.Warn != nil {
		x.opts.Warn(file, err)
	}
}

// load reads the lists and classifies every file of the export.
func (x *Export) load(path string) error {
	ents, err := x.src.files()
	if err != nil {
		return &FileError{File: path, Err: err}
	}
	prefix, ok := findPrefix(ents)
	if !ok {
		return &FileError{File: "users.json", Err: errors.New("missing: not a Slack export, or not its top folder")}
	}
	if err := x.readUsers(prefix); err != nil {
		return err
	}
	folders := make(map[string]int32) // folder name → conversation
	for _, file := range []string{"channels.json", "groups.json", "dms.json", "mpims.json"} {
		if err := x.readConversations(prefix, file, listFiles[file], folders); err != nil {
			return err
		}
	}

	// Classify the rest: day files of conversation folders, and anything
	// else, which is skipped with one warning per top-level name.
	type folder struct {
		days  []dayFile
		other int
	}
	byFolder := make(map[string]*folder)
	for _, e := range ents {
		name, ok := strings.CutPrefix(e, prefix)
		if !ok || hidden(e) {
			continue
		}
		dir, file, nested := strings.Cut(name, "/")
		if !nested {
			if _, ok := listFiles[dir]; ok || dir == "users.json" || knownFiles[dir] {
				continue
			}
			x.warn(name, errors.New("unknown file; skipped"))
			continue
		}
		f := byFolder[dir]
		if f == nil {
			f = &folder{}
			byFolder[dir] = f
		}
		day, ok := parseDay(file)
		if !ok || dir == "" {
			f.other++
			continue
		}
		f.days = append(f.days, dayFile{name: e, show: name, day: day})
	}
	dirs := make([]string, 0, len(byFolder))
	for dir := range byFolder {
		dirs = append(dirs, dir)
	}
	slices.Sort(dirs)
	for _, dir := range dirs {
		f := byFolder[dir]
		if f.other > 0 {
			x.warn(dir+"/", fmt.Errorf("%d files or folders that are not day files (YYYY-MM-DD.json); skipped", f.other))
		}
		if len(f.days) == 0 {
			continue
		}
		conv, ok := folders[dir]
		if !ok {
			x.warn(dir+"/", errors.New("conversation not listed in channels.json/groups.json/dms.json/mpims.json; no membership"))
			c := Conversation{ID: activity.ChannelID(dir), Name: dir}
			if activity.ValidID(dir) {
				c.Kind = activity.KindFromID(dir)
			}
			conv = int32(len(x.convs))
			x.convs = append(x.convs, c)
			folders[dir] = conv
		}
		for _, d := range f.days {
			if !x.inRange(d.day) {
				continue
			}
			d.conv = conv
			x.days = append(x.days, d)
		}
	}

	// Rank conversations by ID for deterministic ties, then order the day
	// files by date and rank.
	order := make([]int32, len(x.convs))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(a, b int32) int { return strings.Compare(string(x.convs[a].ID), string(x.convs[b].ID)) })
	x.ranks = make([]int32, len(x.convs))
	for r, c := range order {
		x.ranks[c] = int32(r)
	}
	slices.SortFunc(x.days, func(a, b dayFile) int {
		if a.day != b.day {
			return a.day - b.day
		}
		return int(x.ranks[a.conv] - x.ranks[b.conv])
	})
	for lo := 0; lo < len(x.days); {
		hi := lo + 1
		for hi < len(x.days) && x.days[hi].day == x.days[lo].day {
			hi++
		}
		x.dates = append(x.dates, dateSpan{lo, hi})
		lo = hi
	}
	return nil
}

// hidden reports names that archivers add and nobody means: macOS resource
// forks and dot files.
func hidden(name string) bool {
	for part := range strings.SplitSeq(name, "/") {
		if strings.HasPrefix(part, ".") || part == "__MACOSX" {
			return true
		}
	}
	return false
}

// findPrefix finds the folder inside the export that holds users.json: the
// top, or a single enclosing folder (as when a folder was zipped whole).
func findPrefix(ents []string) (string, bool) {
	prefix, n := "", 0
	for _, e := range ents {
		if e == "users.json" {
			return "", true
		}
		dir, ok := strings.CutSuffix(e, "/users.json")
		if ok && !strings.Contains(dir, "/") && !hidden(dir) {
			prefix = dir + "/"
			n++
		}
	}
	return prefix, n == 1
}

// parseDay parses a day file name, YYYY-MM-DD.json, into days since the
// Unix epoch.
func parseDay(name string) (int, bool) {
	if len(name) != len("2006-01-02.json") || !strings.HasSuffix(name, ".json") {
		return 0, false
	}
	t, err := time.Parse("2006-01-02", name[:10])
	if err != nil {
		return 0, false
	}
	return int(t.Unix() / 86400), true
}

// inRange reports whether a day file can hold messages in [From, To): a
// file of date D holds, in whatever zone it was split, messages between D
// 00:00 at UTC+14 and D+1 00:00 at UTC-12, within (D-1, D+2) in UTC.
func (x *Export) inRange(day int) bool {
	start := time.Unix(int64(day)*86400, 0)
	if !x.opts.From.IsZero() && !start.AddDate(0, 0, 2).After(x.opts.From) {
		return false
	}
	if !x.opts.To.IsZero() && !start.AddDate(0, 0, -1).Before(x.opts.To) {
		return false
	}
	return true
}

// readList reads a top-level list file whole, within the size limit. A
// missing file is fs.ErrNotExist.
func (x *Export) readList(prefix, file string) ([]byte, error) {
	b, err := x.src.read(prefix+file, x.opts.maxFile, nil)
	switch {
	case errors.Is(err, errTooLarge):
		return nil, &FileError{File: file, Err: fmt.Errorf("larger than %s", sizeString(x.opts.maxFile))}
	case errors.Is(err, fs.ErrNotExist):
		return nil, err
	case err != nil:
		return nil, &FileError{File: file, Err: err}
	}
	return b, nil
}

// decodeList decodes a JSON array element by element into fresh values
// of T, calling keep for each. An element of the wrong shape is warned
// about and skipped; a file that is not a JSON array is a *FileError with
// the byte offset and line of the problem.
func decodeList[T any](x *Export, file string, b []byte, keep func(i int, v *T)) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	bad := func(err error) error {
		off := dec.InputOffset()
		var se *json.SyntaxError
		if errors.As(err, &se) {
			off = se.Offset
		}
		line := 1 + bytes.Count(b[:min(int(off), len(b))], []byte("\n"))
		return &FileError{File: file, Err: fmt.Errorf("invalid JSON at byte %d (line %d): %s", off, line, describeJSONError(err))}
	}
	tok, err := dec.Token()
	if err != nil {
		return bad(err)
	}
	if tok != json.Delim('[') {
		return &FileError{File: file, Err: errors.New("not a JSON array")}
	}
	skipped := 0
	for i := 0; dec.More(); i++ {
		var v T
		if err := dec.Decode(&v); err != nil {
			var te *json.UnmarshalTypeError
			if !errors.As(err, &te) {
				return bad(err)
			}
			skipped++
			if skipped == 1 {
				x.warn(file, fmt.Errorf("entry %d skipped: %s", i, describeJSONError(err)))
			}
			continue
		}
		keep(i, &v)
	}
	if skipped > 1 {
		x.warn(file, fmt.Errorf("%d entries of the wrong shape skipped in all", skipped))
	}
	if _, err := dec.Token(); err != nil {
		return bad(err)
	}
	if _, err := dec.Token(); err == nil {
		return &FileError{File: file, Err: fmt.Errorf("data after the array at byte %d", dec.InputOffset())}
	} else if !errors.Is(err, io.EOF) {
		return bad(err)
	}
	return nil
}

// describeJSONError names what went wrong without quoting the input.
func describeJSONError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return fmt.Sprintf("a JSON %s where an object was expected", te.Value)
		}
		return fmt.Sprintf("field %q has the wrong type (%s)", te.Field, te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return "syntax error" // its message would quote a character of the input
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "unexpected end of input"
	}
	return "invalid JSON"
}

type wireUser struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	TeamID  string `json:"team_id"`
	TZ      string `json:"tz"`
	IsBot   bool   `json:"is_bot"`
	Deleted bool   `json:"deleted"`
}

func (x *Export) readUsers(prefix string) error {
	b, err := x.readList(prefix, "users.json")
	if errors.Is(err, fs.ErrNotExist) {
		return &FileError{File: "users.json", Err: errors.New("missing")}
	}
	if err != nil {
		return err
	}
	seen := make(map[activity.UserID]bool)
	teams := make(map[activity.TeamID]int)
	invalid := 0
	err = decodeList(x, "users.json", b, func(_ int, w *wireUser) {
		id := activity.UserID(w.ID)
		if !activity.ValidID(w.ID) || seen[id] {
			invalid++
			return
		}
		seen[id] = true
		u := User{ID: id, Name: w.Name, TZ: w.TZ, IsBot: w.IsBot, Deleted: w.Deleted}
		if activity.ValidID(w.TeamID) {
			u.Team = activity.TeamID(w.TeamID)
			teams[u.Team]++
		}
		x.users = append(x.users, u)
	})
	if err != nil {
		return err
	}
	if invalid > 0 {
		x.warn("users.json", fmt.Errorf("%d users without a valid, distinct id skipped", invalid))
	}
	for t, n := range teams {
		if n > teams[x.team] || n == teams[x.team] && t < x.team {
			x.team = t
		}
	}
	return nil
}

type wireConversation struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Members []string `json:"members"`
}

func (x *Export) readConversations(prefix, file string, kind activity.ChannelKind, folders map[string]int32) error {
	b, err := x.readList(prefix, file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // every list but users.json is optional
	}
	if err != nil {
		return err
	}
	var invalid, badMembers, clash int
	err = decodeList(x, file, b, func(_ int, w *wireConversation) {
		if !activity.ValidID(w.ID) {
			invalid++
			return
		}
		folder := w.Name
		if kind == activity.KindIM {
			folder = w.ID // DM folders are named by ID
		}
		c := Conversation{ID: activity.ChannelID(w.ID), Name: folder, Kind: kind}
		for _, m := range w.Members {
			if activity.ValidID(m) {
				c.Members = append(c.Members, activity.UserID(m))
			} else {
				badMembers++
			}
		}
		if _, dup := folders[folder]; dup || folder == "" {
			clash++
			folder = ""
		}
		if folder != "" {
			folders[folder] = int32(len(x.convs))
		}
		x.convs = append(x.convs, c)
	})
	if err != nil {
		return err
	}
	if invalid > 0 {
		x.warn(file, fmt.Errorf("%d conversations without a valid id skipped", invalid))
	}
	if badMembers > 0 {
		x.warn(file, fmt.Errorf("%d members that are not user IDs skipped", badMembers))
	}
	if clash > 0 {
		x.warn(file, fmt.Errorf("%d conversations without a folder name of their own (none, or an earlier one's); no messages read for them", clash))
	}
	return nil
}

// Team is the team_id most users share ("" if none).
func (x *Export) Team() activity.TeamID { return x.team }

// Users are the valid users of users.json, in its order. The slice is a
// copy; the callers may keep it.
func (x *Export) Users() []User { return slices.Clone(x.users) }

// Conversations are the conversations of the lists, in the order
// channels, groups, DMs, group DMs, then folders listed nowhere by name.
// The slice is a copy, but the Members slices are shared and must not be
// changed.
func (x *Export) Conversations() []Conversation { return slices.Clone(x.convs) }

// DayFiles is how many day files are listed, after From/To filtering.
func (x *Export) DayFiles() int { return len(x.days) }

// Close releases the export's files. Messages must not be running.
func (x *Export) Close() error { return x.src.close() }

func (o Options) workers() int {
	if o.Workers > 0 {
		return o.Workers
	}
	return runtime.GOMAXPROCS(0)
}
