package inventory

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/planta-dev/planta/services/web/internal/api/apicall"
)

// MRPBase is the MRP API's prefix (served by the inventory service).
const MRPBase = "/api/v1/mrp"

// MRPSettings is the planning calendar.
type MRPSettings struct {
	Bucket  string `json:"bucket"`
	Horizon int    `json:"horizon"`
}

// MRPItem is a material's planning data.
type MRPItem struct {
	MaterialID        string  `json:"material_id,omitempty"`
	MaterialCode      string  `json:"material_code,omitempty"`
	MaterialName      string  `json:"material_name,omitempty"`
	Source            string  `json:"source"`
	LeadTime          int     `json:"lead_time"`
	SafetyStock       Decimal `json:"safety_stock"`
	Policy            string  `json:"policy"`
	FixedQuantity     Decimal `json:"fixed_quantity"`
	Periods           int     `json:"periods"`
	AnnualDemand      Decimal `json:"annual_demand"`
	OrderingCost      Decimal `json:"ordering_cost"`
	AnnualHoldingCost Decimal `json:"annual_holding_cost"`
	HoldingCost       Decimal `json:"holding_cost"`
	Minimum           Decimal `json:"minimum"`
	Multiple          Decimal `json:"multiple"`
	Maximum           Decimal `json:"maximum"`
	ScrapPct          Decimal `json:"scrap_pct"`
	PlanningTimeFence int     `json:"planning_time_fence"`
}

// BOMLine is one parent → component line.
type BOMLine struct {
	ID          string  `json:"id,omitempty"`
	ParentID    string  `json:"parent_id"`
	ComponentID string  `json:"component_id"`
	QtyPer      Decimal `json:"qty_per"`
	ScrapPct    Decimal `json:"scrap_pct"`
}

// BOMNode is one node of a BOM (or where-used) tree.
type BOMNode struct {
	MaterialID   string     `json:"material_id"`
	MaterialCode string     `json:"material_code"`
	MaterialName string     `json:"material_name"`
	QtyPer       Decimal    `json:"qty_per"`
	ScrapPct     Decimal    `json:"scrap_pct"`
	Level        int        `json:"level"`
	Children     []*BOMNode `json:"children"`
}

// BOMTree is an expanded tree.
type BOMTree struct {
	Root      *BOMNode `json:"root"`
	Truncated bool     `json:"truncated"`
}

// MRPDemand is an independent demand entry (forecast or MPS).
type MRPDemand struct {
	ID         string  `json:"id,omitempty"`
	MaterialID string  `json:"material_id"`
	BucketDate string  `json:"bucket_date"`
	Quantity   Decimal `json:"quantity"`
	Source     string  `json:"source"`
	Note       string  `json:"note"`
}

// ScheduledReceipt is an open order.
type ScheduledReceipt struct {
	ID         string  `json:"id,omitempty"`
	MaterialID string  `json:"material_id"`
	DueDate    string  `json:"due_date"`
	Quantity   Decimal `json:"quantity"`
	Reference  string  `json:"reference"`
}

// MRPRun is a stored run with its counts and phase times.
type MRPRun struct {
	ID            string    `json:"id"`
	Kind          string    `json:"kind"`
	Status        string    `json:"status"`
	BaseRunID     *string   `json:"base_run_id"`
	InputVersion  string    `json:"input_version"`
	Bucket        string    `json:"bucket"`
	Horizon       int       `json:"horizon"`
	StartDate     string    `json:"start_date"`
	Items         int       `json:"items"`
	ItemsPlanned  int       `json:"items_planned"`
	PlannedOrders int       `json:"planned_orders"`
	Exceptions    int       `json:"exceptions"`
	LoadMS        float64   `json:"load_ms"`
	PlanMS        float64   `json:"plan_ms"`
	WriteMS       float64   `json:"write_ms"`
	DurationMS    float64   `json:"duration_ms"`
	Error         string    `json:"error"`
	StartedAt     time.Time `json:"started_at"`
}

