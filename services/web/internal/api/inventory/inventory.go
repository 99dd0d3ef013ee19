// Package inventory is the web service's client of the inventory service's public API
// (/api/v1/inventory): warehouses, materials, stock, requirements, dispatches, receipts,
// movements, budgets and the dashboard. Every call acts on the caller's own tenant.
package inventory

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/planta-dev/planta/services/web/internal/api/apicall"
)

// Base is the inventory API's prefix.
const Base = "/api/v1/inventory"

// Decimal is an exact quantity or amount.
type Decimal = apicall.Decimal

// Warehouse is a central (principal) or site (obra) store.
type Warehouse struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Type      string    `json:"type"`
	Location  string    `json:"location"`
	Address   string    `json:"address"`
	CreatedAt time.Time `json:"created_at"`
}

// WarehouseInput creates or edits a warehouse.
type WarehouseInput struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Location string `json:"location"`
	Address  string `json:"address"`
}

// Material is a catalog entry.
type Material struct {
	ID          string  `json:"id"`
	Code        string  `json:"code"`
	Name        string  `json:"name"`
	Unit        string  `json:"unit"`
	Description string  `json:"description"`
	PricePEN    Decimal `json:"price_pen"`
	PriceUSD    Decimal `json:"price_usd"`
	Active      bool    `json:"active"`
}

// MaterialInput creates or edits a material.
type MaterialInput struct {
	Code        string   `json:"code"`
	Name        string   `json:"name"`
	Unit        string   `json:"unit"`
	Description string   `json:"description"`
	PricePEN    *Decimal `json:"price_pen,omitempty"`
	PriceUSD    *Decimal `json:"price_usd,omitempty"`
	Active      *bool    `json:"active,omitempty"`
}

