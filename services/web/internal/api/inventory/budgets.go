package inventory

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/planta-dev/planta/services/web/internal/api/apicall"
)

// Additional is an addendum to a project, confirmed with a code once documented.
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
	Documents        []struct {
		Name string `json:"name"`
		URL  string `json:"url"`
	} `json:"documents"`
	CreatedAt time.Time `json:"created_at"`
}

// CreateBudget creates a project budget.
func (c *Client) CreateBudget(ctx context.Context, in map[string]any) error {
	return c.c.Do(ctx, http.MethodPost, Base+"/budgets", nil, in, nil)
}

// BudgetTransition runs deactivate, reactivate, extend, finish or reopen.
func (c *Client) BudgetTransition(ctx context.Context, id, action, reason, reactivation string) error {
	in := map[string]string{"reason": reason}
	if reactivation != "" {
		in["reactivation_date"] = reactivation
	}
	return c.c.Do(ctx, http.MethodPost, Base+"/budgets/"+url.PathEscape(id)+"/"+action, nil, in, nil)
}

// Additionals lists additionals (budget_id).
func (c *Client) Additionals(ctx context.Context, q url.Values) (apicall.Page[Additional], error) {
	var p apicall.Page[Additional]
	err := c.c.Do(ctx, http.MethodGet, Base+"/additionals", q, nil, &p)
	return p, err
}

// CreateAdditional records an additional for a project.
func (c *Client) CreateAdditional(ctx context.Context, in map[string]string) error {
	return c.c.Do(ctx, http.MethodPost, Base+"/additionals", nil, in, nil)
}

// ConfirmAdditional confirms an additional with its document (→ AD-YYYYMMDD-nnnnn).
func (c *Client) ConfirmAdditional(ctx context.Context, id string, doc map[string]string) error {
	return c.c.Do(ctx, http.MethodPost, Base+"/additionals/"+url.PathEscape(id)+"/confirm", nil,
		map[string]any{"documents": []map[string]string{doc}}, nil)
}

// CancelDispatch cancels a dispatch not yet received (stock back, re-reserved).
func (c *Client) CancelDispatch(ctx context.Context, id, reason string) error {
	return c.c.Do(ctx, http.MethodPost, Base+"/dispatches/"+url.PathEscape(id)+"/cancel", nil, map[string]string{"reason": reason}, nil)
}

// Warehouse returns one warehouse.
func (c *Client) Warehouse(ctx context.Context, id string) (Warehouse, error) {
	var w Warehouse
	err := c.c.Do(ctx, http.MethodGet, Base+"/warehouses/"+url.PathEscape(id), nil, nil, &w)
	return w, err
}

// UpdateWarehouse edits a warehouse (a warehouse with stock or requirements keeps its type).
func (c *Client) UpdateWarehouse(ctx context.Context, id string, in WarehouseInput) error {
	return c.c.Do(ctx, http.MethodPut, Base+"/warehouses/"+url.PathEscape(id), nil, in, nil)
}

// Material returns one material.
func (c *Client) Material(ctx context.Context, id string) (Material, error) {
	var m Material
	err := c.c.Do(ctx, http.MethodGet, Base+"/materials/"+url.PathEscape(id), nil, nil, &m)
	return m, err
}

// UpdateMaterial edits a material (Active false deactivates it).
func (c *Client) UpdateMaterial(ctx context.Context, id string, in MaterialInput) error {
	return c.c.Do(ctx, http.MethodPut, Base+"/materials/"+url.PathEscape(id), nil, in, nil)
}

// StockLine returns one stock line.
func (c *Client) StockLine(ctx context.Context, id string) (StockLine, error) {
	var l StockLine
	err := c.c.Do(ctx, http.MethodGet, Base+"/stock-lines/"+url.PathEscape(id), nil, nil, &l)
	return l, err
}

// SetLineNote replaces a stock line's note (PATCH).
func (c *Client) SetLineNote(ctx context.Context, id, note string) error {
	return c.c.Do(ctx, http.MethodPatch, Base+"/stock-lines/"+url.PathEscape(id), nil, map[string]string{"note": note}, nil)
}

// AdjustLine records a physical count (ADJUST movement).
func (c *Client) AdjustLine(ctx context.Context, id string, counted Decimal, reason string) error {
	return c.c.Do(ctx, http.MethodPost, Base+"/stock-lines/"+url.PathEscape(id)+"/adjustments", nil,
		map[string]any{"counted": counted, "reason": reason}, nil)
}

