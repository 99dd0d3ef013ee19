// Package budget models projects ("presupuestos") and their lifecycle — active, inactive
// (with a scheduled reactivation date that can be extended), reactivated, finished —
// with its history, cost consumption, and additional budgets ("adicionales").
package budget

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/planta-dev/planta/services/inventory/internal/fault"
	"github.com/planta-dev/planta/services/inventory/internal/material"
)

// Status of a budget.
type Status string

// Budget statuses.
const (
	Active   Status = "active"
	Inactive Status = "inactive"
	Finished Status = "finished"
)

// Budget is a project with fixed amounts in soles and dollars.
type Budget struct {
	ID                 string          `json:"id"`
	Name               string          `json:"name"`
	AmountPEN          decimal.Decimal `json:"amount_pen"`
	AmountUSD          decimal.Decimal `json:"amount_usd"`
	Notes              string          `json:"notes"`
	Status             Status          `json:"status"`
	ReactivationDue    bool            `json:"reactivation_due"`
	DeactivatedAt      *time.Time      `json:"deactivated_at"`
	DeactivationReason string          `json:"deactivation_reason"`
	ReactivationDate   *string         `json:"reactivation_date"`
	FinishedAt         *time.Time      `json:"finished_at"`
	CreatedAt          time.Time       `json:"created_at"`
	UpdatedAt          time.Time       `json:"updated_at"`
}

// Finish derives display fields at time now.
func (b *Budget) Finish(now time.Time) {
	b.ReactivationDue = b.Status == Inactive && b.ReactivationDate != nil && *b.ReactivationDate <= now.UTC().Format(time.DateOnly)
}

// Input creates or edits a budget.
type Input struct {
	Name      string           `json:"name"`
	AmountPEN *decimal.Decimal `json:"amount_pen"`
	AmountUSD *decimal.Decimal `json:"amount_usd"`
	Notes     string           `json:"notes"`
}

// Normalize validates a budget input.
func (in *Input) Normalize() error {
	in.Name = strings.TrimSpace(in.Name)
	in.Notes = strings.TrimSpace(in.Notes)
	for _, p := range []**decimal.Decimal{&in.AmountPEN, &in.AmountUSD} {
		if *p == nil {
			z := decimal.Zero
			*p = &z
		}
	}
	if in.Name == "" || len(in.Name) > 200 {
		return fault.Field("name", "is required (at most 200 characters)")
	}
	if len(in.Notes) > 2000 {
		return fault.Field("notes", "must be at most 2000 characters")
	}
	if err := material.ValidPrice("amount_pen", *in.AmountPEN); err != nil {
		return err
	}
	return material.ValidPrice("amount_usd", *in.AmountUSD)
}

// EventKind is a lifecycle history entry's kind.
type EventKind string

// Event kinds.
const (
	EventCreated     EventKind = "created"
	EventEdited      EventKind = "edited"
	EventDeactivated EventKind = "deactivated"
	EventReactivated EventKind = "reactivated"
	EventExtended    EventKind = "extended"
	EventFinished    EventKind = "finished"
	EventReopened    EventKind = "reopened"
)

// Event is one history entry.
type Event struct {
	ID           string    `json:"id"`
	Kind         EventKind `json:"kind"`
	PreviousDate *string   `json:"previous_date"`
	NewDate      *string   `json:"new_date"`
	Reason       string    `json:"reason"`
	ActorID      string    `json:"actor_id"`
	At           time.Time `json:"at"`
}

// Transition is a lifecycle action's request.
type Transition struct {
	Reason           string `json:"reason"`
	ReactivationDate string `json:"reactivation_date"`
}

// Deactivate checks a deactivation: reason and a reactivation date not in the past.
func Deactivate(from Status, t Transition, now time.Time) (time.Time, error) {
	if from != Active {
		return time.Time{}, fault.Conflictf("budget-state", "status", "only an active budget can be deactivated (it is %s)", from)
	}
	if strings.TrimSpace(t.Reason) == "" || len(t.Reason) > 500 {
		return time.Time{}, fault.Field("reason", "is required (at most 500 characters)")
	}
	return futureDate("reactivation_date", t.ReactivationDate, now)
}