// StockLine is the stock of one material in one warehouse for one budget.
type StockLine struct {
	ID            string    `json:"id"`
	WarehouseID   string    `json:"warehouse_id"`
	WarehouseName string    `json:"warehouse_name"`
	WarehouseType string    `json:"warehouse_type"`
	MaterialID    string    `json:"material_id"`
	MaterialCode  string    `json:"material_code"`
	MaterialName  string    `json:"material_name"`
	Unit          string    `json:"unit"`
	BudgetID      *string   `json:"budget_id"`
	BudgetName    string    `json:"budget_name"`
	OnHand        Decimal   `json:"on_hand"`
	Reserved      Decimal   `json:"reserved"`
	Available     Decimal   `json:"available"`
	PricePEN      Decimal   `json:"price_pen"`
	ValuePEN      Decimal   `json:"value_pen"`
	CostMode      string    `json:"cost_mode"`
	Note          string    `json:"note"`
	Frozen        bool      `json:"frozen"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// StockAddition adds stock to a warehouse.
type StockAddition struct {
	WarehouseID string  `json:"warehouse_id"`
	MaterialID  string  `json:"material_id"`
	BudgetID    *string `json:"budget_id,omitempty"`
	Qty         Decimal `json:"qty"`
	Note        string  `json:"note,omitempty"`
}

// Deletion is a deleted stock line awaiting resolution (pending/lost/returned/restored).
type Deletion struct {
	ID            string    `json:"id"`
	WarehouseName string    `json:"warehouse_name"`
	MaterialName  string    `json:"material_name"`
	Unit          string    `json:"unit"`
	BudgetName    string    `json:"budget_name"`
	Qty           Decimal   `json:"qty"`
	TotalValuePEN Decimal   `json:"total_value_pen"`
	Reason        string    `json:"reason"`
	Status        string    `json:"status"`
	DeletedAt     time.Time `json:"deleted_at"`
}

// RequirementItem is one line of a requirement.
type RequirementItem struct {
	MaterialID    string  `json:"material_id"`
	MaterialCode  string  `json:"material_code"`
	MaterialName  string  `json:"material_name"`
	Unit          string  `json:"unit"`
	RequestedQty  Decimal `json:"requested_qty"`
	ReservedQty   Decimal `json:"reserved_qty"`
	DispatchedQty Decimal `json:"dispatched_qty"`
	Status        string  `json:"status"`
	PricePEN      Decimal `json:"price_pen"`
}

// Requirement is a site's request for central stock.
type Requirement struct {
	ID               string            `json:"id"`
	WarehouseID      string            `json:"warehouse_id"`
	WarehouseName    string            `json:"warehouse_name"`
	BudgetID         string            `json:"budget_id"`
	BudgetName       string            `json:"budget_name"`
	Status           string            `json:"status"`
	Notes            string            `json:"notes"`
	CancelReason     string            `json:"cancel_reason"`
	EstimatedCostPEN Decimal           `json:"estimated_cost_pen"`
	CreatedAt        time.Time         `json:"created_at"`
	Items            []RequirementItem `json:"items"`
}

// Line is a material and a quantity (requirement, dispatch input).
type Line struct {
	MaterialID string  `json:"material_id"`
	Qty        Decimal `json:"qty"`
}

// RequirementInput creates a requirement.
type RequirementInput struct {
	WarehouseID string `json:"warehouse_id"`
	BudgetID    string `json:"budget_id"`
	Notes       string `json:"notes"`
	Items       []Line `json:"items"`
}

// DispatchItem is one line of a dispatch.
type DispatchItem struct {
	MaterialID   string  `json:"material_id"`
	MaterialCode string  `json:"material_code"`
	MaterialName string  `json:"material_name"`
	Unit         string  `json:"unit"`
	Qty          Decimal `json:"qty"`
	UnitPricePEN Decimal `json:"unit_price_pen"`
	TotalPEN     Decimal `json:"total_pen"`
}

// Dispatch is stock sent from the central store to a site, with its delivery note.
type Dispatch struct {
	ID            string         `json:"id"`
	Number        string         `json:"number"`
	RequirementID string         `json:"requirement_id"`
	BudgetName    string         `json:"budget_name"`
	FromWarehouse string         `json:"from_warehouse_name"`
	ToWarehouseID string         `json:"to_warehouse_id"`
	ToWarehouse   string         `json:"to_warehouse_name"`
	Status        string         `json:"status"`
	Received      bool           `json:"received"`
	Notes         string         `json:"notes"`
	CancelReason  string         `json:"cancel_reason"`
	DispatchedAt  time.Time      `json:"dispatched_at"`
	TotalPEN      Decimal        `json:"total_pen"`
	Items         []DispatchItem `json:"items"`
}

// DispatchInput dispatches quantities of a requirement.
type DispatchInput struct {
	RequirementID string `json:"requirement_id"`
	Notes         string `json:"notes"`
	Items         []Line `json:"items"`
}

// ReceiptItem is one received line.
type ReceiptItem struct {
	MaterialID        string  `json:"material_id"`
	MaterialName      string  `json:"material_name"`
	Unit              string  `json:"unit"`
	DispatchedQty     Decimal `json:"dispatched_qty"`
	ReceivedQty       Decimal `json:"received_qty"`
	DiscrepancyQty    Decimal `json:"discrepancy_qty"`
	DiscrepancyReason string  `json:"discrepancy_reason"`
}

// Receipt is a site's confirmation of a dispatch (complete or partial).
type Receipt struct {
	ID             string        `json:"id"`
	DispatchID     string        `json:"dispatch_id"`
	DispatchNumber string        `json:"dispatch_number"`
	RequirementID  string        `json:"requirement_id"`
	WarehouseName  string        `json:"warehouse_name"`
	BudgetName     string        `json:"budget_name"`
	Status         string        `json:"status"`
	Notes          string        `json:"notes"`
	ReceivedAt     time.Time     `json:"received_at"`
	Items          []ReceiptItem `json:"items"`
}

// ReceiptLine is one line of a receipt input.
type ReceiptLine struct {
	MaterialID  string  `json:"material_id"`
	ReceivedQty Decimal `json:"received_qty"`
	Reason      string  `json:"reason,omitempty"`
}

// ReceiptInput receives a dispatch.
type ReceiptInput struct {
	DispatchID string        `json:"dispatch_id"`
	Notes      string        `json:"notes"`
	Items      []ReceiptLine `json:"items"`
}

// Movement is one ledger entry.
type Movement struct {
	ID            string    `json:"id"`
	WarehouseName string    `json:"warehouse_name"`
	MaterialName  string    `json:"material_name"`
	Kind          string    `json:"kind"`
	Qty           Decimal   `json:"qty"`
	ReferenceType string    `json:"reference_type"`
	Note          string    `json:"note"`
	CreatedAt     time.Time `json:"created_at"`
}

// Budget is a project budget.
type Budget struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	AmountPEN Decimal `json:"amount_pen"`
	AmountUSD Decimal `json:"amount_usd"`
	Notes     string  `json:"notes"`
	Status    string  `json:"status"`
}

// Dashboard is the tenant's KPIs.
type Dashboard struct {
	From                time.Time `json:"from"`
	To                  time.Time `json:"to"`
	StockUnits          Decimal   `json:"stock_units"`
	StockValuePEN       Decimal   `json:"stock_value_pen"`
	StockValueUSD       Decimal   `json:"stock_value_usd"`
	ReservedUnits       Decimal   `json:"reserved_units"`
	PendingRequirements int       `json:"pending_requirements"`
	Dispatches          int       `json:"dispatches"`
	DispatchedUnits     Decimal   `json:"dispatched_units"`
	DispatchesPerDay    []struct {
		Day   string  `json:"day"`
		Count int     `json:"count"`
		Units Decimal `json:"units"`
	} `json:"dispatches_per_day"`
	LowStock []struct {
		StockLineID  string  `json:"stock_line_id"`
		MaterialName string  `json:"material_name"`
		OnHand       Decimal `json:"on_hand"`
		Available    Decimal `json:"available"`
	} `json:"low_stock"`
	// LowStockTotal counts every low-stock line (LowStock lists the lowest few).
	LowStockTotal     int `json:"low_stock_total"`
	BudgetConsumption []struct {
		BudgetID      string  `json:"budget_id"`
		Name          string  `json:"name"`
		Status        string  `json:"status"`
		AmountPEN     Decimal `json:"amount_pen"`
		DispatchedPEN Decimal `json:"dispatched_pen"`
		OverBudget    bool    `json:"over_budget"`
	} `json:"consumption_per_budget"`
	StockPerWarehouse []struct {
		WarehouseID string  `json:"warehouse_id"`
		Name        string  `json:"name"`
		Units       Decimal `json:"units"`
		ValuePEN    Decimal `json:"value_pen"`
	} `json:"stock_per_warehouse"`
}

// Client calls the inventory service.
type Client struct{ c *apicall.Client }

// New returns a client of the inventory service's public listener at base.
func New(base string, hc *http.Client) *Client { return &Client{apicall.New(base, hc)} }

func list[T any](ctx context.Context, c *apicall.Client, path string, q url.Values) (apicall.Page[T], error) {
	var p apicall.Page[T]
	err := c.Do(ctx, http.MethodGet, Base+path, q, nil, &p)
	return p, err
}

// All reads every page of a paged list through fetch (one of the list methods, e.g.
// c.Materials); see apicall.All.
func All[T any](ctx context.Context, fetch func(context.Context, url.Values) (apicall.Page[T], error), q url.Values) ([]T, error) {
	return apicall.All(ctx, fetch, q)
}

// Dashboard returns the KPIs over the default period.
func (c *Client) Dashboard(ctx context.Context) (Dashboard, error) {
	var d Dashboard
	err := c.c.Do(ctx, http.MethodGet, Base+"/dashboard", nil, nil, &d)
	return d, err
}

// Warehouses lists warehouses (filters: type, q).
func (c *Client) Warehouses(ctx context.Context, q url.Values) (apicall.Page[Warehouse], error) {
	return list[Warehouse](ctx, c.c, "/warehouses", q)
}

// CreateWarehouse creates a warehouse.
func (c *Client) CreateWarehouse(ctx context.Context, in WarehouseInput) (Warehouse, error) {
	var w Warehouse
	err := c.c.Do(ctx, http.MethodPost, Base+"/warehouses", nil, in, &w)
	return w, err
}

// DeleteWarehouse deletes a warehouse.
func (c *Client) DeleteWarehouse(ctx context.Context, id string) error {
	return c.c.Do(ctx, http.MethodDelete, Base+"/warehouses/"+url.PathEscape(id), nil, nil, nil)
}

// Materials lists the tenant's catalog (filters: q, active, budget_id, no_budget).
func (c *Client) Materials(ctx context.Context, q url.Values) (apicall.Page[Material], error) {
	return list[Material](ctx, c.c, "/materials", q)
}

// CreateMaterial adds a material to the catalog.
func (c *Client) CreateMaterial(ctx context.Context, in MaterialInput) (Material, error) {
	var m Material
	err := c.c.Do(ctx, http.MethodPost, Base+"/materials", nil, in, &m)
	return m, err
}

// StockLines lists stock (filters: warehouse_id, warehouse_type, material_id, budget_id,
// no_budget, frozen, low_stock, q).
func (c *Client) StockLines(ctx context.Context, q url.Values) (apicall.Page[StockLine], error) {
	return list[StockLine](ctx, c.c, "/stock-lines", q)
}

// AddStock adds stock (and re-processes waiting requirements).
func (c *Client) AddStock(ctx context.Context, in StockAddition) error {
	return c.c.Do(ctx, http.MethodPost, Base+"/stock-additions", nil, in, nil)
}

// Deletions lists deleted stock lines (filter: status).
func (c *Client) Deletions(ctx context.Context, q url.Values) (apicall.Page[Deletion], error) {
	return list[Deletion](ctx, c.c, "/stock-deletions", q)
}

// ResolveDeletion marks a deletion lost, returned or restored.
func (c *Client) ResolveDeletion(ctx context.Context, id, action string) error {
	return c.c.Do(ctx, http.MethodPost, Base+"/stock-deletions/"+url.PathEscape(id)+"/"+action, nil, nil, nil)
}

// Requirements lists requirements (filters: status, warehouse_id, budget_id, from, to).
func (c *Client) Requirements(ctx context.Context, q url.Values) (apicall.Page[Requirement], error) {
	return list[Requirement](ctx, c.c, "/requirements", q)
}

// Requirement returns one requirement.
func (c *Client) Requirement(ctx context.Context, id string) (Requirement, error) {
	var r Requirement
	err := c.c.Do(ctx, http.MethodGet, Base+"/requirements/"+url.PathEscape(id), nil, nil, &r)
	return r, err
}

// CreateRequirement creates a requirement (stock is reserved automatically).
func (c *Client) CreateRequirement(ctx context.Context, in RequirementInput) (Requirement, error) {
	var r Requirement
	err := c.c.Do(ctx, http.MethodPost, Base+"/requirements", nil, in, &r)
	return r, err
}

// CancelRequirement cancels a requirement with a reason.
func (c *Client) CancelRequirement(ctx context.Context, id, reason string) error {
	return c.c.Do(ctx, http.MethodPost, Base+"/requirements/"+url.PathEscape(id)+"/cancel", nil,
		map[string]string{"reason": reason}, nil)
}

// Dispatches lists dispatches (filters: status, warehouse_id, requirement_id, number, received, from, to).
func (c *Client) Dispatches(ctx context.Context, q url.Values) (apicall.Page[Dispatch], error) {
	return list[Dispatch](ctx, c.c, "/dispatches", q)
}

// Dispatch returns one dispatch.
func (c *Client) Dispatch(ctx context.Context, id string) (Dispatch, error) {
	var d Dispatch
	err := c.c.Do(ctx, http.MethodGet, Base+"/dispatches/"+url.PathEscape(id), nil, nil, &d)
	return d, err
}

// CreateDispatch dispatches reserved stock of a requirement.
func (c *Client) CreateDispatch(ctx context.Context, in DispatchInput) (Dispatch, error) {
	var d Dispatch
	err := c.c.Do(ctx, http.MethodPost, Base+"/dispatches", nil, in, &d)
	return d, err
}

// Receipts lists receipts (filters: warehouse_id, budget_id, status, number, from, to).
func (c *Client) Receipts(ctx context.Context, q url.Values) (apicall.Page[Receipt], error) {
	return list[Receipt](ctx, c.c, "/receipts", q)
}

// CreateReceipt receives a dispatch, fully or partly.
func (c *Client) CreateReceipt(ctx context.Context, in ReceiptInput) (Receipt, error) {
	var r Receipt
	err := c.c.Do(ctx, http.MethodPost, Base+"/receipts", nil, in, &r)
	return r, err
}

// Movements lists the ledger (filters: warehouse_id, material_id, budget_id, kind, reference_type, from, to).
func (c *Client) Movements(ctx context.Context, q url.Values) (apicall.Page[Movement], error) {
	return list[Movement](ctx, c.c, "/movements", q)
}

// Budgets lists budgets (filters: status, q).
func (c *Client) Budgets(ctx context.Context, q url.Values) (apicall.Page[Budget], error) {
	return list[Budget](ctx, c.c, "/budgets", q)
}

// Download fetches a CSV or PDF (path relative to Base).
func (c *Client) Download(ctx context.Context, path string, q url.Values, accept string) (*apicall.Response, error) {
	return c.c.Raw(ctx, http.MethodGet, Base+path, q, nil, accept)
}
