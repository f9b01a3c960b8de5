package synth

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// The encoder turns planned messages into Slack's export JSON. Everything
// random in a message's body (its words, ids, whether it has blocks) comes
// from the message's own seed, so day files can be encoded in any order, in
// parallel, and still come out the same.
type encoder struct {
	w      *workspace
	canary string
	j      jw
	pcg    rand.PCG
	rng    *rand.Rand
	toks   []tok
	text   []byte
	btext  []byte
	scr    []byte
}

type tokKind uint8

const (
	tWord tokKind = iota
	tUser
	tLink
	tEmoji
)

type tok struct {
	kind tokKind
	s    string
	user int32
	n    int
}

func newEncoder(w *workspace, canary string) *encoder {
	e := &encoder{w: w, canary: canary, j: jw{indent: w.indent}}
	e.rng = rand.New(&e.pcg)
	return e
}

func (e *encoder) seed(s uint64) { e.pcg.Seed(s, 0x9e3779b97f4a7c15) }

// words fills e.toks with n random words, the mentions, now and then a
// link or an emoji, and the canary.
func (e *encoder) words(n int, mentions []int32, links bool) {
	r := e.rng
	e.toks = e.toks[:0]
	for range n {
		e.toks = append(e.toks, tok{kind: tWord, s: words[r.IntN(len(words))]})
	}
	insert := func(t tok) {
		i := r.IntN(len(e.toks) + 1)
		e.toks = append(e.toks, tok{})
		copy(e.toks[i+1:], e.toks[i:])
		e.toks[i] = t
	}
	if links && r.Float64() < 0.08 {
		insert(tok{kind: tLink, s: linkHosts[r.IntN(len(linkHosts))], n: 100 + r.IntN(9900)})
	}
	if e.canary != "" {
		insert(tok{kind: tWord, s: e.canary})
	}
	for i, u := range mentions {
		t := tok{kind: tUser, user: u}
		if i == 0 && r.Float64() < 0.6 {
			e.toks = append([]tok{t}, e.toks...)
			continue
		}
		insert(t)
	}
	if links && r.Float64() < 0.12 {
		e.toks = append(e.toks, tok{kind: tEmoji, s: emoji[r.IntN(len(emoji))]})
	}
}

// render writes e.toks as message text into e.text.
func (e *encoder) render(nameMention bool) {
	e.text = e.text[:0]
	named := nameMention
	for i, t := range e.toks {
		if i > 0 {
			e.text = append(e.text, ' ')
		}
		switch t.kind {
		case tWord, tEmoji:
			e.text = append(e.text, t.s...)
		case tUser:
			p := e.w.people[t.user]
			e.text = append(e.text, "<@"...)
			e.text = append(e.text, p.id...)
			if named {
				e.text = append(e.text, '|')
				e.text = append(e.text, p.name...)
				named = false
			}
			e.text = append(e.text, '>')
		case tLink:
			e.text = append(e.text, "<https://"...)
			e.text = append(e.text, t.s...)
			e.text = strconv.AppendInt(e.text, int64(t.n), 10)
			e.text = append(e.text, '>')
		}
	}
}

// blocks writes e.toks as a rich_text block.
func (e *encoder) blocks() {
	j := &e.j
	j.arr("blocks")
	j.elemObj()
	j.str("type", "rich_text")
	j.str("block_id", e.shortID(5))
	j.arr("elements")
	j.elemObj()
	j.str("type", "rich_text_section")
	j.arr("elements")
	e.btext = e.btext[:0]
	flush := func() {
		if len(e.btext) == 0 {
			return
		}
		j.elemObj()
		j.str("type", "text")
		j.bytes("text", e.btext)
		j.end()
		e.btext = e.btext[:0]
	}
	for i, t := range e.toks {
		if i > 0 {
			e.btext = append(e.btext, ' ')
		}
		switch t.kind {
		case tWord:
			e.btext = append(e.btext, t.s...)
		case tUser:
			flush()
			j.elemObj()
			j.str("type", "user")
			j.str("user_id", e.w.people[t.user].id)
			j.end()
		case tLink:
			flush()
			j.elemObj()
			j.str("type", "link")
			e.scr = append(append(e.scr[:0], "https://"...), t.s...)
			e.scr = strconv.AppendInt(e.scr, int64(t.n), 10)
			j.bytes("url", e.scr)
			j.end()
		case tEmoji:
			flush()
			j.elemObj()
			j.str("type", "emoji")
			j.str("name", strings.Trim(t.s, ":"))
			j.end()
		}
	}
	flush()
	j.end() // elements
	j.end() // section
	j.end() // elements
	j.end() // rich_text
	j.end() // blocks
}