// PlannedOrder is a run's planned order.
type PlannedOrder struct {
	ID            string  `json:"id"`
	RunID         string  `json:"run_id"`
	MaterialID    string  `json:"material_id"`
	MaterialCode  string  `json:"material_code"`
	Source        string  `json:"source"`
	Firm          bool    `json:"firm"`
	PastDue       bool    `json:"past_due"`
	ReleaseDate   string  `json:"release_date"`
	DueDate       string  `json:"due_date"`
	Quantity      Decimal `json:"quantity"`
	RequirementID *string `json:"requirement_id"`
}

// MRPException is an exception message of a run.
type MRPException struct {
	ID             string  `json:"id"`
	MaterialID     string  `json:"material_id"`
	MaterialCode   string  `json:"material_code"`
	Kind           string  `json:"kind"`
	Date           string  `json:"date"`
	ToDate         *string `json:"to_date"`
	Quantity       Decimal `json:"quantity"`
	PlannedOrderID *string `json:"planned_order_id"`
}

// RecordBucket is one column of an MRP record.
type RecordBucket struct {
	Bucket            int     `json:"bucket"`
	Date              string  `json:"date"`
	Gross             float64 `json:"gross"`
	ScheduledReceipts float64 `json:"scheduled_receipts"`
	ProjectedOnHand   float64 `json:"projected_on_hand"`
	Net               float64 `json:"net"`
	PlannedReceipts   float64 `json:"planned_receipts"`
	PlannedReleases   float64 `json:"planned_releases"`
}

// MRPRecord is an item's time-phased record in a run.
type MRPRecord struct {
	RunID        string         `json:"run_id"`
	MaterialID   string         `json:"material_id"`
	LowLevelCode int            `json:"low_level_code"`
	OnHand       float64        `json:"on_hand"`
	SafetyStock  float64        `json:"safety_stock"`
	Buckets      []RecordBucket `json:"buckets"`
}

// Peg is what a planned order serves.
type Peg struct {
	Kind       string  `json:"kind"`
	DemandType string  `json:"demand_type"`
	DemandID   string  `json:"demand_id"`
	MaterialID string  `json:"material_id"`
	Date       string  `json:"date"`
	Quantity   float64 `json:"quantity"`
}

// Pegging is a planned order with its pegs.
type Pegging struct {
	PlannedOrder PlannedOrder `json:"planned_order"`
	Pegs         []Peg        `json:"pegs"`
}

// Overrides are a simulation's what-if changes.
type Overrides struct {
	ExtraDemand []ExtraDemand    `json:"extra_demand"`
	LeadTimes   []LeadTimeChange `json:"lead_times"`
}

// ExtraDemand adds demand for a material on a date.
type ExtraDemand struct {
	MaterialID string `json:"material_id"`
	Date       string `json:"date"`
	Quantity   string `json:"quantity"` // a decimal string, like every quantity the API takes
}

// LeadTimeChange replaces a material's lead time (buckets).
type LeadTimeChange struct {
	MaterialID string `json:"material_id"`
	LeadTime   int    `json:"lead_time"`
}

// Simulation is a what-if result (nothing saved).
type Simulation struct {
	Items          int     `json:"items"`
	ItemsReplanned int     `json:"items_replanned"`
	PlannedOrders  int     `json:"planned_orders"`
	Exceptions     int     `json:"exceptions"`
	Truncated      bool    `json:"truncated"`
	PlanMS         float64 `json:"plan_ms"`
	Orders         []struct {
		MaterialID  string  `json:"material_id"`
		Source      string  `json:"source"`
		Firm        bool    `json:"firm"`
		PastDue     bool    `json:"past_due"`
		ReleaseDate string  `json:"release_date"`
		DueDate     string  `json:"due_date"`
		Quantity    float64 `json:"quantity"`
	} `json:"affected_planned_orders"`
	Messages []struct {
		MaterialID string  `json:"material_id"`
		Kind       string  `json:"kind"`
		Bucket     int     `json:"bucket"`
		Quantity   float64 `json:"quantity"`
	} `json:"affected_exceptions"`
}

func (c *Client) mrp(ctx context.Context, method, path string, q url.Values, in, out any) error {
	return c.c.Do(ctx, method, MRPBase+path, q, in, out)
}

func mrpList[T any](ctx context.Context, c *Client, path string, q url.Values) (apicall.Page[T], error) {
	var p apicall.Page[T]
	err := c.mrp(ctx, http.MethodGet, path, q, nil, &p)
	return p, err
}

