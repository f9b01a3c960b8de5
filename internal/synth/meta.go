package synth

import "time"

// The export's top-level files: users.json, channels.json, groups.json,
// dms.json, mpims.json.

func (p *person) image(size string) string {
	if p.bot {
		return "https://avatars.slack-edge.com/2023-01-01/" + p.avatarHash + "_" + size + ".png"
	}
	return "https://secure.gravatar.com/avatar/" + p.gravatar + ".jpg?s=" + size +
		"&d=https%3A%2F%2Fa.slack-edge.com%2Fdf10d%2Fimg%2Favatars%2Fava_00" + p.gravatar[:2] + "-" + size + ".png"
}

// renderProfiles pre-renders each person's "user_profile" as it appears in
// their messages (at the depth of a message's fields).
func (w *workspace) renderProfiles() {
	j := jw{indent: w.indent}
	for _, p := range w.people {
		if p.bot {
			continue
		}
		j.reset(2)
		j.open('{', '}')
		j.str("avatar_hash", p.avatarHash)
		j.str("image_72", p.image("72"))
		j.str("first_name", p.first)
		j.str("real_name", p.realName())
		j.str("display_name", p.first)
		j.str("team", w.teamID)
		j.str("name", p.name)
		j.boolean("is_restricted", false)
		j.boolean("is_ultra_restricted", false)
		j.end()
		p.profile = append([]byte(nil), j.b...)
	}
}

func (w *workspace) usersJSON(at time.Time) []byte {
	j := jw{indent: w.indent}
	j.open('[', ']')
	for _, p := range w.people {
		j.elemObj()
		j.str("id", p.id)
		j.str("team_id", w.teamID)
		j.str("name", p.name)
		j.boolean("deleted", p.deleted)
		j.str("color", p.color)
		j.str("real_name", p.realName())
		if p.zone != nil || p.bot {
			z := p.zone
			if z == nil {
				z = &w.zones[3] // bots: Slack gives them a default zone
			}
			l := at.In(z.loc)
			_, off := l.Zone()
			label := z.std
			if l.IsDST() {
				label = z.dst
			}
			j.str("tz", z.name)
			j.str("tz_label", label)
			j.num("tz_offset", int64(off))
		}
		j.obj("profile")
		if p.bot {
			j.str("title", "")
			j.str("phone", "")
			j.str("skype", "")
			j.str("real_name", p.realName())
			j.str("real_name_normalized", p.realName())
			j.str("display_name", "")
			j.str("display_name_normalized", "")
			j.null("fields")
			j.str("status_text", "")
			j.str("status_emoji", "")
			j.num("status_expiration", 0)
			j.str("avatar_hash", p.avatarHash)
			j.str("api_app_id", p.appID)
			j.boolean("always_active", true)
			j.str("bot_id", p.botID)
			j.str("first_name", p.first)
			j.str("last_name", "")
		} else {
			j.str("title", p.title)
			j.str("phone", "")
			j.str("skype", "")
			j.str("real_name", p.realName())
			j.str("real_name_normalized", p.realName())
			j.str("display_name", p.first)
			j.str("display_name_normalized", p.first)
			j.null("fields")
			j.str("status_text", "")
			j.str("status_emoji", "")
			j.num("status_expiration", 0)
			j.str("avatar_hash", p.avatarHash)
			if !p.deleted {
				j.str("email", p.name+"@acme.example")
			}
			j.str("first_name", p.first)
			j.str("last_name", p.last)
		}
		for _, sz := range []string{"24", "32", "48", "72", "192", "512"} {
			j.str("image_"+sz, p.image(sz))
		}
		j.str("status_text_canonical", "")
		j.str("team", w.teamID)
		j.end()
		j.boolean("is_admin", p.admin)
		j.boolean("is_owner", p.admin)
		j.boolean("is_primary_owner", p.admin)
		j.boolean("is_restricted", false)
		j.boolean("is_ultra_restricted", false)
		j.boolean("is_bot", p.bot)
		j.boolean("is_app_user", false)
		j.num("updated", at.Unix()-int64(p.idx)*3600)
		if !p.bot {
			j.boolean("is_email_confirmed", !p.deleted)
		}
		j.end()
	}
	j.end()
	return j.b
}

// convsJSON writes the conversations of the given kinds in Slack's shape
// for that file.
func (w *workspace) convsJSON(kind convKind, canary string) []byte {
	j := jw{indent: w.indent}
	j.open('[', ']')
	for _, c := range w.convs {
		if c.kind != kind {
			continue
		}
		j.elemObj()
		j.str("id", c.id)
		if kind == kindIM {
			j.num("created", c.created)
			j.arr("members")
			for _, m := range c.members {
				j.elemStr(w.people[m].id)
			}
			j.end()
			j.end()
			continue
		}
		j.str("name", c.name)
		j.num("created", c.created)
		j.str("creator", w.people[c.creator].id)
		j.boolean("is_archived", c.archived)
		if kind != kindMPIM {
			j.boolean("is_general", c.general)
		}
		j.arr("members")
		for _, m := range c.members {
			j.elemStr(w.people[m].id)
		}
		j.end()
		for _, f := range []struct{ key, value string }{{"topic", c.topic}, {"purpose", c.purpose}} {
			j.obj(f.key)
			j.str("value", withCanary(f.value, canary))
			if f.value == "" {
				j.str("creator", "")
				j.num("last_set", 0)
			} else {
				j.str("creator", w.people[c.creator].id)
				j.num("last_set", c.created+60)
			}
			j.end()
		}
		j.end()
	}
	j.end()
	return j.b
}