// textWords: most messages are short, a few are long (mean about 10
// words).
func textWords(r *rand.Rand) int { return 2 + min(int(r.ExpFloat64()*8), 80) }

const b62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func (e *encoder) shortID(n int) string {
	var b [16]byte
	for i := range n {
		b[i] = b62[e.rng.IntN(len(b62))]
	}
	return string(b[:n])
}

func (e *encoder) uuid() string {
	const hx = "0123456789abcdef"
	var b [36]byte
	x, y := e.rng.Uint64(), e.rng.Uint64()
	k := 0
	for i := range b {
		switch i {
		case 8, 13, 18, 23:
			b[i] = '-'
			continue
		case 14:
			b[i] = '4'
			continue
		}
		var v uint64
		if k < 16 {
			v = x >> (4 * k)
		} else {
			v = y >> (4 * (k - 16))
		}
		b[i] = hx[v&0xf]
		if i == 19 {
			b[i] = hx[8+v&0x3]
		}
		k++
	}
	return string(b[:])
}

// day encodes one conversation's messages of one day: a JSON array.
func (e *encoder) day(ms []msg) []byte {
	e.j.reset(0)
	e.j.open('[', ']')
	for i := range ms {
		e.message(&ms[i])
	}
	e.j.end()
	return e.j.b
}

func (e *encoder) message(m *msg) {
	e.seed(m.seed)
	switch m.kind {
	case mHuman, mFile, mBroadcast:
		e.human(m)
	case mBot:
		e.bot(m)
	default:
		e.system(m)
	}
}

func (e *encoder) human(m *msg) {
	j, r := &e.j, e.rng
	p := e.w.people[m.user]
	e.words(textWords(r), m.mentions, true)
	e.render(m.nameMention)
	withBlocks := m.kind != mFile && r.Float64() < 0.93
	j.elemObj()
	if withBlocks {
		j.str("client_msg_id", e.uuid())
	}
	j.str("type", "message")
	switch m.kind {
	case mFile:
		j.str("subtype", "file_share")
	case mBroadcast:
		j.str("subtype", "thread_broadcast")
	}
	j.bytes("text", e.text)
	j.str("user", p.id)
	j.ts("ts", m.ts)
	if m.edited {
		j.obj("edited")
		j.str("user", p.id)
		j.ts("ts", m.ts+int64(5+r.IntN(600))*second)
		j.end()
	}
	if withBlocks {
		e.blocks()
	}
	j.str("team", e.w.teamID)
	j.str("user_team", e.w.teamID)
	j.str("source_team", e.w.teamID)
	j.raw("user_profile", p.profile)
	e.thread(m)
	if m.kind == mBroadcast {
		e.root(m)
	}
	if m.kind == mFile {
		e.file(m, p)
	}
	e.reactions(m)
	j.end()
}

// thread writes a parent's or a reply's thread fields.
func (e *encoder) thread(m *msg) {
	j := &e.j
	switch {
	case m.threadTS == 0:
	case m.threadTS == m.ts:
		j.ts("thread_ts", m.ts)
		j.num("reply_count", int64(len(m.replies)))
		var users []int32
		var latest int64
		for _, r := range m.replies {
			latest = max(latest, r.ts)
			if !containsI32(users, r.user) {
				users = append(users, r.user)
			}
		}
		j.num("reply_users_count", int64(len(users)))
		j.ts("latest_reply", latest)
		j.arr("reply_users")
		for _, u := range users {
			j.elemStr(e.w.people[u].id)
		}
		j.end()
		j.arr("replies")
		for _, r := range m.replies {
			j.elemObj()
			j.str("user", e.w.people[r.user].id)
			j.ts("ts", r.ts)
			j.end()
		}
		j.end()
		j.boolean("is_locked", false)
		j.boolean("subscribed", false)
	default:
		j.ts("thread_ts", m.threadTS)
		j.str("parent_user_id", e.w.people[m.parentUser].id)
	}
}