// MRPSettings returns the planning calendar.
func (c *Client) MRPSettings(ctx context.Context) (MRPSettings, error) {
	var s MRPSettings
	err := c.mrp(ctx, http.MethodGet, "/settings", nil, nil, &s)
	return s, err
}

// PutMRPSettings replaces the planning calendar.
func (c *Client) PutMRPSettings(ctx context.Context, s MRPSettings) error {
	return c.mrp(ctx, http.MethodPut, "/settings", nil, s, nil)
}

// MRPItems lists the items with planning data.
func (c *Client) MRPItems(ctx context.Context, q url.Values) (apicall.Page[MRPItem], error) {
	return mrpList[MRPItem](ctx, c, "/items", q)
}

// MRPItem returns one material's planning data.
func (c *Client) MRPItem(ctx context.Context, materialID string) (MRPItem, error) {
	var it MRPItem
	err := c.mrp(ctx, http.MethodGet, "/items/"+url.PathEscape(materialID), nil, nil, &it)
	return it, err
}

// PutMRPItem creates or replaces a material's planning data.
func (c *Client) PutMRPItem(ctx context.Context, materialID string, in MRPItem) error {
	in.MaterialID, in.MaterialCode, in.MaterialName = "", "", ""
	return c.mrp(ctx, http.MethodPut, "/items/"+url.PathEscape(materialID), nil, in, nil)
}

// DeleteMRPItem removes a material's planning data.
func (c *Client) DeleteMRPItem(ctx context.Context, materialID string) error {
	return c.mrp(ctx, http.MethodDelete, "/items/"+url.PathEscape(materialID), nil, nil, nil)
}

// BOMTree expands an item's bill of materials (up: where-used).
func (c *Client) BOMTree(ctx context.Context, materialID string, up bool) (BOMTree, error) {
	var t BOMTree
	kind := "/bom-tree"
	if up {
		kind = "/where-used"
	}
	err := c.mrp(ctx, http.MethodGet, "/items/"+url.PathEscape(materialID)+kind, nil, nil, &t)
	return t, err
}

// BOMLines lists BOM lines (filters: parent_id, component_id).
func (c *Client) BOMLines(ctx context.Context, q url.Values) (apicall.Page[BOMLine], error) {
	return mrpList[BOMLine](ctx, c, "/bom-lines", q)
}

// CreateBOMLine adds a component to a parent (a cycle is refused naming it).
func (c *Client) CreateBOMLine(ctx context.Context, in BOMLine) error {
	return c.mrp(ctx, http.MethodPost, "/bom-lines", nil, in, nil)
}

// UpdateBOMLine changes a line's quantity and scrap.
func (c *Client) UpdateBOMLine(ctx context.Context, id string, in BOMLine) error {
	return c.mrp(ctx, http.MethodPut, "/bom-lines/"+url.PathEscape(id), nil, in, nil)
}

// DeleteBOMLine removes a line.
func (c *Client) DeleteBOMLine(ctx context.Context, id string) error {
	return c.mrp(ctx, http.MethodDelete, "/bom-lines/"+url.PathEscape(id), nil, nil, nil)
}

// MRPDemands lists demand entries (filters: material_id, from, to).
func (c *Client) MRPDemands(ctx context.Context, q url.Values) (apicall.Page[MRPDemand], error) {
	return mrpList[MRPDemand](ctx, c, "/demands", q)
}

// CreateMRPDemand adds a demand entry.
func (c *Client) CreateMRPDemand(ctx context.Context, in MRPDemand) error {
	return c.mrp(ctx, http.MethodPost, "/demands", nil, in, nil)
}

// DeleteMRPDemand removes a demand entry.
func (c *Client) DeleteMRPDemand(ctx context.Context, id string) error {
	return c.mrp(ctx, http.MethodDelete, "/demands/"+url.PathEscape(id), nil, nil, nil)
}

// ImportMRPDemands imports a CSV of demand entries, all or nothing.
func (c *Client) ImportMRPDemands(ctx context.Context, csv []byte) (int, error) {
	var out struct {
		Imported int `json:"imported"`
	}
	err := c.mrp(ctx, http.MethodPost, "/demands/import", nil, apicall.RawBody{ContentType: "text/csv", Data: csv}, &out)
	return out.Imported, err
}

