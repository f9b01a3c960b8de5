package slackapp

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/trustnudge/trustnudge/internal/activity"
	"github.com/trustnudge/trustnudge/internal/engine"
	"github.com/trustnudge/trustnudge/internal/people"
)

// profileTTL is how long a users.info answer is trusted: time zones and
// admin status change rarely, and Slack rate-limits users.info.
const profileTTL = time.Hour

// directory answers who a user is from users.info, cached per user.
type directory struct {
	app *App
	mu  sync.Mutex
	m   map[activity.UserID]cachedProfile
}

type cachedProfile struct {
	p       people.Profile
	fetched time.Time
}

// Directory returns the app's user directory for the core. It works once
// Run has identified the app.
func (a *App) Directory() engine.Directory {
	return a.dir
}

// Profile returns what Slack says about user; people.ErrNotFound if Slack
// does not know them.
func (d *directory) Profile(ctx context.Context, _ activity.TeamID, user activity.UserID) (people.Profile, error) {
	now := d.app.clock.Now()
	d.mu.Lock()
	c, ok := d.m[user]
	d.mu.Unlock()
	if ok && now.Sub(c.fetched) < profileTTL && now.Sub(c.fetched) >= 0 {
		return c.p, nil
	}
	var u *slack.User
	err := d.app.call(ctx, "users.info", func(ctx context.Context) (err error) {
		u, err = d.app.api.GetUserInfoContext(ctx, string(user))
		return err
	})
	var se slack.SlackErrorResponse
	if errors.As(err, &se) && (se.Err == "user_not_found" || se.Err == "users_not_found") {
		return people.Profile{}, people.ErrNotFound
	}
	if err != nil {
		return people.Profile{}, err
	}
	p := people.Profile{
		ID:       activity.UserID(u.ID),
		Name:     displayName(u),
		TZ:       u.TZ,
		IsBot:    u.IsBot || u.ID == "USLACKBOT",
		IsAdmin:  u.IsAdmin,
		IsOwner:  u.IsOwner || u.IsPrimaryOwner,
		Deleted:  u.Deleted,
		IsAppBot: u.ID == d.app.self.BotUserID,
	}
	d.mu.Lock()
	d.m[user] = cachedProfile{p: p, fetched: now}
	d.mu.Unlock()
	return p, nil
}

func displayName(u *slack.User) string {
	switch {
	case u.Profile.DisplayName != "":
		return u.Profile.DisplayName
	case u.RealName != "":
		return u.RealName
	}
	return u.Name
}
