// Package planning is the inventory service's side of MRP: the planning data a tenant
// stores (item data, bills of materials, independent demand, scheduled receipts, firmed
// orders, the planning calendar), its validation, and the adapter that turns it and the
// inventory's own data (open requirements, principal stock) into the pure engine's
// mrp.Input. It does no I/O; the store loads, the runner (internal/mrprun) plans.
package planning

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/planta-dev/planta/services/inventory/internal/fault"
	"github.com/planta-dev/planta/services/inventory/internal/mrp"
)

// Bucket lengths.
const (
	Day  = "day"
	Week = "week"
)

// DefaultHorizon is 52 buckets (a year of weeks).
const DefaultHorizon = 52

// Settings is a tenant's planning calendar.
type Settings struct {
	Bucket  string `json:"bucket"`
	Horizon int    `json:"horizon"`
}

// DefaultSettings are weekly buckets over 52 weeks.
func DefaultSettings() Settings { return Settings{Bucket: Week, Horizon: DefaultHorizon} }

// Validate checks the settings.
func (s Settings) Validate() error {
	if s.Bucket != Day && s.Bucket != Week {
		return fault.Field("bucket", "must be day or week")
	}
	if s.Horizon < 1 || s.Horizon > mrp.MaxBuckets {
		return fault.Field("horizon", fmt.Sprintf("must be between 1 and %d buckets", mrp.MaxBuckets))
	}
	return nil
}

// Calendar maps dates to buckets for one run: bucket 0 starts at Start (today for daily
// buckets, Monday of the current week for weekly ones, UTC).
type Calendar struct {
	Start   time.Time
	Bucket  string
	Horizon int
}

// CalendarAt is the calendar of a run started at now.
func CalendarAt(now time.Time, s Settings) Calendar {
	d := time.Date(now.UTC().Year(), now.UTC().Month(), now.UTC().Day(), 0, 0, 0, 0, time.UTC)
	if s.Bucket == Week {
		d = d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
	}
	return Calendar{Start: d, Bucket: s.Bucket, Horizon: s.Horizon}
}

func (c Calendar) days() int {
	if c.Bucket == Week {
		return 7
	}
	return 1
}

// BucketOf maps a date to its bucket: dates before the start (past due) go to bucket 0;
// ok is false for dates after the horizon.
func (c Calendar) BucketOf(d time.Time) (int, bool) {
	days := int(math.Floor(d.Sub(c.Start).Hours() / 24))
	if days < 0 {
		return 0, true
	}
	b := days / c.days()
	return b, b < c.Horizon
}

// Date is the first day of bucket b.
func (c Calendar) Date(b int) time.Time { return c.Start.AddDate(0, 0, b*c.days()) }

// DateString is Date formatted YYYY-MM-DD.
func (c Calendar) DateString(b int) string { return c.Date(b).Format(time.DateOnly) }

// Item is one material's planning data as the API and the store see it.
type Item struct {
	MaterialID        string          `json:"material_id"`
	MaterialCode      string          `json:"material_code"`
	MaterialName      string          `json:"material_name"`
	Source            string          `json:"source"`
	LeadTime          int             `json:"lead_time"`
	SafetyStock       decimal.Decimal `json:"safety_stock"`
	Policy            string          `json:"policy"`
	FixedQuantity     decimal.Decimal `json:"fixed_quantity"`
	Periods           int             `json:"periods"`
	AnnualDemand      decimal.Decimal `json:"annual_demand"`
	OrderingCost      decimal.Decimal `json:"ordering_cost"`
	AnnualHoldingCost decimal.Decimal `json:"annual_holding_cost"`
	HoldingCost       decimal.Decimal `json:"holding_cost"`
	Minimum           decimal.Decimal `json:"minimum"`
	Multiple          decimal.Decimal `json:"multiple"`
	Maximum           decimal.Decimal `json:"maximum"`
	ScrapPct          decimal.Decimal `json:"scrap_pct" numeric:"9,4"`
	PlanningTimeFence int             `json:"planning_time_fence"`
	UpdatedAt         time.Time       `json:"updated_at"`
}