// ScheduledReceipts lists open orders.
func (c *Client) ScheduledReceipts(ctx context.Context, q url.Values) (apicall.Page[ScheduledReceipt], error) {
	return mrpList[ScheduledReceipt](ctx, c, "/scheduled-receipts", q)
}

// CreateScheduledReceipt adds an open order.
func (c *Client) CreateScheduledReceipt(ctx context.Context, in ScheduledReceipt) error {
	return c.mrp(ctx, http.MethodPost, "/scheduled-receipts", nil, in, nil)
}

// DeleteScheduledReceipt removes an open order.
func (c *Client) DeleteScheduledReceipt(ctx context.Context, id string) error {
	return c.mrp(ctx, http.MethodDelete, "/scheduled-receipts/"+url.PathEscape(id), nil, nil, nil)
}

// StartMRPRun plans now (kind regenerative or net_change) and returns the finished run.
func (c *Client) StartMRPRun(ctx context.Context, kind string) (MRPRun, error) {
	var r MRPRun
	err := c.mrp(ctx, http.MethodPost, "/runs", nil, map[string]string{"kind": kind}, &r)
	return r, err
}

// MRPRuns lists runs, newest first.
func (c *Client) MRPRuns(ctx context.Context, q url.Values) (apicall.Page[MRPRun], error) {
	return mrpList[MRPRun](ctx, c, "/runs", q)
}

// MRPRun returns one run.
func (c *Client) MRPRun(ctx context.Context, id string) (MRPRun, error) {
	var r MRPRun
	err := c.mrp(ctx, http.MethodGet, "/runs/"+url.PathEscape(id), nil, nil, &r)
	return r, err
}

// PlannedOrders lists a run's planned orders (filter: material_id).
func (c *Client) PlannedOrders(ctx context.Context, runID string, q url.Values) (apicall.Page[PlannedOrder], error) {
	return mrpList[PlannedOrder](ctx, c, "/runs/"+url.PathEscape(runID)+"/planned-orders", q)
}

// MRPExceptions lists a run's exception messages (filters: material_id, kind).
func (c *Client) MRPExceptions(ctx context.Context, runID string, q url.Values) (apicall.Page[MRPException], error) {
	return mrpList[MRPException](ctx, c, "/runs/"+url.PathEscape(runID)+"/exceptions", q)
}

// MRPRecord returns an item's MRP record in a run.
func (c *Client) MRPRecord(ctx context.Context, runID, materialID string) (MRPRecord, error) {
	var r MRPRecord
	err := c.mrp(ctx, http.MethodGet, "/runs/"+url.PathEscape(runID)+"/records/"+url.PathEscape(materialID), nil, nil, &r)
	return r, err
}

// Pegging traces a planned order to what it serves.
func (c *Client) Pegging(ctx context.Context, orderID string) (Pegging, error) {
	var p Pegging
	err := c.mrp(ctx, http.MethodGet, "/planned-orders/"+url.PathEscape(orderID)+"/pegging", nil, nil, &p)
	return p, err
}

// FirmPlannedOrder firms a planned order.
func (c *Client) FirmPlannedOrder(ctx context.Context, orderID string) error {
	return c.mrp(ctx, http.MethodPost, "/planned-orders/"+url.PathEscape(orderID)+"/firm", nil, struct{}{}, nil)
}

// ConvertPlannedOrder turns a firmed buy order into a requirement.
func (c *Client) ConvertPlannedOrder(ctx context.Context, orderID, warehouseID, budgetID, notes string) error {
	return c.mrp(ctx, http.MethodPost, "/planned-orders/"+url.PathEscape(orderID)+"/convert", nil,
		map[string]string{"warehouse_id": warehouseID, "budget_id": budgetID, "notes": notes}, nil)
}

// Simulate plans the current inputs with overrides, saving nothing.
func (c *Client) Simulate(ctx context.Context, o Overrides) (Simulation, error) {
	var s Simulation
	err := c.mrp(ctx, http.MethodPost, "/simulations", nil, map[string]any{"overrides": o}, &s)
	return s, err
}