// Extend checks moving an inactive budget's reactivation date.
func Extend(from Status, t Transition, now time.Time) (time.Time, error) {
	if from != Inactive {
		return time.Time{}, fault.Conflictf("budget-state", "status", "only an inactive budget can be extended (it is %s)", from)
	}
	if strings.TrimSpace(t.Reason) == "" || len(t.Reason) > 500 {
		return time.Time{}, fault.Field("reason", "is required (at most 500 characters)")
	}
	return futureDate("reactivation_date", t.ReactivationDate, now)
}

// Reactivate checks a manual reactivation (reason required).
func Reactivate(from Status, t Transition) error {
	if from != Inactive {
		return fault.Conflictf("budget-state", "status", "only an inactive budget can be reactivated (it is %s)", from)
	}
	if strings.TrimSpace(t.Reason) == "" || len(t.Reason) > 500 {
		return fault.Field("reason", "is required (at most 500 characters)")
	}
	return nil
}

// FinishProject checks finishing a budget.
func FinishProject(from Status) error {
	if from == Finished {
		return fault.Conflictf("budget-state", "status", "budget is already finished")
	}
	return nil
}

// Reopen checks reactivating a finished budget.
func Reopen(from Status) error {
	if from != Finished {
		return fault.Conflictf("budget-state", "status", "only a finished budget can be reopened (it is %s)", from)
	}
	return nil
}

func futureDate(field, s string, now time.Time) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fault.Field(field, "must be a date YYYY-MM-DD")
	}
	today, _ := time.Parse(time.DateOnly, now.UTC().Format(time.DateOnly))
	if d.Before(today) {
		return time.Time{}, fault.Field(field, "must not be in the past")
	}
	return d, nil
}

// ConfirmationCode formats an additional's code AD-YYYYMMDD-nnnnn.
func ConfirmationCode(day time.Time, n int) string {
	return fmt.Sprintf("AD-%s-%05d", day.UTC().Format("20060102"), n)
}

// Consumption is what a project has consumed of its fixed amounts (the old system's
// get_budget_available, per tenant): locked cost of its lines, of pending and lost
// deletions, plus floating quantities at the current price.
type Consumption struct {
	BudgetID       string          `json:"budget_id"`
	AmountPEN      decimal.Decimal `json:"amount_pen"`
	AmountUSD      decimal.Decimal `json:"amount_usd"`
	LockedPEN      decimal.Decimal `json:"locked_pen"`
	LockedUSD      decimal.Decimal `json:"locked_usd"`
	PendingPEN     decimal.Decimal `json:"pending_deleted_pen"`
	PendingUSD     decimal.Decimal `json:"pending_deleted_usd"`
	LostPEN        decimal.Decimal `json:"lost_pen"`
	LostUSD        decimal.Decimal `json:"lost_usd"`
	FloatingPEN    decimal.Decimal `json:"floating_pen"`
	FloatingUSD    decimal.Decimal `json:"floating_usd"`
	ConsumedPEN    decimal.Decimal `json:"consumed_pen"`
	ConsumedUSD    decimal.Decimal `json:"consumed_usd"`
	AvailablePEN   decimal.Decimal `json:"available_pen"`
	AvailableUSD   decimal.Decimal `json:"available_usd"`
	UtilisationPct decimal.Decimal `json:"utilisation_pct"`
	DispatchedPEN  decimal.Decimal `json:"dispatched_cost_pen"`
	DispatchedUSD  decimal.Decimal `json:"dispatched_cost_usd"`
	UnitsIn        decimal.Decimal `json:"units_in"`
	UnitsOut       decimal.Decimal `json:"units_out"`
}

