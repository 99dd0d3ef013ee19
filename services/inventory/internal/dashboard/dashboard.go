// Package dashboard defines the tenant's KPIs (the old dashboard, with its counting
// errors fixed: dispatches are dispatches, trends count units).
package dashboard

import (
	"time"

	"github.com/shopspring/decimal"
)

// KPIs is the dashboard of one tenant for a period.
type KPIs struct {
	From                time.Time       `json:"from"`
	To                  time.Time       `json:"to"`
	StockUnits          decimal.Decimal `json:"stock_units"`
	StockValuePEN       decimal.Decimal `json:"stock_value_pen"`
	StockValueUSD       decimal.Decimal `json:"stock_value_usd"`
	ReservedUnits       decimal.Decimal `json:"reserved_units"`
	PendingRequirements int             `json:"pending_requirements"`
	Dispatches          int             `json:"dispatches"`
	DispatchedUnits     decimal.Decimal `json:"dispatched_units"`
	DispatchesPerDay    []DayCount      `json:"dispatches_per_day"`
	LowStock            []LowStockItem  `json:"low_stock"`
	// LowStockTotal counts every low-stock line; LowStock shows at most LowStockShown
	// of them (the lowest first), so a dashboard can say how many more there are.
	LowStockTotal     int              `json:"low_stock_total"`
	BudgetConsumption []BudgetSpending `json:"consumption_per_budget"`
	StockPerWarehouse []WarehouseStock `json:"stock_per_warehouse"`
}

// DayCount is a per-day figure.
type DayCount struct {
	Day   string          `json:"day"`
	Count int             `json:"count"`
	Units decimal.Decimal `json:"units"`
}

// LowStockShown is how many low-stock lines the dashboard lists (lowest on-hand first).
const LowStockShown = 50

// LowStockItem is a principal line at or below the threshold.
type LowStockItem struct {
	StockLineID  string          `json:"stock_line_id"`
	MaterialID   string          `json:"material_id"`
	MaterialName string          `json:"material_name"`
	OnHand       decimal.Decimal `json:"on_hand"`
	Available    decimal.Decimal `json:"available"`
}

// BudgetSpending is a project's amount against its dispatched cost (price at dispatch).
type BudgetSpending struct {
	BudgetID      string          `json:"budget_id"`
	Name          string          `json:"name"`
	Status        string          `json:"status"`
	AmountPEN     decimal.Decimal `json:"amount_pen"`
	DispatchedPEN decimal.Decimal `json:"dispatched_pen"`
	OverBudget    bool            `json:"over_budget"`
}

// WarehouseStock is the stock of one warehouse.
type WarehouseStock struct {
	WarehouseID string          `json:"warehouse_id"`
	Name        string          `json:"name"`
	Units       decimal.Decimal `json:"units"`
	ValuePEN    decimal.Decimal `json:"value_pen"`
}

// Period parses the dashboard's period, defaulting to the last 30 days.
func Period(from, to string, now time.Time) (time.Time, time.Time, bool) {
	end := now.UTC()
	start := end.AddDate(0, 0, -30)
	if to != "" {
		t, err := time.Parse(time.DateOnly, to)
		if err != nil {
			return start, end, false
		}
		end = t.AddDate(0, 0, 1)
	}
	if from != "" {
		t, err := time.Parse(time.DateOnly, from)
		if err != nil {
			return start, end, false
		}
		start = t
	}
	return start, end, !start.After(end)
}