func containsI32(s []int32, v int32) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// root is the copy of the thread's parent that a broadcast carries.
func (e *encoder) root(m *msg) {
	j := &e.j
	keep := e.pcg
	e.seed(m.rootSeed) // as human() began for the parent
	e.words(textWords(e.rng), m.rootMentions, true)
	e.render(m.rootNamed)
	e.pcg = keep
	pp := e.w.people[m.parentUser]
	j.obj("root")
	j.str("type", "message")
	j.bytes("text", e.text)
	j.str("user", pp.id)
	j.ts("ts", m.threadTS)
	j.ts("thread_ts", m.threadTS)
	j.str("team", e.w.teamID)
	j.end()
}

func (e *encoder) file(m *msg, p *person) {
	j, r := &e.j, e.rng
	fk := fileKinds[r.IntN(len(fileKinds))]
	name := words[r.IntN(len(words))] + "-" + words[r.IntN(len(words))] + "." + fk.ext
	id := "F0" + e.shortID(9)
	j.arr("files")
	j.elemObj()
	j.str("id", strings.ToUpper(id))
	j.num("created", m.ts/second)
	j.num("timestamp", m.ts/second)
	j.str("name", name)
	title := name
	if e.canary != "" {
		title += " " + e.canary
	}
	j.str("title", title)
	j.str("mimetype", fk.mime)
	j.str("filetype", fk.kind)
	j.str("pretty_type", strings.ToUpper(fk.ext))
	j.str("user", p.id)
	j.str("mode", "hosted")
	j.boolean("editable", false)
	j.boolean("is_external", false)
	j.num("size", int64(2000+r.IntN(900000)))
	j.str("url_private", "https://files.slack.com/files-pri/"+e.w.teamID+"-"+strings.ToUpper(id)+"/"+name)
	j.str("url_private_download", "https://files.slack.com/files-pri/"+e.w.teamID+"-"+strings.ToUpper(id)+"/download/"+name)
	j.str("permalink", "https://acme.slack.com/files/"+p.id+"/"+strings.ToUpper(id)+"/"+name)
	j.boolean("is_public", true)
	j.end()
	j.end()
	j.boolean("upload", true)
	j.boolean("display_as_bot", false)
}

func (e *encoder) reactions(m *msg) {
	if len(m.reactions) == 0 {
		return
	}
	j := &e.j
	j.arr("reactions")
	for _, r := range m.reactions {
		j.elemObj()
		j.str("name", reactionNames[r.name])
		j.arr("users")
		for _, u := range r.users {
			j.elemStr(e.w.people[u].id)
		}
		j.end()
		j.num("count", int64(len(r.users)))
		j.end()
	}
	j.end()
}