// MoveLine reassigns a line to another project (nil = none); unfreeze thaws a frozen
// line, redirecting it to a project or releasing it. The answer is the line the stock
// now sits on (another line when it was merged into an existing one).
func (c *Client) MoveLine(ctx context.Context, id string, budgetID *string, unfreeze bool) (StockLine, error) {
	action := "/reassign"
	if unfreeze {
		action = "/unfreeze"
	}
	var l StockLine
	err := c.c.Do(ctx, http.MethodPost, Base+"/stock-lines/"+url.PathEscape(id)+action, nil, map[string]any{"budget_id": budgetID}, &l)
	return l, err
}

// DeleteLine deletes a stock line (→ a pending deletion).
func (c *Client) DeleteLine(ctx context.Context, id, reason string) error {
	var q url.Values
	if reason != "" {
		q = url.Values{"reason": {reason}}
	}
	return c.c.Do(ctx, http.MethodDelete, Base+"/stock-lines/"+url.PathEscape(id), q, nil, nil)
}

// Withdrawal takes stock out of a warehouse (OUT; FIFO over the scope, never below
// what is reserved).
type Withdrawal struct {
	WarehouseID string  `json:"warehouse_id"`
	MaterialID  string  `json:"material_id"`
	BudgetID    *string `json:"budget_id,omitempty"`
	NoBudget    bool    `json:"no_budget,omitempty"`
	Qty         Decimal `json:"qty"`
	Reason      string  `json:"reason,omitempty"`
}

// Withdraw takes stock out.
func (c *Client) Withdraw(ctx context.Context, in Withdrawal) error {
	return c.c.Do(ctx, http.MethodPost, Base+"/stock-withdrawals", nil, in, nil)
}

// Budget returns one budget.
func (c *Client) Budget(ctx context.Context, id string) (Budget, error) {
	var b Budget
	err := c.c.Do(ctx, http.MethodGet, Base+"/budgets/"+url.PathEscape(id), nil, nil, &b)
	return b, err
}

// DeleteBudget deletes a project: its open requirements are cancelled and its lines frozen.
func (c *Client) DeleteBudget(ctx context.Context, id string) error {
	return c.c.Do(ctx, http.MethodDelete, Base+"/budgets/"+url.PathEscape(id), nil, nil, nil)
}

// Consumption is what a project has used of its budget.
type Consumption struct {
	AmountPEN      Decimal `json:"amount_pen"`
	AmountUSD      Decimal `json:"amount_usd"`
	LockedPEN      Decimal `json:"locked_pen"`
	LockedUSD      Decimal `json:"locked_usd"`
	PendingPEN     Decimal `json:"pending_deleted_pen"`
	PendingUSD     Decimal `json:"pending_deleted_usd"`
	LostPEN        Decimal `json:"lost_pen"`
	LostUSD        Decimal `json:"lost_usd"`
	FloatingPEN    Decimal `json:"floating_pen"`
	FloatingUSD    Decimal `json:"floating_usd"`
	ConsumedPEN    Decimal `json:"consumed_pen"`
	ConsumedUSD    Decimal `json:"consumed_usd"`
	AvailablePEN   Decimal `json:"available_pen"`
	AvailableUSD   Decimal `json:"available_usd"`
	UtilisationPct Decimal `json:"utilisation_pct"`
	DispatchedPEN  Decimal `json:"dispatched_cost_pen"`
	DispatchedUSD  Decimal `json:"dispatched_cost_usd"`
	UnitsIn        Decimal `json:"units_in"`
	UnitsOut       Decimal `json:"units_out"`
}

// BudgetConsumption returns a project's consumption.
func (c *Client) BudgetConsumption(ctx context.Context, id string) (Consumption, error) {
	var x Consumption
	err := c.c.Do(ctx, http.MethodGet, Base+"/budgets/"+url.PathEscape(id)+"/consumption", nil, nil, &x)
	return x, err
}

// BudgetEvent is one entry of a project's lifecycle history.
type BudgetEvent struct {
	ID           string    `json:"id"`
	Kind         string    `json:"kind"`
	PreviousDate *string   `json:"previous_date"`
	NewDate      *string   `json:"new_date"`
	Reason       string    `json:"reason"`
	ActorID      string    `json:"actor_id"`
	At           time.Time `json:"at"`
}

// BudgetEvents lists a project's history (cursor, limit).
func (c *Client) BudgetEvents(ctx context.Context, id string, q url.Values) (apicall.Page[BudgetEvent], error) {
	var p apicall.Page[BudgetEvent]
	err := c.c.Do(ctx, http.MethodGet, Base+"/budgets/"+url.PathEscape(id)+"/events", q, nil, &p)
	return p, err
}

// UpdateBudget changes a project's name, amounts and notes (PUT /budgets/{id}).
func (c *Client) UpdateBudget(ctx context.Context, id string, in map[string]any) error {
	return c.c.Do(ctx, http.MethodPut, Base+"/budgets/"+url.PathEscape(id), nil, in, nil)
}