// ItemInput is the body of PUT /items/{material_id}.
type ItemInput struct {
	Source            string          `json:"source"`
	LeadTime          int             `json:"lead_time"`
	SafetyStock       decimal.Decimal `json:"safety_stock"`
	Policy            string          `json:"policy"`
	FixedQuantity     decimal.Decimal `json:"fixed_quantity"`
	Periods           int             `json:"periods"`
	AnnualDemand      decimal.Decimal `json:"annual_demand"`
	OrderingCost      decimal.Decimal `json:"ordering_cost"`
	AnnualHoldingCost decimal.Decimal `json:"annual_holding_cost"`
	HoldingCost       decimal.Decimal `json:"holding_cost"`
	Minimum           decimal.Decimal `json:"minimum"`
	Multiple          decimal.Decimal `json:"multiple"`
	Maximum           decimal.Decimal `json:"maximum"`
	ScrapPct          decimal.Decimal `json:"scrap_pct" numeric:"9,4"`
	PlanningTimeFence int             `json:"planning_time_fence"`
}

// engineField maps the engine's field names to the API's.
var engineField = map[string]string{
	"lead_time": "lead_time", "planning_time_fence": "planning_time_fence", "safety_stock": "safety_stock",
	"scrap": "scrap_pct", "source": "source",
}

// Validate checks an item's planning data with the engine's own rules (so the API cannot
// accept what a run would reject), naming the API field.
func (in *ItemInput) Validate() error {
	if in.Policy == "" {
		in.Policy = mrp.LotForLot.String()
	}
	if in.Source != "make" && in.Source != "buy" {
		return fault.Field("source", "must be make or buy")
	}
	if _, ok := mrp.ParsePolicy(in.Policy); !ok {
		return fault.Field("policy", "must be one of lot_for_lot, fixed_order_quantity, eoq, period_order_quantity, wagner_whitin, silver_meal")
	}
	for _, f := range []struct {
		name string
		v    decimal.Decimal
	}{{"safety_stock", in.SafetyStock}, {"fixed_quantity", in.FixedQuantity}, {"annual_demand", in.AnnualDemand}, {"ordering_cost", in.OrderingCost},
		{"annual_holding_cost", in.AnnualHoldingCost}, {"holding_cost", in.HoldingCost}, {"minimum", in.Minimum}, {"multiple", in.Multiple},
		{"maximum", in.Maximum}, {"scrap_pct", in.ScrapPct}} {
		if err := quantity(f.name, f.v, true); err != nil {
			return err
		}
	}
	if in.ScrapPct.GreaterThanOrEqual(decimal.NewFromInt(1000)) {
		return fault.Field("scrap_pct", "must be below 1000 (%)")
	}
	_, err := mrp.Compile(mrp.Input{Buckets: 1, Items: []mrp.Item{in.engine("x", 0)}})
	var ve mrp.ValidationErrors
	if errors.As(err, &ve) && len(ve) > 0 {
		f := ve[0].Field
		if i := strings.Index(f, "]."); i >= 0 {
			f = f[i+2:]
		}
		if strings.HasPrefix(f, "lot.") {
			f = strings.TrimPrefix(f, "lot.")
		} else if g, ok := engineField[f]; ok {
			f = g
		}
		return fault.Field(f, ve[0].Detail)
	}
	return err
}

// quantity checks a decimal: at most 4 decimals, >= 0 (or > 0 unless zeroOK), bounded.
func quantity(field string, v decimal.Decimal, zeroOK bool) error {
	switch {
	case v.IsNegative():
		return fault.Field(field, "must not be negative")
	case !zeroOK && v.IsZero():
		return fault.Field(field, "must be greater than zero")
	case v.Exponent() < -4 && !v.Equal(v.Round(4)):
		return fault.Field(field, "must have at most 4 decimals")
	case v.GreaterThanOrEqual(decimal.New(1, 14)):
		return fault.Field(field, "is too large")
	}
	return nil
}

// Quantity validates a positive quantity field with at most 4 decimals.
func Quantity(field string, v decimal.Decimal) error { return quantity(field, v, false) }