// Total sums the parts and the availability (floored at 0, as the old system did).
func (c *Consumption) Total() {
	c.ConsumedPEN = c.LockedPEN.Add(c.PendingPEN).Add(c.LostPEN).Add(c.FloatingPEN).Round(4)
	c.ConsumedUSD = c.LockedUSD.Add(c.PendingUSD).Add(c.LostUSD).Add(c.FloatingUSD).Round(4)
	c.AvailablePEN = decimal.Max(decimal.Zero, c.AmountPEN.Sub(c.ConsumedPEN))
	c.AvailableUSD = decimal.Max(decimal.Zero, c.AmountUSD.Sub(c.ConsumedUSD))
	c.UtilisationPct = decimal.Zero
	if c.AmountPEN.IsPositive() {
		c.UtilisationPct = c.ConsumedPEN.Div(c.AmountPEN).Mul(decimal.NewFromInt(100)).Round(2)
	}
}

// Document is metadata of a document attached to an additional (the file itself lives
// in object storage; Planta records what it is and where).
type Document struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type,omitempty"`
	SizeBytes   int64  `json:"size_bytes,omitempty"`
	SHA256      string `json:"sha256,omitempty"`
	URL         string `json:"url,omitempty"`
}

// Additional is an out-of-scope change request on a project.
type Additional struct {
	ID               string     `json:"id"`
	BudgetID         string     `json:"budget_id"`
	BudgetName       string     `json:"budget_name"`
	Concept          string     `json:"concept"`
	RequestDate      string     `json:"request_date"`
	Notes            string     `json:"notes"`
	Confirmed        bool       `json:"confirmed"`
	ConfirmationCode *string    `json:"confirmation_code"`
	ConfirmedAt      *time.Time `json:"confirmed_at"`
	Documents        []Document `json:"documents"`
	CreatedAt        time.Time  `json:"created_at"`
}

// AdditionalInput creates or edits an additional.
type AdditionalInput struct {
	BudgetID    string `json:"budget_id"`
	Concept     string `json:"concept"`
	RequestDate string `json:"request_date"`
	Notes       string `json:"notes"`
}

// Normalize validates an additional.
func (in *AdditionalInput) Normalize(creating bool) error {
	in.Concept = strings.TrimSpace(in.Concept)
	in.Notes = strings.TrimSpace(in.Notes)
	if creating && in.BudgetID == "" {
		return fault.Field("budget_id", "is required")
	}
	if in.Concept == "" || len(in.Concept) > 200 {
		return fault.Field("concept", "is required (at most 200 characters)")
	}
	if _, err := time.Parse(time.DateOnly, in.RequestDate); err != nil {
		return fault.Field("request_date", "must be a date YYYY-MM-DD")
	}
	if len(in.Notes) > 2000 {
		return fault.Field("notes", "must be at most 2000 characters")
	}
	return nil
}

// ValidDocuments checks attached-document metadata: at least one, names and URLs sane.
func ValidDocuments(docs []Document) error {
	if len(docs) == 0 {
		return fault.Field("documents", "at least one document or link is required")
	}
	if len(docs) > 50 {
		return fault.Field("documents", "at most 50 documents")
	}
	for i, d := range docs {
		f := fmt.Sprintf("documents[%d]", i)
		if strings.TrimSpace(d.Name) == "" && d.URL == "" {
			return fault.Field(f+".name", "a name or a url is required")
		}
		if strings.ContainsAny(d.Name, "/\\\x00") || len(d.Name) > 255 {
			return fault.Field(f+".name", "must be a plain file name (at most 255 characters)")
		}
		if d.URL != "" && !strings.HasPrefix(d.URL, "https://") && !strings.HasPrefix(d.URL, "http://") {
			return fault.Field(f+".url", "must be an http(s) URL")
		}
		if d.SizeBytes < 0 || d.SizeBytes > 100<<20 {
			return fault.Field(f+".size_bytes", "must be between 0 and 100 MiB")
		}
	}
	return nil
}
