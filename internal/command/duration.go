package command

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/trustnudge/trustnudge/internal/people"
)

// units are the duration units people type. "m" is minutes, as in
// time.ParseDuration; months aren't offered because their length varies.
var units = map[string]time.Duration{
	"m": time.Minute, "min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"h": time.Hour, "hr": time.Hour, "hrs": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
	"w": 7 * 24 * time.Hour, "wk": 7 * 24 * time.Hour, "wks": 7 * 24 * time.Hour, "week": 7 * 24 * time.Hour, "weeks": 7 * 24 * time.Hour,
}

// errTooLong is a duration past what time.Duration holds; Snooze turns it
// into its own limit.
var errTooLong = errors.New("too long")

// ParseDuration reads a duration as people type it for a snooze: numbers
// each followed by a unit, m h d or w (or their words), as in "90m",
// "36h", "2d", "1w2d", "1 week 2 days". Case and spaces don't matter.
// time.ParseDuration has no days or weeks, which is what people snooze
// for. Errors say what is wrong without repeating the whole input.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.ToLower(strings.Join(strings.Fields(s), ""))
	if s == "" {
		return 0, errors.New("no duration given, e.g. 2d")
	}
	var total time.Duration
	for s != "" {
		i := 0
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		num := s[:i]
		if num == "" {
			if s[0] == '-' {
				return 0, errors.New("a duration can't be negative")
			}
			return 0, errors.New("a duration starts with a number, e.g. 2d")
		}
		s = s[i:]
		if len(s) > 1 && (s[0] == '.' || s[0] == ',') && isDigit(s[1]) {
			return 0, errors.New("use whole numbers, e.g. 90m rather than 1.5h")
		}
		j := 0
		for j < len(s) && !isDigit(s[j]) {
			j++
		}
		name := s[:j]
		s = s[j:]
		if name == "" {
			return 0, fmt.Errorf("%s needs a unit: m, h, d or w, e.g. %sd", clip(num, 10), clip(num, 10))
		}
		unit, ok := units[name]
		if !ok {
			if strings.HasPrefix(name, "mo") || strings.HasPrefix(name, "y") {
				return 0, errors.New("months and years aren't units here; use days or weeks, e.g. 4w")
			}
			return 0, fmt.Errorf("unknown unit %q; use m, h, d or w", clip(name, 10))
		}
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || n > math.MaxInt64/int64(unit) || time.Duration(n)*unit > math.MaxInt64-total {
			return 0, errTooLong
		}
		total += time.Duration(n) * unit
	}
	return total, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// reasons maps the ways people write a snooze reason to the reason.
var reasons = map[string]people.SnoozeReason{
	"oncall":     people.SnoozeOnCall,
	"travelling": people.SnoozeTravelling,
	"traveling":  people.SnoozeTravelling,
	"travel":     people.SnoozeTravelling,
	"timeoff":    people.SnoozeTimeOff,
}

// parseSnooze reads "snooze [for] <duration> [reason]" and "snooze off".
// The duration may be several words ("1 week 2 days"), so it runs while
// words start with a digit or follow a bare number; what follows is the
// reason.
func parseSnooze(rest string) (Command, error) {
	first, after := cut(rest, isSpaceComma)
	switch fold(first) {
	case "":
		return Command{}, refuse(Snooze, "Say how long to snooze, like `snooze 1w`.")
	case "off", "stop":
		return noArgs(SnoozeOff, after)
	case "for":
		if after != "" {
			rest = after
		}
	}
	var words []string
	for rest != "" && len(words) < 16 {
		w, next := cut(rest, isSpaceComma)
		// After a bare number any word is its unit, so "3 months" gets
		// told about months rather than that 3 needs a unit.
		if len(words) > 0 && !isDigit(w[0]) && !allDigits(words[len(words)-1]) {
			break
		}
		words = append(words, w)
		rest = next
	}
	typed := strings.Join(words, " ")
	d, err := ParseDuration(typed)
	switch {
	case errors.Is(err, errTooLong), err == nil && d > people.MaxSnooze:
		return Command{}, refuse(Snooze, "“"+echo(typed)+"” is too long: "+span(people.MaxSnooze)+" is the longest snooze.")
	case err != nil:
		return Command{}, refuse(Snooze, "I couldn't read “"+echo(typed)+"” as a duration: "+inert(err.Error())+".")
	case d < people.MinSnooze:
		return Command{}, refuse(Snooze, "“"+echo(typed)+"” is too short: "+span(people.MinSnooze)+" is the shortest snooze.")
	}
	c := Command{Kind: Snooze, Snooze: d}
	if rest == "" {
		return c, nil
	}
	key := ""
	if len(rest) <= 40 {
		key = strings.NewReplacer(" ", "", "-", "").Replace(fold(rest))
	}
	r, ok := reasons[key]
	if !ok {
		return Command{}, refuse(Snooze, "I don't know the reason “"+echo(rest)+"”; use on-call, travelling or time-off.")
	}
	c.Reason = r
	return c, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// span writes a limit the way people say it: "90 days", "1 hour".
func span(d time.Duration) string {
	n, unit := int64(d/time.Minute), "minute"
	switch {
	case d%(24*time.Hour) == 0:
		n, unit = int64(d/(24*time.Hour)), "day"
	case d%time.Hour == 0:
		n, unit = int64(d/time.Hour), "hour"
	}
	if n != 1 {
		unit += "s"
	}
	return strconv.FormatInt(n, 10) + " " + unit
}

// short writes a limit the way ParseDuration reads it: "90d", "1h".
func short(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	}
	return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
}
