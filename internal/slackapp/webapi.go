package slackapp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"syscall"
	"time"

	"github.com/slack-go/slack"

	"github.com/trustnudge/trustnudge/internal/metrics"
)

// Retry limits for Web API calls. Rate limits are waited out (Slack says how
// long); other transient failures back off exponentially a few times.
const (
	maxRateLimitWaits = 10
	maxTransientTries = 4
	firstBackoff      = 250 * time.Millisecond
	maxRetryAfter     = 2 * time.Minute
	// deliverBudget bounds sending one nudge, waits for rate limits
	// included.
	deliverBudget = maxRetryAfter + 30*time.Second
)

// call runs one Web API request, waiting out rate limits and retrying
// transient failures a bounded number of times. Every Web API call the app
// makes goes through here, so retry behaviour is the same everywhere.
func (a *App) call(ctx context.Context, method string, fn func(context.Context) error) error {
	waits, tries := 0, 0
	backoff := firstBackoff
	for {
		err := fn(ctx)
		if err == nil {
			a.opts.Metrics.APICall(method, metrics.ResultOK)
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("slack %s: %w", method, ctx.Err())
		}
		var delay time.Duration
		var rl *slack.RateLimitedError
		switch {
		case errors.As(err, &rl) && waits < maxRateLimitWaits:
			waits++
			delay = min(max(rl.RetryAfter, time.Second), maxRetryAfter)
			a.opts.Metrics.APICall(method, metrics.ResultRateLimited)
			a.opts.Metrics.RateLimitWait(method, delay)
			a.log.Warn("slack rate limited; waiting", "method", method, "retry_after", delay, "wait", waits)
		case transient(err) && tries < maxTransientTries-1:
			tries++
			a.opts.Metrics.APICall(method, metrics.ResultTransient)
			delay = backoff
			backoff *= 2
			a.log.Warn("slack call failed; retrying", "method", method, "err", err, "attempt", tries, "backoff", delay)
		default:
			a.opts.Metrics.APICall(method, metrics.ResultError)
			return fmt.Errorf("slack %s: %w", method, err)
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < delay {
			// Waiting would outlast the caller's budget: say so now
			// rather than fail at the deadline.
			return fmt.Errorf("slack %s: must wait %s to retry, longer than the time left (%s): %w",
				method, delay, time.Until(dl).Round(time.Millisecond), err)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("slack %s: %w", method, ctx.Err())
		case <-t.C:
		}
	}
}

// transient reports whether err is worth retrying: a server error or a
// network failure, not an answer from Slack such as channel_not_found.
func transient(err error) bool {
	var sc slack.StatusCodeError
	if errors.As(err, &sc) {
		return sc.Code >= 500 || sc.Code == 408
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, io.ErrUnexpectedEOF)
}

// authErrors are answers that mean a token is wrong, not that Slack is down.
var authErrors = map[string]bool{
	"invalid_auth": true, "not_authed": true, "account_inactive": true,
	"token_revoked": true, "token_expired": true, "not_allowed_token_type": true,
}

// isAuthError reports whether err is Slack rejecting a token.
func isAuthError(err error) bool {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return authErrors[se.Err]
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		if authErrors[e.Error()] {
			return true
		}
	}
	return false
}

// identity is who the app is in the workspace, learned from auth.test.
type identity struct {
	TeamID, BotUserID, BotID, URL string
}

// whoAmI calls auth.test with the bot token. Slack being unreachable is
// retried with backoff until ctx ends (so the bot can start before the
// network is up); a rejected token is returned at once.
func (a *App) whoAmI(ctx context.Context) (identity, error) {
	backoff := firstBackoff
	for {
		var resp *slack.AuthTestResponse
		err := a.call(ctx, "auth.test", func(ctx context.Context) (err error) {
			resp, err = a.api.AuthTestContext(ctx)
			return err
		})
		if err == nil {
			return identity{TeamID: resp.TeamID, BotUserID: resp.UserID, BotID: resp.BotID, URL: resp.URL}, nil
		}
		if isAuthError(err) {
			return identity{}, fmt.Errorf("slack rejected SLACK_BOT_TOKEN (%w); check the Bot User OAuth Token on the app's OAuth & Permissions page", err)
		}
		if ctx.Err() != nil {
			return identity{}, err
		}
		a.log.Warn("cannot reach slack; will retry", "err", err, "backoff", backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return identity{}, ctx.Err()
		case <-t.C:
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}

// slogOutput bridges slack-go's logger to slog. slack-go's debug output is
// never switched on: its debug lines include raw payloads, message text and
// all, which the privacy contract forbids in logs.
type slogOutput struct{ log *slog.Logger }

func (o slogOutput) Output(_ int, s string) error {
	o.log.Debug("slack-go", "line", "(suppressed)", "bytes", len(s))
	return nil
}
