// Package accesslog is the record of every login attempt (and every break-glass action):
// who was tried, who it turned out to be, the outcome, where from and the trace id.
package accesslog

import (
	"context"
	"strings"
	"time"
	"unicode"
)

// Outcome of an attempt.
type Outcome string

// Outcomes. The first five are login outcomes (counted by the KPIs); error means the
// attempt could not be judged (a dependency was down).
const (
	Success          Outcome = "success"
	BadCredentials   Outcome = "bad_credentials"
	Locked           Outcome = "locked"
	Disabled         Outcome = "disabled"
	RateLimited      Outcome = "rate_limited"
	Error            Outcome = "error"
	BreakGlassUnlock Outcome = "break_glass_unlock"
	BreakGlassReset  Outcome = "break_glass_reset"
)

// Outcomes lists every outcome, for validation of filters.
var Outcomes = []Outcome{Success, BadCredentials, Locked, Disabled, RateLimited, Error, BreakGlassUnlock, BreakGlassReset}

// Valid reports whether o is known.
func (o Outcome) Valid() bool {
	for _, k := range Outcomes {
		if o == k {
			return true
		}
	}
	return false
}

// Entry is one row of the log.
type Entry struct {
	ID        int64     `json:"id"`
	At        time.Time `json:"at"`
	Username  string    `json:"username"`
	UserID    string    `json:"user_id,omitempty"`
	Outcome   Outcome   `json:"outcome"`
	IP        string    `json:"ip,omitempty"`
	UserAgent string    `json:"user_agent"`
	TraceID   string    `json:"trace_id,omitempty"`
}

// Recorder appends entries.
type Recorder interface {
	Record(ctx context.Context, e Entry) error
}

// Filter selects entries; zero fields do not filter.
type Filter struct {
	UserID   string
	Username string // case-insensitive exact match
	Outcome  Outcome
	IP       string
	From, To time.Time // [From, To)
	// Before is the pagination cursor: only ids below it.
	Before int64
	Limit  int
}

// KPIs summarise login attempts over a period.
type KPIs struct {
	From          time.Time  `json:"from"`
	To            time.Time  `json:"to"`
	Attempts      int64      `json:"attempts"`
	Successes     int64      `json:"successes"`
	Failures      int64      `json:"failures"`
	SuccessRate   float64    `json:"success_rate"`
	DistinctUsers int64      `json:"distinct_users"`
	LockedNow     int        `json:"locked_now"`
	PerDay        []DayStats `json:"per_day"`
}

// DayStats is one UTC day of the series.
type DayStats struct {
	Day       string `json:"day"` // YYYY-MM-DD (UTC)
	Attempts  int64  `json:"attempts"`
	Successes int64  `json:"successes"`
	Failures  int64  `json:"failures"`
}

// Clean bounds and sanitises free text from the client (username tried, user agent)
// before it is stored: at most max runes, control characters replaced.
func Clean(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
	if r := []rune(s); len(r) > max {
		s = string(r[:max])
	}
	return s
}