func (in *ItemInput) engine(id mrp.ItemID, onHand float64) mrp.Item {
	p, _ := mrp.ParsePolicy(in.Policy)
	src := mrp.Make
	if in.Source == "buy" {
		src = mrp.Buy
	}
	f := func(d decimal.Decimal) float64 { return d.InexactFloat64() }
	return mrp.Item{ID: id, Source: src, LeadTime: in.LeadTime, SafetyStock: f(in.SafetyStock), OnHand: onHand,
		Scrap: f(in.ScrapPct) / 100, PlanningTimeFence: in.PlanningTimeFence,
		Lot: mrp.LotSizing{Policy: p, FixedQuantity: f(in.FixedQuantity), Periods: in.Periods, AnnualDemand: f(in.AnnualDemand),
			OrderingCost: f(in.OrderingCost), AnnualHoldingCost: f(in.AnnualHoldingCost), HoldingCost: f(in.HoldingCost),
			Minimum: f(in.Minimum), Multiple: f(in.Multiple), Maximum: f(in.Maximum)}}
}

// Input returns the item's data as an ItemInput.
func (it Item) Input() ItemInput {
	return ItemInput{Source: it.Source, LeadTime: it.LeadTime, SafetyStock: it.SafetyStock, Policy: it.Policy, FixedQuantity: it.FixedQuantity,
		Periods: it.Periods, AnnualDemand: it.AnnualDemand, OrderingCost: it.OrderingCost, AnnualHoldingCost: it.AnnualHoldingCost,
		HoldingCost: it.HoldingCost, Minimum: it.Minimum, Multiple: it.Multiple, Maximum: it.Maximum, ScrapPct: it.ScrapPct,
		PlanningTimeFence: it.PlanningTimeFence}
}

// BOMLine says one unit of ParentID consumes QtyPer × (1 + ScrapPct/100) of ComponentID.
type BOMLine struct {
	ID          string          `json:"id"`
	ParentID    string          `json:"parent_id"`
	ComponentID string          `json:"component_id"`
	QtyPer      decimal.Decimal `json:"qty_per" numeric:"18,6"`
	ScrapPct    decimal.Decimal `json:"scrap_pct" numeric:"9,4"`
}

// BOMInput is the body of POST/PUT /bom-lines.
type BOMInput struct {
	ParentID    string          `json:"parent_id"`
	ComponentID string          `json:"component_id"`
	QtyPer      decimal.Decimal `json:"qty_per" numeric:"18,6"`
	ScrapPct    decimal.Decimal `json:"scrap_pct" numeric:"9,4"`
}

// Validate checks a BOM line's shape (existence and cycles — a material as its own
// component included — are the store's job: it names the cycle by material codes).
func (in BOMInput) Validate() error {
	switch {
	case in.ParentID == "":
		return fault.Field("parent_id", "is required")
	case in.ComponentID == "":
		return fault.Field("component_id", "is required")
	}
	if in.QtyPer.IsNegative() || in.QtyPer.IsZero() {
		return fault.Field("qty_per", "must be greater than zero")
	}
	if in.QtyPer.Exponent() < -6 && !in.QtyPer.Equal(in.QtyPer.Round(6)) {
		return fault.Field("qty_per", "must have at most 6 decimals")
	}
	if err := quantity("scrap_pct", in.ScrapPct, true); err != nil {
		return err
	}
	if in.ScrapPct.GreaterThanOrEqual(decimal.NewFromInt(1000)) {
		return fault.Field("scrap_pct", "must be below 1000 (%)")
	}
	return nil
}

// FindCycle returns the path parent → … → parent that adding the edge parent→component
// would close in the graph edges (parent → components), or nil.
func FindCycle(edges map[string][]string, parent, component string) []string {
	// A path component →* parent plus the new edge is a cycle.
	prev := map[string]string{component: ""}
	stack := []string{component}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == parent {
			var path []string
			for x := parent; x != ""; x = prev[x] {
				path = append(path, x)
			}
			slices.Reverse(path) // component … parent
			return append([]string{parent}, path[:len(path)-1]...)
		}
		for _, c := range edges[n] {
			if _, seen := prev[c]; !seen {
				prev[c] = n
				stack = append(stack, c)
			}
		}
	}
	return nil
}

// Demand sources.
const (
	SourceForecast = "forecast"
	SourceMPS      = "mps"
)

// Demand is an independent demand entry.
type Demand struct {
	ID         string          `json:"id"`
	MaterialID string          `json:"material_id"`
	BucketDate string          `json:"bucket_date"`
	Quantity   decimal.Decimal `json:"quantity"`
	Source     string          `json:"source"`
	Note       string          `json:"note"`
	CreatedAt  time.Time       `json:"created_at"`
}