func (e *encoder) bot(m *msg) {
	j, r := &e.j, e.rng
	b := e.w.bots[m.bot]
	e.words(6+r.IntN(14), m.mentions, false)
	e.render(false)
	j.elemObj()
	if b.user < 0 { // a legacy integration
		j.str("type", "message")
		j.str("subtype", "bot_message")
		j.bytes("text", e.text)
		j.ts("ts", m.ts)
		j.str("username", b.name)
		j.str("bot_id", b.botID)
		j.obj("icons")
		j.str("emoji", ":rocket:")
		j.end()
		e.attachment(m, "Deploy "+words[r.IntN(len(words))]+" v1."+strconv.Itoa(r.IntN(40))+"."+strconv.Itoa(r.IntN(20)))
		j.end()
		return
	}
	p := e.w.people[b.user]
	j.str("user", p.id)
	j.str("type", "message")
	j.ts("ts", m.ts)
	j.str("bot_id", b.botID)
	j.str("app_id", b.appID)
	j.bytes("text", e.text)
	j.str("team", e.w.teamID)
	j.obj("bot_profile")
	j.str("id", b.botID)
	j.boolean("deleted", false)
	j.str("name", b.real)
	j.num("updated", 1700000000+int64(m.bot)*86400)
	j.str("app_id", b.appID)
	j.obj("icons")
	for _, sz := range []string{"36", "48", "72"} {
		j.str("image_"+sz, "https://avatars.slack-edge.com/2023-01-01/"+b.name+"_"+sz+".png")
	}
	j.end()
	j.str("team_id", e.w.teamID)
	j.end()
	j.arr("blocks")
	j.elemObj()
	j.str("type", "section")
	j.str("block_id", e.shortID(4))
	j.obj("text")
	j.str("type", "mrkdwn")
	j.bytes("text", e.text)
	j.boolean("verbatim", false)
	j.end()
	j.end()
	j.end()
	if b.name == "github" && r.Float64() < 0.6 {
		e.attachment(m, "#"+strconv.Itoa(1000+r.IntN(9000))+" "+words[r.IntN(len(words))]+" "+words[r.IntN(len(words))])
	}
	e.thread(m)
	e.reactions(m)
	j.end()
}

func (e *encoder) attachment(m *msg, title string) {
	j, r := &e.j, e.rng
	j.arr("attachments")
	j.elemObj()
	j.num("id", 1)
	j.str("color", "36a64f")
	j.str("fallback", title)
	j.str("title", title)
	j.str("title_link", "https://"+linkHosts[r.IntN(len(linkHosts))]+strconv.Itoa(100+r.IntN(9900)))
	e.scr = append(e.scr[:0], words[r.IntN(len(words))]...)
	for range 4 + r.IntN(10) {
		e.scr = append(append(e.scr, ' '), words[r.IntN(len(words))]...)
	}
	if e.canary != "" {
		e.scr = append(append(e.scr, ' '), e.canary...)
	}
	j.bytes("text", e.scr)
	j.arr("fields")
	j.elemObj()
	j.str("title", "Environment")
	j.str("value", []string{"production", "staging"}[r.IntN(2)])
	j.boolean("short", true)
	j.end()
	j.elemObj()
	j.str("title", "Commit")
	j.str("value", e.shortID(7))
	j.boolean("short", true)
	j.end()
	j.end()
	j.str("footer", e.w.bots[m.bot].real)
	j.num("ts", m.ts/second)
	j.end()
	j.end()
}

func (e *encoder) system(m *msg) {
	j := &e.j
	p := e.w.people[m.user]
	c := e.w.convs[m.conv]
	j.elemObj()
	j.str("user", p.id)
	j.str("type", "message")
	e.text = e.text[:0]
	var value string
	switch m.kind {
	case mJoin:
		j.str("subtype", "channel_join")
		e.text = append(append(append(e.text, "<@"...), p.id...), "> has joined the channel"...)
		if e.canary != "" {
			e.text = append(append(e.text, ' '), e.canary...)
		}
	case mPurpose, mTopic:
		if m.fixed {
			value = withCanary(c.purpose, e.canary)
			if m.kind == mTopic {
				value = withCanary(c.topic, e.canary)
			}
		} else {
			e.words(3+e.rng.IntN(8), nil, false)
			e.render(false)
			value = string(e.text)
		}
		e.text = e.text[:0]
		if m.kind == mTopic {
			j.str("subtype", "channel_topic")
			e.text = append(e.text, "set the channel topic: "...)
		} else {
			j.str("subtype", "channel_purpose")
			e.text = append(e.text, "set the channel purpose: "...)
		}
		e.text = append(e.text, value...)
	}
	j.ts("ts", m.ts)
	j.bytes("text", e.text)
	switch m.kind {
	case mJoin:
		if m.inviter >= 0 {
			j.str("inviter", e.w.people[m.inviter].id)
		}
	case mTopic:
		j.str("topic", value)
	case mPurpose:
		j.str("purpose", value)
	}
	j.end()
}

func withCanary(s, canary string) string {
	if canary == "" || s == "" {
		return s
	}
	return s + " " + canary
}