// DemandInput is the body of POST/PUT /demands (and one CSV row).
type DemandInput struct {
	MaterialID string          `json:"material_id"`
	BucketDate string          `json:"bucket_date"`
	Quantity   decimal.Decimal `json:"quantity"`
	Source     string          `json:"source"`
	Note       string          `json:"note"`
}

// Validate checks a demand entry; prefix ("rows[3].") names CSV rows. It answers the
// first of Problems.
func (in *DemandInput) Validate(prefix string) error {
	if errs := in.Problems(prefix); len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// Problems checks a demand entry and answers every field problem, in field order
// (material_id, bucket_date, source, note, quantity), so that a CSV row's errors are
// all reported at once. It defaults the source and trims the note.
func (in *DemandInput) Problems(prefix string) []error {
	if in.Source == "" {
		in.Source = SourceForecast
	}
	in.Note = strings.TrimSpace(in.Note)
	var errs []error
	if in.MaterialID == "" {
		errs = append(errs, fault.Field(prefix+"material_id", "is required"))
	}
	if !validDate(in.BucketDate) {
		errs = append(errs, fault.Field(prefix+"bucket_date", "must be a date YYYY-MM-DD"))
	}
	if in.Source != SourceForecast && in.Source != SourceMPS {
		errs = append(errs, fault.Field(prefix+"source", "must be forecast or mps"))
	}
	if len(in.Note) > 500 {
		errs = append(errs, fault.Field(prefix+"note", "must be at most 500 characters"))
	}
	if err := quantity(prefix+"quantity", in.Quantity, false); err != nil {
		errs = append(errs, err)
	}
	return errs
}

func validDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// Receipt is a scheduled receipt (an open purchase or work order).
type Receipt struct {
	ID         string          `json:"id"`
	MaterialID string          `json:"material_id"`
	DueDate    string          `json:"due_date"`
	Quantity   decimal.Decimal `json:"quantity"`
	Reference  string          `json:"reference"`
	CreatedAt  time.Time       `json:"created_at"`
}

// ReceiptInput is the body of POST/PUT /scheduled-receipts.
type ReceiptInput struct {
	MaterialID string          `json:"material_id"`
	DueDate    string          `json:"due_date"`
	Quantity   decimal.Decimal `json:"quantity"`
	Reference  string          `json:"reference"`
}

// Validate checks a scheduled receipt.
func (in *ReceiptInput) Validate() error {
	in.Reference = strings.TrimSpace(in.Reference)
	switch {
	case in.MaterialID == "":
		return fault.Field("material_id", "is required")
	case !validDate(in.DueDate):
		return fault.Field("due_date", "must be a date YYYY-MM-DD")
	case len(in.Reference) > 200:
		return fault.Field("reference", "must be at most 200 characters")
	}
	return quantity("quantity", in.Quantity, false)
}

// Sources is everything a run reads, as loaded from the database (quantities already
// float64, the engine's unit).
type Sources struct {
	Items    []SourceItem
	BOM      []SourceBOM
	Demand   []SourceDemand
	Receipts []SourceReceipt
	Firm     []SourceFirm
}

// SourceItem is an item's engine data (ID left empty; Build sets it) with its principal
// on-hand in Item.OnHand.
type SourceItem struct {
	MaterialID string
	Item       mrp.Item
}

// SourceBOM is a BOM line.
type SourceBOM struct {
	Parent, Component string
	QtyPer, Scrap     float64 // scrap as a fraction
}

// Demand refs say where an independent demand came from: a demand entry or an open
// requirement (its item id), so pegs can be shown in the API's terms.
const (
	RefDemand      = "demand:"
	RefRequirement = "requirement:"
)

// SourceDemand is an independent demand on a date.
type SourceDemand struct {
	MaterialID string
	Date       time.Time
	Quantity   float64
	Ref        string
}

// SourceReceipt is a scheduled receipt on a date.
type SourceReceipt struct {
	MaterialID string
	Date       time.Time
	Quantity   float64
	Ref        string
}

// SourceFirm is a firmed (or converted, still open) order.
type SourceFirm struct {
	ID         string
	MaterialID string
	Release    time.Time
	Due        time.Time
	Quantity   float64
}
